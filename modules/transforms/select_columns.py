"""Select Columns in Dataset: keep the chosen columns (by name or by rule), in the order chosen."""

from __future__ import annotations

from typing import Any

from modules.sdk import (
    Category,
    ColumnsParam,
    DataTable,
    Module,
    Port,
    PortType,
    RunContext,
    register,
    resolve_columns,
)
from modules.sdk.table import table_from_schema


@register
class SelectColumnsInDataset(Module):
    """Choose a subset of columns to pass on to the next modules.

    Pick columns by name, or by rules such as "all numeric columns except id". Columns are output in the
    order they are listed, so this module also reorders columns.
    """

    key = "data_transformation.select_columns_in_dataset"
    title = "Select Columns in Dataset"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    params = (ColumnsParam("select_columns", "Select columns", port="dataset"),)

    @classmethod
    def infer_output_schemas(cls, params: dict[str, Any], input_schemas: dict[str, Any]) -> dict[str, Any]:
        schema = input_schemas.get("dataset")
        if schema is None:
            return {}
        by_name = {column["name"]: column for column in schema}
        chosen = resolve_columns(table_from_schema(schema), params["select_columns"], "select_columns")
        return {"results_dataset": [by_name[name] for name in chosen]}

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        columns = resolve_columns(dataset, params["select_columns"], "select_columns")
        return {"results_dataset": DataTable.from_frame(dataset.df[columns].copy(), like=dataset)}
