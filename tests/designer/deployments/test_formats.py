"""Request formats, validation and keys on the scoring function and the lean ASGI app, in memory."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import orjson
import pytest

from designer.deployments import runtime
from designer.deployments.parity import source_records
from designer.scoring.app import ScoringMount


def rows_of(dep: Any, n: int = 2) -> list[dict[str, Any]]:
    spec = dep.plan.inputs[0]
    return source_records(dep.source, [c for c, _ in spec.columns])[:n]


def call(state: runtime.EndpointRuntime, key: str, body: Any) -> tuple[int, dict[str, Any]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    outcome = runtime.score(state, raw, authorization=f"Bearer {key}")
    return outcome.status, orjson.loads(outcome.body)


# -- the four formats -----------------------------------------------------------------------------------
def test_every_request_format_gives_the_same_scores(reference, memory_endpoint) -> None:
    state, key = memory_endpoint(reference)
    rows = rows_of(reference, 3)
    columns = list(rows[0])
    status, ours = call(state, key, {"inputs": rows})
    assert status == 200 and ours["version"] == 1
    assert [set(p) for p in ours["predictions"]] == [{"Scored Labels", "Scored Probabilities"}] * 3
    status, named = call(state, key, {"inputs": {"WebServiceInput0": rows}})
    assert status == 200 and named == ours
    status, records = call(state, key, {"dataframe_records": rows})
    assert status == 200 and records == ours
    split = {
        "dataframe_split": {
            "columns": columns,
            "data": [[r[c] for c in columns] for r in rows],
            "index": [0, 1, 2],
        }
    }
    status, mlflow_split = call(state, key, split)
    assert status == 200 and mlflow_split == ours
    status, theirs = call(state, key, {"Inputs": {"WebServiceInput0": rows}, "GlobalParameters": {}})
    assert status == 200 and set(theirs) == {"Results"}
    results = theirs["Results"]["WebServiceOutput0"]
    assert [{k: r[k] for k in ("Scored Labels", "Scored Probabilities")} for r in results] == ours[
        "predictions"
    ]
    # The reference format echoes the (transformed) input columns too, like the reference product.
    assert set(columns) <= set(results[0])


def test_the_reference_format_uses_isnan_for_missing_values_both_ways(reference, memory_endpoint) -> None:
    state, key = memory_endpoint(reference)
    row = rows_of(reference, 1)[0]
    status, with_null = call(state, key, {"inputs": [{**row, "mean radius": None}]})
    status2, with_isnan = call(
        state, key, {"Inputs": {"WebServiceInput0": [{**row, "mean radius": {"isNan": True}}]}}
    )
    assert status == status2 == 200
    scored = with_isnan["Results"]["WebServiceOutput0"][0]
    assert scored["Scored Probabilities"] == with_null["predictions"][0]["Scored Probabilities"]
    # A value the pipeline leaves missing comes back as {"isNan": true} (ours: null).
    dep_row = {**row, "mean radius": None}
    status, ours = call(state, key, {"dataframe_records": [dep_row]})
    assert status == 200


def test_missing_values_in_the_reply_are_isnan_in_the_reference_format(penguins, memory_endpoint) -> None:
    state, key = memory_endpoint(penguins)
    row = rows_of(penguins, 1)[0]
    status, body = call(
        state, key, {"Inputs": {"WebServiceInput0": [{**row, "year": 2008}]}, "GlobalParameters": {}}
    )
    assert status == 200
    out = body["Results"]["WebServiceOutput0"][0]
    assert "species" not in out and {"Scored Labels", "Scored Probabilities_Adelie"} <= set(out)


def test_integers_are_accepted_for_numbers_and_whole_floats_for_integers(penguins, memory_endpoint) -> None:
    state, key = memory_endpoint(penguins)
    row = rows_of(penguins, 1)[0]
    status, a = call(state, key, {"inputs": [{**row, "bill_length_mm": 40, "year": 2008.0}]})
    status2, b = call(state, key, {"inputs": [{**row, "bill_length_mm": 40.0, "year": 2008}]})
    assert status == status2 == 200 and a == b


def test_extra_columns_are_ignored(reference, memory_endpoint) -> None:
    state, key = memory_endpoint(reference)
    row = rows_of(reference, 1)[0]
    assert call(state, key, {"inputs": [{**row, "diagnosis": "benign", "note": [1, 2]}]}) == call(
        state, key, {"inputs": [row]}
    )


# -- keys ----------------------------------------------------------------------------------------------------
def test_absent_malformed_and_wrong_keys_are_401(reference, memory_endpoint) -> None:
    state, key = memory_endpoint(reference)
    body = json.dumps({"inputs": rows_of(reference, 1)}).encode()
    for header, code in (
        (None, "missing_key"),
        ("", "missing_key"),
        ("Basic dXNlcjpwYXNz", "missing_key"),
        ("Bearer", "missing_key"),
        ("Bearer " + key[:-1] + ("A" if key[-1] != "A" else "B"), "invalid_key"),
        ("Bearer " + "x" * 5000, "invalid_key"),
    ):
        outcome = runtime.score(state, body, authorization=header)
        assert outcome.status == 401 and orjson.loads(outcome.body)["error"]["code"] == code, header
    assert runtime.score(state, body, authorization=f"bearer {key}").status == 200


# -- 40 malformed payloads ------------------------------------------------------------------------------------
def malformed(row: dict[str, Any]) -> list[tuple[str, bytes, int, str]]:
    first = next(iter(row))
    missing = {k: v for k, v in row.items() if k != first}
    deep = b"[" * 5000 + b"]" * 5000
    nested = {"a": {"b": {"c": {"d": [1, [2, [3]]]}}}}
    cases: list[tuple[str, Any, int, str]] = [
        ("empty body", b"", 400, "empty_body"),
        ("not JSON", b"hello", 400, "invalid_json"),
        ("truncated JSON", b'{"inputs": [{"a": 1', 400, "invalid_json"),
        ("NaN literal", b'{"inputs": [{"x": NaN}]}', 400, "invalid_json"),
        ("number too large for a double", b'{"inputs": [{"x": 1e400}]}', 400, "invalid_json"),
        ("invalid UTF-8", b'{"inputs": "\xff\xfe"}', 400, "invalid_json"),
        ("deeply nested JSON", deep, 400, "too_deep"),
        ("top-level list", [row], 400, "invalid_request"),
        ("top-level string", "inputs", 400, "invalid_request"),
        ("top-level number", 42, 400, "invalid_request"),
        ("top-level null", None, 400, "invalid_request"),
        ("no known key", {"rows": [row]}, 400, "unknown_format"),
        ("MLflow tensor format", {"instances": [[1, 2]]}, 400, "unknown_format"),
        ("two formats at once", {"inputs": [row], "dataframe_records": [row]}, 400, "ambiguous_format"),
        ("inputs is null", {"inputs": None}, 400, "invalid_rows"),
        ("inputs is text", {"inputs": "abc"}, 400, "invalid_rows"),
        ("no rows", {"inputs": []}, 400, "no_rows"),
        ("rows are numbers", {"inputs": [1, 2]}, 400, "invalid_row"),
        ("row is null", {"inputs": [None]}, 400, "invalid_row"),
        ("row is a list", {"inputs": [[1, 2, 3]]}, 400, "invalid_row"),
        ("empty row", {"inputs": [{}]}, 400, "missing_column"),
        ("a column missing", {"inputs": [row, missing]}, 400, "missing_column"),
        ("text for a number", {"inputs": [{**row, first: "abc"}]}, 400, "invalid_value"),
        ("boolean for a number", {"inputs": [{**row, first: True}]}, 400, "invalid_value"),
        ("list for a number", {"inputs": [{**row, first: [1.0]}]}, 400, "invalid_value"),
        ("object for a number", {"inputs": [{**row, first: {"value": 1.0}}]}, 400, "invalid_value"),
        ("isNan false", {"inputs": [{**row, first: {"isNan": False}}]}, 400, "invalid_value"),
        ("deep value in a row", {"inputs": [{**row, first: nested}]}, 400, "invalid_value"),
        ("inputs keyed by an unknown name", {"inputs": {"Nope": [row]}}, 400, "unknown_input"),
        ("reference: Inputs is a list", {"Inputs": [row]}, 400, "invalid_inputs"),
        ("reference: no inputs", {"Inputs": {}}, 400, "missing_input"),
        ("reference: unknown input", {"Inputs": {"WebServiceInput9": [row]}}, 400, "unknown_input"),
        ("reference: rows are text", {"Inputs": {"WebServiceInput0": "x"}}, 400, "invalid_rows"),
        (
            "reference: GlobalParameters is text",
            {"Inputs": {"WebServiceInput0": [row]}, "GlobalParameters": "x"},
            400,
            "invalid_parameters",
        ),
        (
            "reference: unknown parameter",
            {"Inputs": {"WebServiceInput0": [row]}, "GlobalParameters": {"p": 1}},
            400,
            "unknown_parameter",
        ),
        ("mlflow: records not a list", {"dataframe_records": {"a": 1}}, 400, "invalid_rows"),
        ("mlflow: split without data", {"dataframe_split": {"columns": list(row)}}, 400, "invalid_split"),
        (
            "mlflow: split columns not text",
            {"dataframe_split": {"columns": [1, 2], "data": [[1, 2]]}},
            400,
            "invalid_split",
        ),
        (
            "mlflow: split row of the wrong length",
            {"dataframe_split": {"columns": list(row), "data": [[1.0]]}},
            400,
            "invalid_row",
        ),
        ("too many rows", {"inputs": [row] * (runtime.MAX_ROWS + 1)}, 413, "too_many_rows"),
    ]
    return [
        (name, body if isinstance(body, bytes) else json.dumps(body).encode(), status, code)
        for name, body, status, code in cases
    ]


def test_forty_malformed_payloads_each_get_a_clear_4xx(reference, memory_endpoint) -> None:
    state, key = memory_endpoint(reference)
    row = rows_of(reference, 1)[0]
    cases = malformed(row)
    assert len(cases) == 40
    for name, body, status, code in cases:
        outcome = runtime.score(state, body, authorization=f"Bearer {key}")
        error = orjson.loads(outcome.body)["error"]
        assert (outcome.status, error["code"]) == (status, code), (name, outcome.status, error)
        assert error["message"] and len(error["message"]) < 500, name
        assert outcome.version == 1, name


def test_validation_errors_name_the_row_and_the_column(reference, memory_endpoint) -> None:
    state, key = memory_endpoint(reference)
    rows = rows_of(reference, 3)
    rows[2] = {**rows[2], "worst area": "big"}
    status, body = call(state, key, {"inputs": rows})
    assert status == 400
    assert body["error"]["row"] == 2 and body["error"]["field"] == "worst area"
    assert "Row 2" in body["error"]["message"] and "'worst area'" in body["error"]["message"]
    rows[2] = {k: v for k, v in rows[2].items() if k != "mean texture"}
    status, body = call(state, key, {"dataframe_records": rows})
    assert (
        body["error"] | {}
        and body["error"]["code"] == "missing_column"
        and body["error"]["field"] == "mean texture"
    )


def test_text_columns_refuse_numbers_and_integers_refuse_fractions(penguins, memory_endpoint) -> None:
    state, key = memory_endpoint(penguins)
    row = rows_of(penguins, 1)[0]
    status, body = call(state, key, {"inputs": [{**row, "island": 3}]})
    assert status == 400 and body["error"]["field"] == "island"
    status, body = call(state, key, {"inputs": [{**row, "year": 2008.5}]})
    assert status == 400 and body["error"]["field"] == "year"
    status, body = call(state, key, {"inputs": [{**row, "year": 2**70}]})
    assert status == 400 and body["error"]["field"] == "year"


# -- the lean ASGI app -------------------------------------------------------------------------------------------
class Fallthrough:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.calls += 1
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"django"})


@pytest.fixture
def asgi(reference, memory_endpoint):
    state, key = memory_endpoint(reference)
    state.name = "memory-endpoint"
    state.checked_at = time.monotonic() + 1e9  # never refreshed from a database here
    runtime.registry._endpoints[state.name] = state
    inner = Fallthrough()
    app = ScoringMount(inner)
    try:
        yield app, inner, key, rows_of(reference, 1)[0]
    finally:
        runtime.registry._endpoints.pop(state.name, None)


def request(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def test_the_asgi_route_scores_and_says_which_version_and_path_answered(asgi) -> None:
    app, inner, key, row = asgi
    response = request(
        app,
        "POST",
        "/score/memory-endpoint",
        json={"inputs": [row]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-endpoint-version"] == "1" and response.headers["x-scoring-path"] == "fast"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json()["predictions"][0]["Scored Labels"] in ("benign", "malignant")
    assert inner.calls == 0
    assert request(app, "GET", "/api/v1/endpoints/").status_code == 299 and inner.calls == 1


def test_the_asgi_route_refuses_what_it_cannot_score_with_json_errors(asgi) -> None:
    app, _, key, row = asgi
    auth = {"Authorization": f"Bearer {key}"}
    big = b'{"inputs": [' + b" " * (runtime.MAX_BODY_BYTES + 10) + b"]}"
    checks = [
        (request(app, "GET", "/score/memory-endpoint"), 405, "method_not_allowed"),
        (
            request(app, "POST", "/score/Not_A_Name", json={"inputs": [row]}, headers=auth),
            404,
            "unknown_endpoint",
        ),
        (request(app, "POST", "/score/memory-endpoint", content=big, headers=auth), 413, "body_too_large"),
        (
            request(
                app,
                "POST",
                "/score/memory-endpoint",
                content=b"<xml/>",
                headers={**auth, "Content-Type": "application/xml"},
            ),
            415,
            "unsupported_media_type",
        ),
        (request(app, "POST", "/score/memory-endpoint", json={"inputs": [row]}), 401, "missing_key"),
        (
            request(
                app,
                "POST",
                "/score/memory-endpoint",
                json={"inputs": [row]},
                headers={**auth, "X-Endpoint-Version": "x"},
            ),
            400,
            "invalid_version",
        ),
    ]
    for response, status, code in checks:
        assert response.status_code == status and response.json()["error"]["code"] == code, response.text
    assert checks[4][0].headers["www-authenticate"].startswith("Bearer")


def test_a_streamed_body_past_the_limit_is_cut_off_with_413(asgi) -> None:
    app, _, key, _ = asgi

    async def chunks():
        for _ in range(runtime.MAX_BODY_BYTES // (1 << 20) + 2):
            yield b" " * (1 << 20)

    response = request(
        app, "POST", "/score/memory-endpoint", content=chunks(), headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 413


def test_cors_preflight_is_answered(asgi) -> None:
    app, _, _, _ = asgi
    response = request(app, "OPTIONS", "/score/memory-endpoint")
    assert response.status_code == 204
    assert "authorization" in response.headers["access-control-allow-headers"]
