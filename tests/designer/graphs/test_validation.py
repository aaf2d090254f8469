"""Malformed graphs each get coded validation errors (never a 500), on validate and on submit."""

from __future__ import annotations

import copy

import pytest

from tests.designer.runs import graphs as g

pytestmark = pytest.mark.django_db

IMPORT = g.node("a", "data_input_output.import_data", data_source="Sample dataset", sample_dataset="penguins")
SELECT = g.node("b", "data_transformation.select_columns_in_dataset", select_columns=["species"])
GOOD = g.graph([IMPORT, SELECT], [g.edge("a", "results_dataset", "b", "dataset")])


def _with(**changes):
    graph = copy.deepcopy(GOOD)
    graph.update(changes)
    return graph


def _node(**changes):
    node = copy.deepcopy(SELECT)
    node.update(changes)
    return node


SPLIT = g.node("s", "data_transformation.split_data")
LEARNER = g.node("l", "classification.two_class_logistic_regression")

MALFORMED: list[tuple[str, object, str]] = [
    ("not an object", [], "invalid_graph"),
    ("a string", "nodes", "invalid_graph"),
    ("nodes not a list", _with(nodes={"a": 1}), "invalid_graph"),
    ("edges not a list", _with(edges="a->b"), "invalid_graph"),
    ("ui not an object", _with(ui=[1, 2]), "invalid_graph"),
    ("future schema version", _with(schema_version=99), "unsupported_schema_version"),
    ("node not an object", _with(nodes=[IMPORT, "b"]), "invalid_node"),
    ("node without id", _with(nodes=[IMPORT, {"module": SELECT["module"]}]), "invalid_node"),
    ("node id too long", _with(nodes=[IMPORT, _node(id="x" * 101)]), "invalid_node"),
    ("duplicate node id", _with(nodes=[IMPORT, _node(id="a")]), "duplicate_node_id"),
    ("unknown module", _with(nodes=[IMPORT, _node(module="no.such_module")]), "unknown_module"),
    ("module not a string", _with(nodes=[IMPORT, _node(module=42)]), "unknown_module"),
    ("params not an object", _with(nodes=[IMPORT, _node(params=[1])]), "invalid_node"),
    ("bad compute", _with(nodes=[IMPORT, _node(compute="tpu")]), "invalid_compute"),
    ("edge not an object", _with(edges=["a->b"]), "invalid_edge"),
    ("edge missing target", _with(edges=[{"source": "a", "source_port": "results_dataset"}]), "invalid_edge"),
    ("edge to missing node", _with(edges=[g.edge("a", "results_dataset", "zz", "dataset")]), "unknown_node"),
    ("edge from unknown port", _with(edges=[g.edge("a", "nope", "b", "dataset")]), "unknown_port"),
    ("edge into unknown port", _with(edges=[g.edge("a", "results_dataset", "b", "nope")]), "unknown_port"),
    ("missing required input", _with(edges=[]), "missing_required_input"),
    (
        "unknown parameter",
        _with(nodes=[IMPORT, _node(params={"select_columns": ["x"], "colour": "red"})]),
        "unknown_parameter",
    ),
    ("missing column picker", _with(nodes=[IMPORT, _node(params={})]), "missing_parameter"),
    ("bad column picker", _with(nodes=[IMPORT, _node(params={"select_columns": 7})]), "invalid_parameter"),
    (
        "unknown column",
        _with(nodes=[IMPORT, _node(params={"select_columns": ["wingspan"]})]),
        "unknown_column",
    ),
    (
        "bad choice",
        _with(
            nodes=[_node(id="a", module=IMPORT["module"], params={"data_source": "Carrier pigeon"}), SELECT]
        ),
        "invalid_choice",
    ),
    (
        "out of range",
        g.graph(
            [IMPORT, {**SPLIT, "params": {"fraction_of_rows_in_the_first_output_dataset": 2.5}}],
            [g.edge("a", "results_dataset", "s", "dataset")],
        ),
        "parameter_out_of_range",
    ),
    (
        "wrong parameter type",
        g.graph(
            [IMPORT, {**SPLIT, "params": {"random_seed": "forty-two"}}],
            [g.edge("a", "results_dataset", "s", "dataset")],
        ),
        "invalid_parameter",
    ),
    (
        "incompatible port types",
        g.graph(
            [IMPORT, LEARNER, g.node("t", "model_training.train_model", label_column="species")],
            [
                g.edge("a", "results_dataset", "t", "untrained_model"),
                g.edge("l", "untrained_model", "t", "dataset"),
            ],
        ),
        "incompatible_ports",
    ),
    (
        "two edges into one input",
        g.graph(
            [IMPORT, _node(id="a2", module=IMPORT["module"], params=IMPORT["params"]), SELECT],
            [g.edge("a", "results_dataset", "b", "dataset"), g.edge("a2", "results_dataset", "b", "dataset")],
        ),
        "multiple_edges_into_input",
    ),
    (
        "cycle",
        g.graph(
            [
                g.node("x", "data_transformation.select_columns_in_dataset", select_columns=["a"]),
                g.node("y", "data_transformation.select_columns_in_dataset", select_columns=["a"]),
            ],
            [g.edge("x", "results_dataset", "y", "dataset"), g.edge("y", "results_dataset", "x", "dataset")],
        ),
        "cycle",
    ),
    ("empty pipeline", g.graph([], []), "empty_graph"),
]


def test_there_are_thirty_and_more() -> None:
    assert len(MALFORMED) >= 30


@pytest.fixture
def pipeline_id(engine_api) -> str:
    return engine_api.create_pipeline(GOOD)


@pytest.mark.parametrize(("name", "graph", "code"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_graph_gets_coded_errors(engine_api, pipeline_id, name, graph, code) -> None:
    client = engine_api.client
    validated = client.post(
        f"/api/v1/pipelines/{pipeline_id}/validate/", {"graph": graph}, content_type="application/json"
    )
    assert validated.status_code == 200, validated.content
    body = validated.json()
    if code != "empty_graph":  # an empty draft is valid to save, only not to run
        assert body["valid"] is False
        assert code in {p["code"] for p in body["problems"]}, body["problems"]
        assert all(p["message"] for p in body["problems"])
    submitted = client.post(
        f"/api/v1/pipelines/{pipeline_id}/runs/", {"graph": graph}, content_type="application/json"
    )
    assert submitted.status_code == 400, submitted.content
    error = submitted.json()["error"]
    assert error["code"] == "invalid_graph"
    assert code in {p["code"] for p in error["details"]["problems"]}


def test_good_graph_is_valid_with_design_time_schemas(engine_api, pipeline_id) -> None:
    body = engine_api.client.post(
        f"/api/v1/pipelines/{pipeline_id}/validate/", {}, content_type="application/json"
    ).json()
    assert body["valid"] is True, body
    assert [c["name"] for c in body["schemas"]["b"]["results_dataset"]] == ["species"]
