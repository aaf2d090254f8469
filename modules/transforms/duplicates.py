"""Remove Duplicate Rows: keep one row per distinct combination of key column values."""

from __future__ import annotations

from typing import Any

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
    register,
    resolve_columns,
)

KEY_COLUMNS = "key_column_selection_filter_expression"


@register
class RemoveDuplicateRows(Module):
    """Remove rows that repeat the values of the chosen key columns.

    Two rows are duplicates when every key column holds the same value (two missing values count as the
    same). Of each group of duplicates, the first row is kept ("Retain first duplicate row" checked) or
    the last one; the kept rows stay in their original order. This is pandas'
    ``drop_duplicates(subset=keys, keep="first" | "last")``.
    """

    key = "data_transformation.remove_duplicate_rows"
    title = "Remove Duplicate Rows"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    schema_preserving_outputs = {"results_dataset": "dataset"}
    params = (
        ColumnsParam(
            KEY_COLUMNS,
            "Key column selection filter expression",
            port="dataset",
            description="The columns whose values decide whether two rows are duplicates.",
        ),
        BoolParam("retain_first_duplicate_row", "Retain first duplicate row", default=True),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        keys = resolve_columns(dataset, params[KEY_COLUMNS], KEY_COLUMNS)
        if not keys:
            raise ModuleError(
                "no_columns_selected",
                "'Key column selection filter expression' selects no columns. Choose the columns that "
                "identify a row.",
                parameter=KEY_COLUMNS,
            )
        keep = "first" if params["retain_first_duplicate_row"] else "last"
        frame = dataset.df.drop_duplicates(subset=keys, keep=keep).reset_index(drop=True)
        return {"results_dataset": DataTable.from_frame(frame, like=dataset)}
