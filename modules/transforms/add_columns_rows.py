"""Add Columns and Add Rows: put two datasets side by side, or one under the other."""

from __future__ import annotations

from typing import Any

import pandas as pd

from modules.sdk import (
    Category,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    column_kind,
    register,
)
from modules.sdk.columns import unique_column_name


@register
class AddColumns(Module):
    """Put the columns of the right dataset after those of the left one, row by row.

    Both datasets must have the same number of rows; rows are matched by position (use Join Data to match
    them by a key). A right column whose name the left dataset already uses is renamed ``name(2)``.
    """

    key = "data_transformation.add_columns"
    title = "Add Columns"
    category = Category.DATA_TRANSFORMATION
    inputs = (
        Port("left_dataset", "Left dataset", PortType.DATASET),
        Port("right_dataset", "Right dataset", PortType.DATASET),
    )
    outputs = (Port("combined_dataset", "Combined dataset", PortType.DATASET),)

    def run(
        self, ctx: RunContext, params: dict[str, Any], left_dataset: DataTable, right_dataset: DataTable
    ) -> dict[str, Any]:
        if len(left_dataset) != len(right_dataset):
            raise ModuleError(
                "row_count_mismatch",
                f"The left dataset has {len(left_dataset)} rows and the right one {len(right_dataset)}. "
                "Add Columns matches rows by position, so both need the same number of rows; use Join Data "
                "to match rows by a key column.",
                port="right_dataset",
            )
        taken = set(left_dataset.columns)
        renamed: dict[str, str] = {}
        for column in right_dataset.columns:
            renamed[column] = unique_column_name(column, taken)
            taken.add(renamed[column])
        right = right_dataset.df.rename(columns=renamed).reset_index(drop=True)
        combined = pd.concat([left_dataset.df.reset_index(drop=True), right], axis=1)
        meta = {**left_dataset.meta, **{renamed[c]: m for c, m in right_dataset.meta.items()}}
        return {"combined_dataset": DataTable(combined, meta)}


@register
class AddRows(Module):
    """Append the rows of the second dataset below those of the first.

    Both datasets need the same column names (in any order; the output keeps the first dataset's order
    and column settings). A column must hold the same kind of values in both: numbers with numbers,
    text with text.
    """

    key = "data_transformation.add_rows"
    title = "Add Rows"
    category = Category.DATA_TRANSFORMATION
    inputs = (
        Port("dataset1", "Dataset1", PortType.DATASET),
        Port("dataset2", "Dataset2", PortType.DATASET),
    )
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)

    def run(
        self, ctx: RunContext, params: dict[str, Any], dataset1: DataTable, dataset2: DataTable
    ) -> dict[str, Any]:
        only_first = [c for c in dataset1.columns if c not in dataset2.meta]
        only_second = [c for c in dataset2.columns if c not in dataset1.meta]
        if only_first or only_second:
            parts = []
            if only_first:
                parts.append(f"only Dataset1 has {', '.join(repr(c) for c in only_first[:5])}")
            if only_second:
                parts.append(f"only Dataset2 has {', '.join(repr(c) for c in only_second[:5])}")
            raise ModuleError(
                "schema_mismatch",
                f"The datasets must have the same columns, but {' and '.join(parts)}. Rename or remove "
                "columns with Edit Metadata or Select Columns in Dataset first.",
                column=(only_first or only_second)[0],
                port="dataset2",
            )
        second = dataset2.df[dataset1.columns]
        for column in dataset1.columns:
            first_kind, second_kind = (_kind_family(dataset1.df[column]), _kind_family(second[column]))
            if first_kind and second_kind and first_kind != second_kind:
                raise ModuleError(
                    "column_type_mismatch",
                    f"Column '{column}' holds {first_kind} values in Dataset1 but {second_kind} values in "
                    "Dataset2. Convert one of them with Edit Metadata so both hold the same kind.",
                    column=column,
                    port="dataset2",
                )
        frames = [frame for frame in (dataset1.df, second) if len(frame)] or [dataset1.df]
        combined = pd.concat(frames, axis=0, ignore_index=True)
        return {"results_dataset": DataTable.from_frame(combined, like=dataset1)}


def _kind_family(series: pd.Series) -> str | None:
    """What a column holds, for compatibility: an all-missing column fits anything (None)."""
    if series.isna().all():
        return None
    kind = column_kind(series)
    return {"integer": "numeric", "double": "numeric", "categorical": "text", "string": "text"}.get(
        kind, kind
    )
