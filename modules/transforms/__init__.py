"""Data transformation modules."""

from . import select_columns  # noqa: F401
