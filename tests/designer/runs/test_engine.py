"""The run engine with a real worker, a real broker and a real database."""

from __future__ import annotations

import copy
import json
from datetime import datetime

import pytest

from designer.artifacts import store as artifacts
from designer.runs.engine import _json_scalar
from designer.runs.models import Step
from modules.sdk import RunContext, get_module
from tests.designer.conftest import steps_by_node
from tests.designer.runs import graphs as g

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _run_directly(graph: dict) -> dict:
    """The same modules chained in this process, without the engine: what the engine must reproduce."""
    outputs: dict[tuple[str, str], object] = {}
    from designer.graphs.validation import nodes_by_id, topological_order

    nodes = nodes_by_id(graph)
    for node_id in topological_order(list(nodes), graph["edges"]):
        node = nodes[node_id]
        module = get_module(node["module"])
        inputs = {
            e["target_port"]: outputs[(e["source"], e["source_port"])]
            for e in graph["edges"]
            if e["target"] == node_id
        }
        result = module.execute(RunContext(seed=0), node["params"], **inputs)
        outputs.update({(node_id, port): value for port, value in result.items()})
    return outputs


def test_reference_pipeline_completes_with_the_metrics_of_direct_code(engine_api, celery_worker) -> None:
    graph = g.reference_graph()
    run = engine_api.wait(engine_api.submit(engine_api.create_pipeline(graph))["id"])
    assert run["status"] == "completed", run
    steps = steps_by_node(run)
    assert {s["status"] for s in steps.values()} == {"completed"}
    direct = _run_directly(graph)[("evaluate", "evaluation_results")]
    # Exactly the metrics of the direct run (stored as JSON, so compared after the same conversion).
    assert steps["evaluate"]["metrics"]["evaluation_results"] == json.loads(
        json.dumps(direct.metrics, default=_json_scalar)
    )
    assert steps["evaluate"]["metrics"]["evaluation_results"]["AUC"] > 0.9
    # The stored scored table is the one the direct run produced, row for row.
    logs = engine_api.client.get(f"/api/v1/runs/{run['id']}/steps/clean/logs/").json()
    assert "Cleaning 30 column(s)" in logs["logs"], "the module logger's lines are kept with the step"
    preview = engine_api.client.get(f"/api/v1/runs/{run['id']}/steps/score/outputs/scored_dataset/").json()
    assert preview["kind"] == "table" and preview["rows"] == len(preview["data"]) + max(
        0, preview["rows"] - 100
    )
    assert "Scored Probabilities" in [c["name"] for c in preview["columns"]]
    stored = artifacts.load_value("dataset", steps["score"]["outputs"]["scored_dataset"])
    assert stored.df.equals(_run_directly(graph)[("score", "scored_dataset")].df)


def test_diamond_branches_run_at_the_same_time(engine_api, celery_worker) -> None:
    run = engine_api.wait(engine_api.submit(engine_api.create_pipeline(g.sleeper_graph(1.5)))["id"])
    assert run["status"] == "completed", run
    steps = steps_by_node(run)
    left, right = steps["left"], steps["right"]
    start_l, end_l = datetime.fromisoformat(left["started_at"]), datetime.fromisoformat(left["finished_at"])
    start_r, end_r = datetime.fromisoformat(right["started_at"]), datetime.fromisoformat(right["finished_at"])
    assert start_l < end_r and start_r < end_l, "the two branches should overlap in time"


def test_resubmission_is_fully_cached_and_layout_changes_invalidate_nothing(
    engine_api, celery_worker
) -> None:
    graph = g.sleeper_graph(0.1)
    pipeline = engine_api.create_pipeline(graph)
    first = engine_api.wait(engine_api.submit(pipeline)["id"])
    assert first["status"] == "completed"
    moved = copy.deepcopy(graph)
    moved["ui"] = {"left": {"x": 400, "y": 30}, "join": {"x": 10, "y": 900}}
    moved["nodes"][1]["comment"] = "moved on the canvas"
    second = engine_api.wait(engine_api.submit(pipeline, graph=moved)["id"])
    steps = steps_by_node(second)
    assert {s["status"] for s in steps.values()} == {"cached"}
    assert all(s["cached_from_run"] == first["id"] for s in steps.values())
    assert {n: s["outputs"] for n, s in steps.items()} == {
        n: s["outputs"] for n, s in steps_by_node(first).items()
    }


def test_changing_one_parameter_reruns_only_that_node_and_its_descendants(engine_api, celery_worker) -> None:
    graph = g.reference_graph()
    pipeline = engine_api.create_pipeline(graph)
    assert engine_api.wait(engine_api.submit(pipeline)["id"])["status"] == "completed"
    changed = engine_api.wait(engine_api.submit(pipeline, graph=g.reference_graph("MinMax"))["id"])
    statuses = {n: s["status"] for n, s in steps_by_node(changed).items()}
    assert statuses == {
        "import": "cached",
        "clean": "cached",
        "learner": "cached",
        "normalize": "completed",
        "split": "completed",
        "train": "completed",
        "score": "completed",
        "evaluate": "completed",
    }


def test_partial_runs_reuse_upstream(engine_api, celery_worker) -> None:
    graph = g.sleeper_graph(0.1)
    pipeline = engine_api.create_pipeline(graph)
    first = engine_api.wait(engine_api.submit(pipeline)["id"])
    client = engine_api.client
    only = client.post(
        f"/api/v1/runs/{first['id']}/rerun/", {"only_node": "left"}, content_type="application/json"
    )
    assert only.status_code == 201, only.content
    only_run = engine_api.wait(only.json()["id"])
    assert {n: s["status"] for n, s in steps_by_node(only_run).items()} == {
        "data": "cached", "left": "completed", "right": "skipped", "join": "skipped",
    }  # fmt: skip
    # From 'right': it and its descendants rerun; 'join' also needs 'left', which comes from the cache.
    here = engine_api.wait(engine_api.submit(pipeline, from_node="right")["id"])
    assert {n: s["status"] for n, s in steps_by_node(here).items()} == {
        "data": "cached", "left": "cached", "right": "completed", "join": "completed",
    }  # fmt: skip


def test_a_failing_branch_fails_its_descendants_and_spares_the_other(engine_api, celery_worker) -> None:
    run = engine_api.wait(
        engine_api.submit(engine_api.create_pipeline(g.sleeper_graph(0.5, fail_right=True)))["id"]
    )
    steps = steps_by_node(run)
    assert run["status"] == "failed"
    assert steps["left"]["status"] == "completed" and steps["data"]["status"] == "completed"
    assert steps["right"]["status"] == "failed"
    assert "this branch fails on purpose" in steps["right"]["error"]["message"]
    assert steps["join"]["status"] == "failed"
    assert steps["join"]["error"]["code"] == "upstream_failed"
    assert steps["join"]["error"]["message"] == "upstream 'Execute Python Script' failed"


def test_cancel_stops_running_and_queued_steps_within_two_seconds(engine_api, celery_worker) -> None:
    import time

    run_id = engine_api.submit(engine_api.create_pipeline(g.sleeper_graph(60)))["id"]
    deadline = time.monotonic() + 60
    while not Step.objects.filter(run_id=run_id, node_id="left", status="running").exists():
        assert time.monotonic() < deadline, engine_api.run(run_id)
        time.sleep(0.05)
    cancelled_at = time.monotonic()
    response = engine_api.client.post(f"/api/v1/runs/{run_id}/cancel/")
    assert response.status_code == 200
    final = engine_api.wait(run_id, timeout=10)
    assert time.monotonic() - cancelled_at < 2.0
    assert final["status"] == "cancelled"
    assert {s["status"] for s in final["steps"] if s["node"] != "data"} == {"cancelled"}
    # The worker keeps serving: a new run completes.
    assert (
        engine_api.wait(engine_api.submit(engine_api.create_pipeline(g.sleeper_graph(0.1)))["id"])["status"]
        == "completed"
    )


def test_pipeline_scripts_run_in_the_sandbox(engine_api, celery_worker) -> None:
    """A script step in a real run sees the sandbox's host name and cannot open a network socket."""
    body = (
        "import socket\n"
        "try:\n"
        "    socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "    network = 'open'\n"
        "except OSError:\n"
        "    network = 'refused'\n"
        "return pd.DataFrame({'host': [socket.gethostname()], 'network': [network]}),"
    )
    graph = g.graph(
        [g.node("script", "python_language.execute_python_script", python_script=g.script(body))], []
    )
    run = engine_api.wait(engine_api.submit(engine_api.create_pipeline(graph))["id"])
    assert run["status"] == "completed", run
    table = artifacts.load_value("dataset", steps_by_node(run)["script"]["outputs"]["result_dataset"])
    assert table.df.to_dict("records") == [{"host": "sandbox", "network": "refused"}]
