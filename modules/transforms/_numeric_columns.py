"""Checks and conversions for modules that compute on numeric columns (Normalize Data, Group Data into
Bins): the same errors, worded the same way, for text columns and columns with no values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from modules.sdk import DataTable, ModuleError, column_kind


def numeric_values(series: pd.Series, column: str, parameter: str | None = None) -> np.ndarray:
    """The column as float64 (true/false as 1/0, missing as NaN); text is refused."""
    if column_kind(series) not in ("integer", "double", "boolean"):
        raise ModuleError(
            "not_numeric",
            f"Column '{column}' holds {column_kind(series)} values, but this module works on numbers. "
            "Leave it out of the column selection, or convert it with Edit Metadata.",
            column=column,
            parameter=parameter,
        )
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def fitted_numeric_values(table: DataTable, column: str, parameter: str) -> np.ndarray:
    """Like ``numeric_values``, and refuses a column with nothing to learn from."""
    values = numeric_values(table.df[column], column, parameter)
    if np.isnan(values).all():
        raise ModuleError(
            "all_missing_column",
            f"Column '{column}' has no values at all, so there is nothing to learn from it. Remove it from "
            "the column selection, or fill it with Clean Missing Data.",
            column=column,
            parameter=parameter,
        )
    return values


def require_fitted_columns(table: DataTable, columns: list[str]) -> None:
    """At apply time: every column the transformation was fitted on must be present."""
    missing = [c for c in columns if c not in table.meta]
    if missing:
        raise ModuleError(
            "missing_column",
            f"Column '{missing[0]}' was used when this transformation was fitted, but it is not in this "
            "dataset. Pass a dataset with the same columns as the training data.",
            column=missing[0],
        )


def no_columns_error(parameter: str, title: str) -> ModuleError:
    return ModuleError(
        "no_columns_selected",
        f"'{title}' selects no columns of the input dataset. Choose at least one numeric column.",
        parameter=parameter,
    )
