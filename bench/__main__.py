"""`python -m bench`: run every benchmark and print its figures."""

import runpy
import sys

for name in sys.argv[1:] or ["engine"]:
    print(f"== bench/{name}.py")
    runpy.run_module(f"bench.{name}", run_name="__main__")
