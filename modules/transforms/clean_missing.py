"""Clean Missing Data: replace or remove missing values, and output the fitted cleaning as a transformation.

Everything learned from the data (which columns qualify, each column's mean/median/mode, the MICE model,
which columns are dropped) is decided once, by ``fit_cleaning``, and frozen in a ``CleaningTransformation``.
The module's cleaned dataset is that transformation applied to its own input, so Apply Transformation and
a deployed endpoint clean new rows exactly as training did: with the training statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    ColumnsParam,
    DataTable,
    FloatParam,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    StringParam,
    Transformation,
    column_kind,
    register,
    require_rows,
    resolve_columns,
)
from modules.sdk.columns import require_numeric_columns, unique_column_name

from .edit_metadata import FALSE_WORDS, TRUE_WORDS

CUSTOM = "Custom substitution value"
MEAN = "Replace with mean"
MEDIAN = "Replace with median"
MODE = "Replace with mode"
REMOVE_ROW = "Remove entire row"
REMOVE_COLUMN = "Remove entire column"
MICE = "Replace using MICE"
_STATISTICS = (MEAN, MEDIAN, MODE)
_REPLACING = (CUSTOM, *_STATISTICS, MICE)
INDICATOR_SUFFIX = "_isMissing"


@dataclass
class CleaningTransformation(Transformation):
    """The fitted cleaning: what to fill each column with, or which rows/columns to remove."""

    mode: str
    columns: list[str]  # selected columns that met the missing-ratio criteria
    fill_values: dict[str, Any] = field(default_factory=dict)
    drop_columns: list[str] = field(default_factory=list)
    indicator: bool = False
    imputer: Any = None  # MICE: a fitted sklearn IterativeImputer over ``imputed_columns``
    imputed_columns: list[str] = field(default_factory=list)
    title: str = "Clean Missing Data"

    @property
    def input_columns(self) -> list[str]:
        return list(self.columns)

    def apply(self, table: DataTable) -> DataTable:
        frame = table.df.copy()
        present = [c for c in self.columns if c in frame.columns]
        # Indicators describe the data as it arrived, before any filling.
        indicators = {c: frame[c].isna() for c in present} if self.indicator else {}
        if self.mode == REMOVE_ROW:
            frame = frame[~frame[present].isna().any(axis=1)].reset_index(drop=True)
        if self.imputer is not None:
            self._impute(frame)
        for column, value in self.fill_values.items():
            if column in frame.columns:
                frame[column] = _fill(frame[column], value)
        frame = frame.drop(columns=[c for c in self.drop_columns if c in frame.columns])
        for column, missing in indicators.items():
            if column not in self.drop_columns:
                frame[unique_column_name(column + INDICATOR_SUFFIX, frame.columns)] = missing.to_numpy()
        return DataTable.from_frame(frame, like=table)

    def _impute(self, frame: pd.DataFrame) -> None:
        absent = [c for c in self.imputed_columns if c not in frame.columns]
        if absent:
            raise ModuleError(
                "missing_column",
                f"Column '{absent[0]}' was used to learn the MICE cleaning but is not in this dataset.",
                column=absent[0],
            )
        if not len(frame):
            return
        values = frame[self.imputed_columns].to_numpy(dtype=np.float64, na_value=np.nan)
        filled = self.imputer.transform(values)
        for position, column in enumerate(self.imputed_columns):
            frame[column] = _keep_dtype(frame[column], filled[:, position])


@register
class CleanMissingData(Module):
    """Replace or remove missing values in the selected columns.

    A column is cleaned only when its share of missing values lies between **Minimum** and **Maximum
    missing value ratio** (inclusive). Cleaning modes: a **custom value** (converted to each column's
    type), the column's **mean**, **median** (numbers only) or **mode** (any type), **MICE** (each column
    predicted from the others, iteratively), or removing every **row** or **column** with a missing
    value. Columns that are entirely missing cannot be averaged: **Cols with all missing values** keeps
    (Propagate) or removes them. **Generate missing value indicator column** adds ``<name>_isMissing``
    (true where the value was missing) for every cleaned column.

    The **Cleaning transformation** output applies the same values (learned here, on this data) to new
    data through Apply Transformation, and at deployment.
    """

    key = "data_transformation.clean_missing_data"
    title = "Clean Missing Data"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (
        Port("cleaned_dataset", "Cleaned dataset", PortType.DATASET),
        Port("cleaning_transformation", "Cleaning transformation", PortType.TRANSFORMATION),
    )
    params = (
        ColumnsParam("columns_to_be_cleaned", "Columns to be cleaned", port="dataset"),
        FloatParam(
            "minimum_missing_value_ratio", "Minimum missing value ratio", default=0.0, min=0.0, max=1.0
        ),
        FloatParam(
            "maximum_missing_value_ratio", "Maximum missing value ratio", default=1.0, min=0.0, max=1.0
        ),
        ChoiceParam(
            "cleaning_mode",
            "Cleaning mode",
            default=CUSTOM,
            choices=(CUSTOM, MEAN, MEDIAN, MODE, REMOVE_ROW, REMOVE_COLUMN, MICE),
        ),
        StringParam(
            "replacement_value",
            "Replacement value",
            default="0",
            optional=True,
            visible_when={"cleaning_mode": (CUSTOM,)},
        ),
        ChoiceParam(
            "cols_with_all_missing_values",
            "Cols with all missing values",
            default="Remove",
            choices=("Propagate", "Remove"),
            visible_when={"cleaning_mode": (*_STATISTICS, MICE)},
        ),
        BoolParam(
            "generate_missing_value_indicator_column",
            "Generate missing value indicator column",
            default=False,
            visible_when={"cleaning_mode": _REPLACING},
        ),
        IntParam(
            "number_of_iterations",
            "Number of Iterations",
            default=5,
            min=1,
            max=10,
            visible_when={"cleaning_mode": (MICE,)},
        ),
    )

    @classmethod
    def infer_output_schemas(cls, params: dict[str, Any], input_schemas: dict[str, Any]) -> dict[str, Any]:
        # Substituting a value or dropping rows keeps the columns; the other modes may drop all-missing
        # columns or add indicators, which depends on the data.
        if (
            params["cleaning_mode"] in (CUSTOM, REMOVE_ROW)
            and not params["generate_missing_value_indicator_column"]
        ):
            return {"cleaned_dataset": input_schemas.get("dataset")}
        return {}

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        transformation = fit_cleaning(dataset, params, seed=ctx.seed)
        ctx.logger.info(
            "Cleaning %d column(s): %s", len(transformation.columns), ", ".join(transformation.columns)
        )
        return {"cleaned_dataset": transformation.apply(dataset), "cleaning_transformation": transformation}


def fit_cleaning(table: DataTable, params: dict[str, Any], *, seed: int = 0) -> CleaningTransformation:
    require_rows(table)
    low, high = params["minimum_missing_value_ratio"], params["maximum_missing_value_ratio"]
    if low > high:
        raise ModuleError(
            "parameter_out_of_range",
            f"The minimum missing value ratio ({low:g}) is above the maximum ({high:g}).",
            parameter="minimum_missing_value_ratio",
        )
    selected = resolve_columns(table, params["columns_to_be_cleaned"], "columns_to_be_cleaned")
    ratios = table.df[selected].isna().mean()
    columns = [c for c in selected if low <= ratios[c] <= high]
    mode = params["cleaning_mode"]
    cleaning = CleaningTransformation(
        mode=mode,
        columns=columns,
        indicator=mode in _REPLACING and bool(params["generate_missing_value_indicator_column"]),
    )
    if mode == REMOVE_COLUMN:
        cleaning.drop_columns = [c for c in columns if ratios[c] > 0]
    elif mode == CUSTOM:
        text = params["replacement_value"] if params["replacement_value"] is not None else ""
        cleaning.fill_values = {c: _typed_value(table.df[c], text, c) for c in columns}
    elif mode in _STATISTICS or mode == MICE:
        all_missing = [c for c in columns if ratios[c] == 1.0]
        if params["cols_with_all_missing_values"] == "Remove":
            cleaning.drop_columns = all_missing
        learnable = [c for c in columns if c not in all_missing]
        if mode == MICE:
            _fit_mice(cleaning, table, learnable, params["number_of_iterations"], seed)
        else:
            if mode != MODE:
                require_numeric_columns(table, learnable, parameter="columns_to_be_cleaned")
            cleaning.fill_values = {c: _statistic(table.df[c], mode) for c in learnable}
    return cleaning


def _fit_mice(
    cleaning: CleaningTransformation, table: DataTable, columns: list[str], iterations: int, seed: int
) -> None:
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (registers the class)
    from sklearn.impute import IterativeImputer

    require_numeric_columns(table, columns, parameter="columns_to_be_cleaned")
    if not columns:
        return
    imputer = IterativeImputer(max_iter=iterations, random_state=seed)
    imputer.fit(table.df[columns].to_numpy(dtype=np.float64, na_value=np.nan))
    cleaning.imputer = imputer
    cleaning.imputed_columns = columns


def _statistic(series: pd.Series, mode: str) -> Any:
    if mode == MODE:
        # Ties go to the smallest value, so the result does not depend on row order.
        return series.mode(dropna=True).iloc[0]
    numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
    value = float(np.nanmean(numbers) if mode == MEAN else np.nanmedian(numbers))
    kind = column_kind(series)
    # Integer and boolean columns keep their type: the statistic is rounded to the nearest value, a tie
    # upwards (Python's round() would send 0.5 to 0 and 2.5 to 2).
    if kind == "integer":
        return math.floor(value + 0.5)
    if kind == "boolean":
        return value >= 0.5
    return value


def _typed_value(series: pd.Series, text: str, column: str) -> Any:
    """The replacement text as a value of the column's type, or an error naming column and value."""
    kind = column_kind(series)

    def refuse(expected: str) -> ModuleError:
        return ModuleError(
            "invalid_replacement_value",
            f"Column '{column}' holds {expected}, so the replacement value {text!r} cannot go in it. Give a "
            f"value of that kind, or clean columns of different types with separate Clean Missing Data modules.",
            column=column,
            parameter="replacement_value",
        )

    if kind in ("integer", "double"):
        try:
            number = float(text)
        except ValueError:
            raise refuse("numbers") from None
        if kind == "integer":
            if not number.is_integer():
                raise refuse("whole numbers")
            return int(number)
        return number
    if kind == "boolean":
        lowered = text.strip().lower()
        if lowered not in TRUE_WORDS | FALSE_WORDS:
            raise refuse("true/false values")
        return lowered in TRUE_WORDS
    if kind == "datetime":
        try:
            return pd.Timestamp(text)
        except ValueError:
            raise refuse("dates") from None
    return text


def _fill(series: pd.Series, value: Any) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype) and value not in series.cat.categories:
        series = series.cat.add_categories([value])
    if series.isna().all():
        # An all-missing column has no real type yet: the value decides it.
        return pd.Series(value, index=series.index)
    return series.fillna(value)


def _keep_dtype(series: pd.Series, values: np.ndarray) -> pd.Series:
    """Imputed floats back into the column; integer and boolean columns get rounded values (ties up)."""
    kind = column_kind(series)
    if kind == "integer":
        return pd.Series(np.floor(values + 0.5), index=series.index).astype(series.dtype)
    if kind == "boolean":
        return pd.Series(values >= 0.5, index=series.index).astype(series.dtype)
    return pd.Series(values, index=series.index)
