"""Convert to Indicator Values: one 0/1 column per category level (one-hot encoding), with the levels
learned here frozen in a transformation so new data gets exactly the same columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    BoolParam,
    Category,
    ColumnsParam,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    Transformation,
    check_not_high_cardinality,
    column_kind,
    register,
    resolve_columns,
)
from modules.sdk.columns import unique_column_name


@dataclass
class IndicatorValuesTransformation(Transformation):
    """Levels per column, in output order. Unknown levels and missing values give all-zero indicators."""

    levels: dict[str, list[Any]]
    overwrite: bool
    title: str = "Convert to Indicator Values"

    @property
    def input_columns(self) -> list[str]:
        return list(self.levels)

    def apply(self, table: DataTable) -> DataTable:
        absent = [c for c in self.levels if c not in table.meta]
        if absent:
            raise ModuleError(
                "missing_column",
                f"Column '{absent[0]}' was converted to indicator values in training but is not in this "
                "dataset.",
                column=absent[0],
            )
        pieces: list[pd.DataFrame] = []
        taken = set(table.columns)
        for column in table.columns:
            if column not in self.levels or not self.overwrite:
                pieces.append(table.df[[column]])
            if column in self.levels:
                indicators = self._indicators(table.df[column], self.levels[column], taken)
                taken |= set(indicators.columns)
                pieces.append(indicators)
        frame = pd.concat(pieces, axis=1) if pieces else table.df.iloc[:, :0].copy()
        return DataTable.from_frame(frame.reset_index(drop=True), like=table)

    @staticmethod
    def _indicators(series: pd.Series, levels: list[Any], taken: set[str]) -> pd.DataFrame:
        codes = pd.Index(levels).get_indexer(series)  # -1 for unknown or missing
        matrix = np.zeros((len(series), len(levels)), dtype=np.int64)
        known = codes >= 0
        matrix[np.nonzero(known)[0], codes[known]] = 1
        names: list[str] = []
        for level in levels:
            name = unique_column_name(f"{series.name}-{_level_text(level)}", taken | set(names))
            names.append(name)
        return pd.DataFrame(matrix, columns=names, index=series.index)


@register
class ConvertToIndicatorValues(Module):
    """Turn each categorical column into indicator columns: one per value, 1 where the row has it, else 0.

    A column ``color`` with values red and blue gives ``color-blue`` and ``color-red`` right after it
    (or instead of it, with **Overwrite categorical columns**). The columns must be categorical: text,
    or numbers marked categorical with Edit Metadata. Missing values get 0 in every indicator.

    The **Indicator values transformation** output gives new data the same columns (a value not seen
    here gets 0 everywhere), through Apply Transformation and at deployment.
    """

    key = "data_transformation.convert_to_indicator_values"
    title = "Convert to Indicator Values"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (
        Port("results_dataset", "Results dataset", PortType.DATASET),
        Port("indicator_values_transformation", "Indicator values transformation", PortType.TRANSFORMATION),
    )
    params = (
        ColumnsParam("categorical_columns_to_convert", "Categorical columns to convert", port="dataset"),
        BoolParam(
            "overwrite_categorical_columns", "Overwrite categorical columns", default=False, optional=True
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        columns = resolve_columns(
            dataset, params["categorical_columns_to_convert"], "categorical_columns_to_convert"
        )
        levels: dict[str, list[Any]] = {}
        for column in columns:
            series = dataset.df[column]
            if not (dataset.meta[column].categorical or column_kind(series) in ("string", "categorical")):
                raise ModuleError(
                    "not_categorical",
                    f"Column '{column}' holds {column_kind(series)} values and is not categorical. Mark it "
                    "categorical with Edit Metadata (Categorical: Make Categorical) first, or leave it out.",
                    column=column,
                    parameter="categorical_columns_to_convert",
                )
            check_not_high_cardinality(series, column)
            levels[column] = sorted(series.dropna().unique().tolist(), key=_level_order)
        transformation = IndicatorValuesTransformation(
            levels=levels, overwrite=bool(params["overwrite_categorical_columns"])
        )
        return {
            "results_dataset": transformation.apply(dataset),
            "indicator_values_transformation": transformation,
        }


def _level_order(level: Any) -> tuple[str, Any]:
    # Numbers sort numerically, text alphabetically; mixed kinds never compare with each other.
    return (type(level).__name__ if not isinstance(level, (int, float)) else "number", level)


def _level_text(level: Any) -> str:
    """How a level appears in a column name: 4.0 reads as 4, True as True."""
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)
