"""Feature selection and statistical functions: Filter Based Feature Selection and Summarize Data."""

from . import filter_based, summarize_data  # noqa: F401
