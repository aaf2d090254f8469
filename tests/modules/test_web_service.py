"""Web Service Input / Output: pass-through in training runs, request and reply when deployed."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from modules.sdk import DataTable, ModuleError, RunContext, get_module
from tests.modules import data

INPUT = "web_service.web_service_input"
OUTPUT = "web_service.web_service_output"
SCHEMA = json.dumps([{"name": "island", "type": "string"}, {"name": "body_mass_g", "type": "double"}])


def run(
    key: str, params: dict[str, Any] | None = None, ctx: RunContext | None = None, **inputs: Any
) -> DataTable:
    return get_module(key).execute(ctx or RunContext(), params or {}, **inputs)["output_dataset"]


def test_training_runs_pass_data_through() -> None:
    penguins = data.penguins().with_meta("species", is_label=True)
    for key in (INPUT, OUTPUT):
        out = run(key, dataset=penguins)
        pd.testing.assert_frame_equal(out.df, penguins.df)
        assert out.meta == penguins.meta
        assert out.df is not penguins.df


def test_unconnected_input_gives_an_empty_table_with_the_declared_schema() -> None:
    out = run(INPUT, {"schema": SCHEMA})
    assert len(out) == 0 and [(c["name"], c["type"]) for c in out.schema()] == [
        ("island", "string"),
        ("body_mass_g", "double"),
    ]
    as_object = run(INPUT, {"schema": json.dumps({"age": "integer", "member": "boolean"})})
    assert [(c["name"], c["type"]) for c in as_object.schema()] == [("age", "integer"), ("member", "boolean")]
    assert run(INPUT).columns == []


def test_deployed_request_and_reply_travel_by_name() -> None:
    request = DataTable(pd.DataFrame({"island": ["Dream"], "body_mass_g": [3900.0]}))
    replies: dict[str, DataTable] = {}
    ctx = RunContext(services={"web_service_inputs": {"cars_in": request}, "web_service_outputs": replies})
    out = run(INPUT, {"name": "cars_in", "schema": SCHEMA}, ctx=ctx, dataset=data.penguins())
    pd.testing.assert_frame_equal(out.df, request.df)
    reply = run(OUTPUT, {"name": "cars_out"}, ctx=ctx, dataset=out)
    assert list(replies) == ["cars_out"] and replies["cars_out"] is reply


def test_bad_names_schemas_and_requests_are_refused() -> None:
    def error(key: str, params: dict[str, Any], **inputs: Any) -> ModuleError:
        with pytest.raises(ModuleError) as caught:
            run(key, params, **inputs)
        return caught.value

    assert error(INPUT, {"name": "has space"}).parameter == "name"
    assert error(OUTPUT, {"name": ""}, dataset=data.iris()).parameter == "name"
    assert error(INPUT, {"schema": "{not json"}).parameter == "schema"
    assert error(INPUT, {"schema": json.dumps([{"name": "x", "type": "money"}])}).parameter == "schema"
    missing = error(INPUT, {"schema": SCHEMA}, dataset=data.iris())
    assert missing.code == "missing_column" and missing.column == "island"
