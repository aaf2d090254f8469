"""Enter Data Manually: a small table typed or pasted into the parameter panel."""

from __future__ import annotations

from typing import Any

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    Module,
    Port,
    PortType,
    RunContext,
    TextParam,
    register,
)

from .parsing import parse_text


@register
class EnterDataManually(Module):
    """Type or paste a small dataset: CSV, TSV, JSON, ARFF or SvmLight text.

    With **Has header** checked (CSV and TSV) the first line holds the column names; otherwise columns are
    named Col1, Col2 ... Empty values are missing values. Numbers become numeric columns, everything else
    text. Every line must have the same number of values; a line that does not is reported by number.
    JSON may be a list of row objects, an object of columns, or one row object per line.
    """

    key = "data_input_output.enter_data_manually"
    title = "Enter Data Manually"
    category = Category.DATA_INPUT_OUTPUT
    outputs = (Port("dataset", "Dataset", PortType.DATASET),)
    params = (
        ChoiceParam(
            "data_format", "Data format", default="CSV", choices=("ARFF", "CSV", "SvmLight", "TSV", "JSON")
        ),
        TextParam("data", "Data", language="text", description="The rows of the dataset."),
        BoolParam(
            "has_header",
            "Has header",
            default=True,
            visible_when={"data_format": ("CSV", "TSV")},
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any]) -> dict[str, Any]:
        table = parse_text(
            params["data"] or "", params["data_format"], has_header=params["has_header"], parameter="data"
        )
        return {"dataset": table}
