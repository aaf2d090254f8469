"""Web Service Input and Web Service Output: where a deployed pipeline's request enters and its reply leaves.

In a training run both simply pass data through. When a pipeline is deployed, the scoring endpoint
puts each request's rows in ``RunContext.services["web_service_inputs"][<name>]`` (a DataTable), and
reads the reply from ``RunContext.services["web_service_outputs"][<name>]``, which Web Service Output
fills. The name is the key clients use: ``{"Inputs": {"WebServiceInput0": [...]}}`` gets
``{"Results": {"WebServiceOutput0": [...]}}``.
"""

from __future__ import annotations

import json
import re
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
    StringParam,
    TextParam,
    register,
)

SERVICE_INPUTS = "web_service_inputs"
SERVICE_OUTPUTS = "web_service_outputs"
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,99}")

# The column types a declared schema may use (the vocabulary of DataTable.schema) and their dtypes.
SCHEMA_DTYPES: dict[str, str] = {
    "integer": "Int64",
    "double": "float64",
    "boolean": "boolean",
    "string": "str",
    "categorical": "category",
    "datetime": "datetime64[ns]",
}


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise ModuleError(
            "invalid_parameter",
            f"'{name}' cannot be a web service name: use letters, digits, _ or -, starting with a letter "
            "(like WebServiceInput0).",
            parameter="name",
        )
    return name


def parse_schema(text: str | None) -> list[tuple[str, str]]:
    """``[{"name": "age", "type": "integer"}, ...]`` or ``{"age": "integer", ...}`` as (name, type) pairs."""
    if not text or not text.strip():
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModuleError(
            "invalid_parameter",
            f"The schema is not valid JSON: {exc.msg} (line {exc.lineno}).",
            parameter="schema",
        ) from None
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
        pairs = [(v.get("name"), v.get("type", "string")) for v in value]
    else:
        pairs = [(None, None)]
    for name, kind in pairs:
        if not isinstance(name, str) or not name or kind not in SCHEMA_DTYPES:
            raise ModuleError(
                "invalid_parameter",
                "Each schema column needs a name and a type, one of "
                f'{", ".join(SCHEMA_DTYPES)}: e.g. [{{"name": "age", "type": "integer"}}].',
                parameter="schema",
            )
    return [(str(n), str(k)) for n, k in pairs]


def empty_table(schema: list[tuple[str, str]]) -> DataTable:
    return DataTable(pd.DataFrame({name: pd.Series(dtype=SCHEMA_DTYPES[kind]) for name, kind in schema}))


@register
class WebServiceInput(Module):
    """Marks where a deployed pipeline's request data enters.

    In a training run it passes on the dataset connected to it (or, with nothing connected, an empty
    dataset with the columns declared in Schema). When the pipeline is deployed as a real-time endpoint,
    each request's rows come out of it instead, so connect it where the scoring data should enter (for
    example Score Model's dataset port). The name is the key of this input in requests
    (``{"Inputs": {"WebServiceInput0": [rows]}}``); give each Web Service Input its own.
    """

    key = "web_service.web_service_input"
    title = "Web Service Input"
    category = Category.WEB_SERVICE
    inputs = (
        Port(
            "dataset",
            "Dataset",
            PortType.DATASET,
            optional=True,
            description="Data used in training runs and as the example request.",
        ),
    )
    outputs = (Port("output_dataset", "Dataset", PortType.DATASET),)
    params = (
        StringParam("name", "Name", default="WebServiceInput0", max_length=100),
        TextParam(
            "schema",
            "Schema",
            default="",
            language="json",
            optional=True,
            description='Columns of the request when no dataset is connected: [{"name": "age", "type": "integer"}].',
        ),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], dataset: DataTable | None = None
    ) -> dict[str, Any]:
        name = check_name(params["name"])
        schema = parse_schema(params["schema"])
        requests = ctx.services.get(SERVICE_INPUTS) or {}
        source = requests.get(name, dataset) if isinstance(requests, dict) else dataset
        if source is None:
            return {"output_dataset": empty_table(schema)}
        source.require_columns([column for column, _ in schema], parameter="schema")
        return {"output_dataset": DataTable.from_frame(source.df.copy(), like=source)}


@register
class WebServiceOutput(Module):
    """Marks where a deployed pipeline's reply leaves.

    In a training run it passes its input through unchanged. When the pipeline is deployed, the rows
    arriving here are the endpoint's reply, under this name (``{"Results": {"WebServiceOutput0":
    [rows]}}``). Connect it after the last scoring step; put a Select Columns in Dataset or an Execute
    Python Script before it to choose or rename the columns returned.
    """

    key = "web_service.web_service_output"
    title = "Web Service Output"
    category = Category.WEB_SERVICE
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (Port("output_dataset", "Dataset", PortType.DATASET),)
    params = (StringParam("name", "Name", default="WebServiceOutput0", max_length=100),)

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        name = check_name(params["name"])
        reply = DataTable.from_frame(dataset.df.copy(), like=dataset)
        replies = ctx.services.get(SERVICE_OUTPUTS)
        if isinstance(replies, dict):
            replies[name] = reply
        return {"output_dataset": reply}
