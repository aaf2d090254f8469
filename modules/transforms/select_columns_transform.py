"""Select Columns Transform: remember a dataset's columns, to select the same columns elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from modules.sdk import (
    Category,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    Transformation,
    register,
)


@dataclass
class ColumnSelectionTransformation(Transformation):
    """Keeps the remembered columns, in the remembered order.

    The label column may be absent (scoring requests do not carry it); every other column must exist.
    """

    columns: list[str]
    label_columns: list[str] = field(default_factory=list)
    title: str = "Select Columns Transform"

    @property
    def input_columns(self) -> list[str]:
        return [c for c in self.columns if c not in self.label_columns]

    def apply(self, table: DataTable) -> DataTable:
        missing = [c for c in self.input_columns if c not in table.meta]
        if missing:
            raise ModuleError(
                "missing_column",
                f"Column '{missing[0]}' was in the dataset this selection was made from, but it is not in "
                "this dataset. Pass a dataset with the same columns.",
                column=missing[0],
            )
        kept = [c for c in self.columns if c in table.meta]
        return DataTable.from_frame(table.df[kept].copy(), like=table)


@register
class SelectColumnsTransform(Module):
    """Remember which columns a dataset has, so that Apply Transformation can keep exactly those columns
    (in the same order) in another dataset.

    Typical use: connect the filtered dataset of Filter Based Feature Selection here, then apply the
    transformation to the test or scoring data so it has the same columns as the training data. The
    label column is kept when present and skipped when absent, so the same transformation works on
    scoring requests that carry no label.
    """

    key = "data_transformation.select_columns_transform"
    title = "Select Columns Transform"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset_with_desired_columns", "Dataset with desired columns", PortType.DATASET),)
    outputs = (
        Port("columns_selection_transformation", "Columns selection transformation", PortType.TRANSFORMATION),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], dataset_with_desired_columns: DataTable
    ) -> dict[str, Any]:
        table = dataset_with_desired_columns
        labels = [c for c, meta in table.meta.items() if meta.is_label]
        return {"columns_selection_transformation": ColumnSelectionTransformation(table.columns, labels)}
