"""Convert to CSV and Convert to Dataset: the file round trip, and cleaning up a freshly read table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.data_io.parsing import parse_bytes, table_to_bytes
from modules.sdk import (
    Category,
    ChoiceParam,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    StringParam,
    column_kind,
    register,
)

SET_MISSING = "SetMissingValues"
REPLACE = "ReplaceValues"


@register
class ConvertToCsv(Module):
    """Turn the dataset into a CSV file, to download it or read it in other tools.

    The output is the dataset exactly as the CSV file reads back (its preview offers the file for
    download): numbers are written in full precision, text, numbers, booleans and dates keep their
    types (category columns become text), and column settings (label, features, categorical) are kept
    for the modules that follow.
    """

    key = "data_transformation.convert_to_csv"
    title = "Convert to CSV"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        if not dataset.columns:
            raise ModuleError("empty_dataset", "The dataset has no columns to write.", port="dataset")
        frame = parse_bytes(table_to_bytes(dataset, "CSV"), "CSV", has_header=True).df
        for column in dataset.columns:
            # CSV has no date type; dates are written in ISO format, so they read back exactly.
            if column_kind(dataset.df[column]) == "datetime":
                frame[column] = pd.to_datetime(frame[column], format="ISO8601").astype(
                    dataset.df[column].dtype
                )
        return {"results_dataset": DataTable.from_frame(frame, like=dataset)}


@register
class ConvertToDataset(Module):
    """Tidy a freshly imported table: mark missing-value codes, replace values, and detect number columns.

    - **Action: SetMissingValues** turns every cell equal to **Custom missing value** (like ``?`` in many
      UCI files) into a missing value.
    - **Action: ReplaceValues** replaces missing values (**Replace: Missing**) or every cell equal to
      **Custom value** (**Replace: Custom**) with **New value**.

    Then text columns whose values are all numbers become number columns, so a column that held ``?``
    for unknowns becomes numeric once they are missing values.
    """

    key = "data_transformation.convert_to_dataset"
    title = "Convert to Dataset"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    params = (
        ChoiceParam("action", "Action", default="None", choices=("None", SET_MISSING, REPLACE)),
        StringParam(
            "custom_missing_value",
            "Custom missing value",
            default="?",
            visible_when={"action": (SET_MISSING,)},
        ),
        ChoiceParam(
            "replace",
            "Replace",
            default="Missing",
            choices=("Missing", "Custom"),
            visible_when={"action": (REPLACE,)},
        ),
        StringParam(
            "custom_value",
            "Custom value",
            default="obs",
            visible_when={"action": (REPLACE,), "replace": ("Custom",)},
        ),
        StringParam("new_value", "New value", default="0", visible_when={"action": (REPLACE,)}),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        frame = dataset.df.copy()
        action = params["action"]
        for column in frame.columns:
            series = frame[column]
            if action == SET_MISSING:
                series = series.mask(_equals(series, params["custom_missing_value"]))
            elif action == REPLACE:
                hits = (
                    series.isna()
                    if params["replace"] == "Missing"
                    else _equals(series, params["custom_value"])
                )
                if hits.any():
                    series = _replace(series, hits, params["new_value"], column)
            frame[column] = _numbers_if_possible(series)
        return {"results_dataset": DataTable.from_frame(frame, like=dataset)}


def _equals(series: pd.Series, text: str) -> pd.Series:
    """Cells equal to ``text``: as text in text columns, as a number in number columns."""
    kind = column_kind(series)
    if kind in ("integer", "double"):
        try:
            return series == float(text)
        except ValueError:
            return pd.Series(False, index=series.index)
    if kind == "boolean":
        return (
            pd.Series(False, index=series.index)
            if text.lower() not in ("true", "false")
            else (series == (text.lower() == "true"))
        )
    return (series.astype("str") == text) & series.notna()


def _replace(series: pd.Series, hits: pd.Series, text: str, column: str) -> pd.Series:
    kind = column_kind(series)
    value: Any = text
    if kind in ("integer", "double"):
        try:
            value = float(text)
        except ValueError:
            raise ModuleError(
                "invalid_replacement_value",
                f"Column '{column}' holds numbers, so {text!r} cannot replace its values. Give a number as "
                "New value, or convert the column to text with Edit Metadata first.",
                column=column,
                parameter="new_value",
            ) from None
        if kind == "integer" and value.is_integer():
            value = int(value)
    elif kind != "string":
        # Booleans, dates, categories: the column becomes text, so the new text value fits.
        series = series.astype("str").where(series.notna())
    return series.where(~hits, value)


def _numbers_if_possible(series: pd.Series) -> pd.Series:
    """A text column whose present values all read as numbers becomes a number column."""
    if column_kind(series) != "string" or series.isna().all():
        return series
    numbers = pd.to_numeric(series, errors="coerce")
    if (numbers.isna() & series.notna()).any():
        return series
    if numbers.notna().all() and np.all(np.mod(numbers.to_numpy(dtype=np.float64), 1) == 0):
        return numbers.astype("int64")
    return numbers.astype("float64")
