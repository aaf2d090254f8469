"""Normalize Data: rescale numeric columns, learning the statistics on the data it is fitted on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    ColumnsParam,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    Transformation,
    register,
    resolve_columns,
)

from ._numeric_columns import fitted_numeric_values, no_columns_error, numeric_values, require_fitted_columns
from ._row_selection import check_rows

METHODS = ("ZScore", "MinMax", "Logistic", "LogNormal", "Tanh")
# Methods that learn statistics from the data (and so can meet a constant column).
FITTED_METHODS = ("ZScore", "MinMax", "LogNormal")
# A column whose standard deviation is below this is treated as constant (the reference's threshold).
CONSTANT_STD = 1e-9


@dataclass(frozen=True)
class ColumnStatistics:
    """What one column's rescaling needs: ZScore (mean, std), MinMax (min, max - min), LogNormal (mean and
    std of log(x) over the positive values). ``constant`` marks a column with (near) zero spread."""

    location: float = 0.0
    spread: float = 1.0
    constant: bool = False


def fit_statistics(method: str, values: np.ndarray, column: str) -> ColumnStatistics:
    finite = values[np.isfinite(values)]
    if method == "LogNormal":
        positive = finite[finite > 0]
        if len(positive) == 0:
            raise ModuleError(
                "no_positive_values",
                f"Column '{column}' has no positive values, so no log-normal distribution can be fitted to "
                "it. Choose another transformation method for it.",
                column=column,
            )
        if np.std(positive) < CONSTANT_STD:
            return ColumnStatistics(constant=True)
        # Maximum-likelihood fit with the location fixed at 0 (scipy's lognorm.fit(x, floc=0)).
        logs = np.log(positive)
        return ColumnStatistics(location=float(np.mean(logs)), spread=float(np.std(logs)))
    if len(finite) == 0 or np.std(finite) < CONSTANT_STD:
        return ColumnStatistics(constant=True)
    if method == "ZScore":
        return ColumnStatistics(location=float(np.mean(finite)), spread=float(np.std(finite)))
    low, high = float(np.min(finite)), float(np.max(finite))
    return ColumnStatistics(location=low, spread=high - low)


@dataclass
class NormalizeTransformation(Transformation):
    """The fitted Normalize Data step: applies the training statistics to any dataset."""

    method: str
    columns: list[str]
    statistics: dict[str, ColumnStatistics] = field(default_factory=dict)
    zero_for_constant: bool = True
    title: str = "Normalize Data"

    @property
    def input_columns(self) -> list[str]:
        return list(self.columns)

    def apply(self, table: DataTable) -> DataTable:
        require_fitted_columns(table, self.columns)
        frame = table.df.copy()
        for column in self.columns:
            frame[column] = self.rescale(column, numeric_values(frame[column], column))
        return DataTable.from_frame(frame, like=table)

    def rescale(self, column: str, values: np.ndarray) -> np.ndarray:
        if self.method == "Logistic":
            return special.expit(values)
        if self.method == "Tanh":
            return np.tanh(values)
        fitted = self.statistics[column]
        if fitted.constant:
            filler = 0.0 if self.zero_for_constant else np.nan
            return np.where(np.isfinite(values), filler, np.nan)
        if self.method == "LogNormal":
            # Values <= 0 get probability 0 and +inf gets 1, as the distribution's CDF says.
            return stats.lognorm.cdf(values, fitted.spread, loc=0.0, scale=np.exp(fitted.location))
        # ZScore and MinMax: infinite values cannot be placed on the scale and become missing.
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(values), (values - fitted.location) / fitted.spread, np.nan)


@register
class NormalizeData(Module):
    """Rescale numeric columns so that they share a common scale.

    - **ZScore**: (x - mean) / standard deviation (population standard deviation, as scikit-learn's
      StandardScaler).
    - **MinMax**: (x - min) / (max - min), as scikit-learn's MinMaxScaler; new data outside the training
      range falls outside [0, 1].
    - **Logistic**: 1 / (1 + e^-x). **Tanh**: the hyperbolic tangent. Neither learns anything.
    - **LogNormal**: the cumulative probability of x under a log-normal distribution fitted (location 0)
      to the column's positive values; values <= 0 become 0.

    Statistics are learned from this dataset, ignoring missing and infinite values, and kept in the
    **Transformation function** output: connect it to Apply Transformation to rescale test or scoring
    data with the *training* statistics. Infinite values become missing with ZScore and MinMax. A
    constant column becomes all 0 when "Use 0 for constant columns" is checked, otherwise all missing.
    Missing values stay missing. The selected columns are replaced in place.
    """

    key = "data_transformation.normalize_data"
    title = "Normalize Data"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (
        Port("transformed_dataset", "Transformed dataset", PortType.DATASET),
        Port("transformation_function", "Transformation function", PortType.TRANSFORMATION),
    )
    # Same columns, same flags (transformed numbers may become doubles).
    schema_preserving_outputs = {"transformed_dataset": "dataset"}
    params = (
        ChoiceParam("transformation_method", "Transformation method", default="ZScore", choices=METHODS),
        ColumnsParam(
            "columns_to_transform",
            "Columns to transform",
            port="dataset",
            description="Numeric columns to rescale.",
        ),
        BoolParam(
            "use_0_for_constant_columns_when_checked",
            "Use 0 for constant columns when checked",
            default=True,
            description="A column with a single value becomes 0 (checked) or missing (unchecked).",
            visible_when={"transformation_method": FITTED_METHODS},
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        check_rows(dataset, "dataset", "Dataset")
        method = params["transformation_method"]
        columns = resolve_columns(dataset, params["columns_to_transform"], "columns_to_transform")
        if not columns:
            raise no_columns_error("columns_to_transform", "Columns to transform")
        statistics = {}
        for column in columns:
            values = fitted_numeric_values(dataset, column, "columns_to_transform")
            if method in FITTED_METHODS:
                statistics[column] = fit_statistics(method, values, column)
        transformation = NormalizeTransformation(
            method=method,
            columns=columns,
            statistics=statistics,
            zero_for_constant=params["use_0_for_constant_columns_when_checked"],
        )
        return {
            "transformed_dataset": transformation.apply(dataset),
            "transformation_function": transformation,
        }
