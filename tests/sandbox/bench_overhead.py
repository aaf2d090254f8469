"""What the sandbox costs per script run, against a plain child process (not a test; run it by hand):

    .venv/bin/python -m tests.sandbox.bench_overhead [runs]

Two measures, the runners alternated run by run so that machine noise hits both alike:
- start-up only: the runner's command with a bare ``python -S -c pass`` as the program;
- a whole Execute Python Script step body (``run_python_script``: folder, Arrow input, child imports
  pandas, result read back), with the sandbox's runner and with ``SubprocessRunner``.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from modules.python_language.runner import SubprocessRunner, run_python_script
from modules.python_language.sandbox import PRIVATE_SHM, PRIVATE_TMP, BubblewrapRunner
from modules.python_language.seccomp_filter import seccomp_program

SCRIPT = "def azureml_main(dataframe1=None, dataframe2=None):\n    return dataframe1\n"


def bare_start(runner: BubblewrapRunner | None, workdir: Path) -> float:
    program = [sys.executable, "-S", "-c", "pass"]
    fds: tuple[int, ...] = ()
    if runner is not None:
        read_end, write_end = os.pipe()
        os.write(write_end, seccomp_program())
        os.close(write_end)
        command = runner.command(workdir, timeout=10, env={}, seccomp_fd=read_end)
        program = command[: command.index("--") + 1] + program
        fds = (read_end,)
    started = time.perf_counter()
    subprocess.run(program, pass_fds=fds, check=True, env={"PATH": "/usr/bin:/bin"}, cwd=workdir)
    elapsed = time.perf_counter() - started
    for fd in fds:
        os.close(fd)
    return elapsed


def whole_step(runner: object, frame: pd.DataFrame) -> float:
    started = time.perf_counter()
    run_python_script(
        "execute",
        SCRIPT,
        inputs={"dataframe1": frame},
        seed=0,
        timeout=60,
        logger=logging.getLogger("bench"),
        runner=runner,  # type: ignore[arg-type]
    )
    return time.perf_counter() - started


def report(name: str, plain: list[float], boxed: list[float]) -> None:
    p, b = statistics.median(plain) * 1000, statistics.median(boxed) * 1000
    diffs = sorted((y - x) * 1000 for x, y in zip(plain, boxed, strict=True))
    print(
        f"{name}: plain {p:.1f} ms, sandbox {b:.1f} ms (medians of {len(plain)}); "
        f"overhead median {statistics.median(diffs):.1f} ms (paired)"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    sandbox = BubblewrapRunner()
    problem = sandbox.problem()
    if problem:
        sys.exit(f"bubblewrap cannot run here: {problem}")
    print(f"{'root' if sandbox.as_root else 'rootless'} mode, {os.cpu_count()} CPUs, {runs} runs each")
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        for name in (PRIVATE_TMP, PRIVATE_SHM):
            (workdir / name).mkdir()
        plain, boxed = [], []
        for _ in range(runs):
            plain.append(bare_start(None, workdir))
            boxed.append(bare_start(sandbox, workdir))
        report("start-up (python -S -c pass)", plain, boxed)
    frame = pd.DataFrame({"a": range(1000), "b": [str(i) for i in range(1000)]})
    plain, boxed = [], []
    subprocess_runner = SubprocessRunner()
    for _ in range(runs):
        plain.append(whole_step(subprocess_runner, frame))
        boxed.append(whole_step(sandbox, frame))
    report("whole script run (imports pandas)", plain, boxed)


if __name__ == "__main__":
    main()
