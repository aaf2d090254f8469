"""Pipeline parameters: declared on the graph, referenced by nodes as {"$param": name}, resolved at
submit (before validation, freezing and cache keys), with problems that name the parameter."""

from __future__ import annotations

import pytest

from designer.datasets import services as datasets
from designer.graphs import services as graphs
from designer.runs import engine
from designer.runs.models import Run
from modules.sdk import DataTable
from tests.designer.runs import graphs as g

from .graphs import CSV, split_graph

pytestmark = pytest.mark.django_db


def codes(problems) -> list[tuple[str, str | None]]:
    return [(p.code, p.parameter) for p in problems]


def test_defaults_fill_in_and_values_override_them() -> None:
    resolved, used, problems = graphs.prepare_graph(split_graph(), {"fraction": "0.25"})
    assert problems == []
    assert used == {"rows": CSV, "fraction": 0.25, "seed": 7}
    params = {n["id"]: n["params"] for n in resolved["nodes"]}
    assert params["split"] == {"fraction_of_rows_in_the_first_output_dataset": 0.25, "random_seed": 7}
    assert params["data"] == {"data": CSV}
    assert resolved["parameter_values"] == used and resolved["parameters"] == split_graph()["parameters"]


def test_problems_name_the_parameter() -> None:
    _, _, problems = graphs.prepare_graph(split_graph(), {"seed": "many", "colour": "red"})
    assert ("invalid_pipeline_parameter", "seed") in codes(problems)
    assert ("unknown_pipeline_parameter", "colour") in codes(problems)
    seed = next(p for p in problems if p.parameter == "seed")
    assert "'seed'" in seed.message and "whole number" in seed.message
    # A value of the right type that the module refuses (fractions are 0..1): the module's check,
    # reported with the pipeline parameter's name and value.
    _, _, problems = graphs.prepare_graph(split_graph(), {"fraction": 3})
    [problem] = problems
    assert problem.node == "split" and problem.code == "parameter_out_of_range"
    assert problem.message.startswith("Pipeline parameter 'fraction' = 3:")


def test_missing_values_and_bad_declarations() -> None:
    graph = split_graph()
    graph["parameters"][2]["default"] = None
    _, _, problems = graphs.prepare_graph(graph)
    assert codes(problems) == [("missing_pipeline_parameter", "seed")]
    # A draft being edited (or validated on the canvas) may leave it for the run to give.
    assert graphs.validate(graph) == []
    graph["parameters"].append({"name": "bad name!", "type": "string"})
    graph["parameters"].append({"name": "x", "type": "colour"})
    graph["nodes"][0]["params"]["data"] = {"$param": "undeclared"}
    found = codes(graphs.validate(graph))
    assert ("invalid_parameter_declaration", None) in found
    assert ("invalid_parameter_declaration", "x") in found
    assert ("unknown_pipeline_parameter", "data") in found


def test_the_canvas_validates_a_draft_with_references(api) -> None:
    graph = g.graph(
        [
            g.node(
                "import",
                "data_input_output.import_data",
                data_source="Sample dataset",
                sample_dataset={"$param": "sample"},
            )
        ],
        [],
    )
    graph["parameters"] = [{"name": "sample", "type": "string", "default": "iris"}]
    pipeline = api.post("/api/v1/pipelines/", {"name": "p", "graph": graph}, content_type="application/json")
    url = f"/api/v1/pipelines/{pipeline.json()['id']}/validate/"
    body = api.post(url, {}, content_type="application/json").json()
    assert body["valid"], body
    columns = [c["name"] for c in body["schemas"]["import"]["results_dataset"]]
    assert "species" in [c.lower() for c in columns], "column pickers see the default's columns"
    graph["parameters"][0]["default"] = "no-such-sample"
    body = api.post(url, {"graph": graph}, content_type="application/json").json()
    assert not body["valid"] and body["problems"][0]["message"].startswith("Pipeline parameter 'sample'")


def test_submit_resolves_before_freezing_so_versions_and_cache_keys_see_values(api) -> None:
    pipeline_id = api.post(
        "/api/v1/pipelines/", {"name": "p", "graph": split_graph()}, content_type="application/json"
    ).json()["id"]

    def submit(**parameters):
        response = api.post(
            f"/api/v1/pipelines/{pipeline_id}/runs/",
            {"parameters": parameters},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        return Run.objects.get(pk=response.json()["id"])

    first, same, other = submit(), submit(seed=7), submit(seed=8)
    assert first.options["parameters"] == {"rows": CSV, "fraction": 0.5, "seed": 7}
    assert first.pipeline_version_id == same.pipeline_version_id != other.pipeline_version_id
    frozen = other.pipeline_version.graph
    assert frozen["parameter_values"]["seed"] == 8
    assert not graphs.parameter_sources(frozen), "the frozen graph holds values, not references"
    split = other.steps.get(node_id="split")
    assert (
        split.params["random_seed"] == 8
        and split.params["fraction_of_rows_in_the_first_output_dataset"] == 0.5
    )
    # A rerun of a frozen version keeps the values it recorded.
    rerun = engine.rerun(other, other.created_by)
    assert rerun.steps.get(node_id="split").params["random_seed"] == 8

    response = api.post(
        f"/api/v1/pipelines/{pipeline_id}/runs/",
        {"parameters": {"fraction": "half"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_graph" and "'fraction'" in error["message"]
    assert error["details"]["problems"][0]["parameter"] == "fraction"


def test_an_import_data_dataset_is_a_parameter(api, user, workspace) -> None:
    import pandas as pd

    first = datasets.create_version(workspace, "first", DataTable(pd.DataFrame({"a": [1, 2]})), user=user)
    second = datasets.create_version(workspace, "second", DataTable(pd.DataFrame({"b": [3.0]})), user=user)
    graph = g.graph(
        [
            g.node(
                "import",
                "data_input_output.import_data",
                data_source="Registered dataset",
                dataset={"$param": "training_data"},
            )
        ],
        [],
    )
    graph["parameters"] = [
        {"name": "training_data", "type": "dataset", "default": datasets.format_reference(first.dataset_id)}
    ]
    pipeline = graphs.create_pipeline(workspace, user, "import", graph)
    by_default = engine.submit(pipeline, user)
    chosen = engine.submit(pipeline, user, parameters={"training_data": str(second.dataset_id)})
    # Pinned to the version that is the latest at submit, as a dataset chosen on the node would be.
    assert by_default.steps.get().params["dataset"] == datasets.format_reference(
        first.dataset_id, first.number
    )
    assert chosen.steps.get().params["dataset"] == datasets.format_reference(second.dataset_id, second.number)
    with pytest.raises(engine.GraphInvalid) as refused:
        engine.submit(pipeline, user, parameters={"training_data": ""})
    assert codes(refused.value.problems) == [("invalid_pipeline_parameter", "training_data")]
