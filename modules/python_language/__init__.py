"""Python language modules: run your own Python code, or write your own learner, in a separate process."""

from . import create_python_model, execute_python_script  # noqa: F401
