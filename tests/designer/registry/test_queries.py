"""Runs-list filters, sort orders and pagination, best run, compare validation, registry and lineage
errors, and the bundle loader's refusals: on rows made directly (no worker, no artifacts)."""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from designer.graphs import services as graphs
from designer.registry.models import ModelVersion, RegisteredModel
from designer.registry.portable import BundleError, load_bundle
from designer.runs import history
from designer.runs.models import Experiment, Run, Step
from designer.workspaces import services as workspaces
from designer.workspaces.models import Membership
from modules.sdk.codecs import UnsafeArtifactError
from tests.designer.runs import graphs as g

pytestmark = pytest.mark.django_db

EVALUATE = "model_scoring_evaluation.evaluate_model"
GRAPH = g.graph(
    [
        g.node("data", "data_input_output.enter_data_manually", data="x,y\n1,2\n"),
        g.node("evaluate", EVALUATE),
    ],
    [],
)
T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def workspace(user):
    return workspaces.personal_workspace(user)


@pytest.fixture
def version(workspace, user):
    pipeline = graphs.create_pipeline(workspace, user, "synthetic", GRAPH)
    return graphs.freeze_version(pipeline, GRAPH)


def make_run(
    version,
    *,
    experiment: str = "exp",
    status: str = "completed",
    metrics: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    created: datetime = T0,
    seconds: float | None = 10.0,
) -> Run:
    """A run with a data step and an evaluate step whose metrics are ``metrics`` (per node when the
    keys are node ids of the form ``node:<id>``)."""
    workspace = version.pipeline.workspace
    exp, _ = Experiment.objects.get_or_create(workspace=workspace, name=experiment)
    run = Run.objects.create(
        workspace=workspace, experiment=exp, pipeline_version=version, status=status, tags=tags or []
    )
    Run.objects.filter(pk=run.pk).update(
        created_at=created,
        started_at=created + timedelta(seconds=1),
        finished_at=created + timedelta(seconds=1 + seconds) if seconds is not None else None,
    )
    Step.objects.create(run=run, node_id="data", title="Enter Data Manually",
                        module_key="data_input_output.enter_data_manually", module_version=1, status="completed")  # fmt: skip
    per_node = {k[5:]: v for k, v in (metrics or {}).items() if k.startswith("node:")}
    if metrics and not per_node:
        per_node = {"evaluate": metrics}
    for node, values in per_node.items():
        Step.objects.create(
            run=run, node_id=node, title="Evaluate Model", module_key=EVALUATE, module_version=1,
            status="completed", metrics={"evaluation_results": values}, duration_ms=5.0,
        )  # fmt: skip
    run.refresh_from_db()
    return run


def ids(response) -> list[str]:
    body = response.json()
    return [r["id"] for r in (body["results"] if isinstance(body, dict) else body)]


# --------------------------------------------------------------------------------------------------
# The runs list
# --------------------------------------------------------------------------------------------------


def test_sort_by_metric_puts_runs_without_a_number_last(api, version) -> None:
    high = make_run(version, metrics={"AUC": 0.9}, created=T0)
    low = make_run(version, metrics={"AUC": 0.7}, created=T0 + timedelta(hours=1))
    text = make_run(version, metrics={"AUC": "n/a"}, created=T0 + timedelta(hours=2))
    none = make_run(version, created=T0 + timedelta(hours=3))
    other_node = make_run(version, metrics={"node:eval2": {"AUC": 0.8}}, created=T0 + timedelta(hours=4))
    descending = api.get("/api/v1/runs/?ordering=-metric:AUC")
    assert ids(descending) == [str(r.pk) for r in (high, other_node, low, none, text)]
    values = [r["metric"]["value"] for r in descending.json()]
    assert values == [0.9, 0.8, 0.7, None, None]
    assert ids(api.get("/api/v1/runs/?ordering=metric:AUC")) == [
        str(r.pk) for r in (low, other_node, high, none, text)
    ]
    pinned = api.get("/api/v1/runs/?ordering=-metric:AUC@eval2").json()
    assert pinned[0]["id"] == str(other_node.pk) and pinned[0]["metric"] == {
        "name": "AUC",
        "node": "eval2",
        "value": 0.8,
    }
    assert all(r["metric"]["value"] is None for r in pinned[1:])


def test_sort_by_created_and_duration(api, version) -> None:
    slow = make_run(version, created=T0, seconds=100)
    fast = make_run(version, created=T0 + timedelta(hours=1), seconds=1)
    running = make_run(version, created=T0 + timedelta(hours=2), status="running", seconds=None)
    assert ids(api.get("/api/v1/runs/")) == [str(r.pk) for r in (running, fast, slow)]
    assert ids(api.get("/api/v1/runs/?ordering=created")) == [str(r.pk) for r in (slow, fast, running)]
    assert ids(api.get("/api/v1/runs/?ordering=duration")) == [str(r.pk) for r in (fast, slow, running)]
    assert ids(api.get("/api/v1/runs/?ordering=-duration")) == [str(r.pk) for r in (slow, fast, running)]
    listed = {r["id"]: r["duration_s"] for r in api.get("/api/v1/runs/").json()}
    assert listed == {str(slow.pk): 100.0, str(fast.pk): 1.0, str(running.pk): None}


def test_filters(api, version) -> None:
    march = make_run(version, experiment="a", tags=["gold", "v1"], created=T0)
    april = make_run(
        version, experiment="b", status="failed", tags=["golden"], created=T0 + timedelta(days=31)
    )
    may = make_run(version, experiment="b", status="cancelled", created=T0 + timedelta(days=61))
    assert ids(api.get("/api/v1/runs/?experiment=b")) == [str(may.pk), str(april.pk)]
    assert ids(api.get(f"/api/v1/runs/?experiment={march.experiment_id}")) == [str(march.pk)]
    assert ids(api.get("/api/v1/runs/?status=completed,failed")) == [str(april.pk), str(march.pk)]
    assert ids(api.get("/api/v1/runs/?tag=gold")) == [str(march.pk)]  # not "golden"
    assert ids(api.get(f"/api/v1/runs/?pipeline={version.pipeline_id}&tag=golden")) == [str(april.pk)]
    assert ids(api.get("/api/v1/runs/?created_after=2025-04-01&created_before=2025-04-30")) == [str(april.pk)]
    assert ids(api.get("/api/v1/runs/?created_before=2025-03-10")) == [str(march.pk)]  # that whole day
    assert ids(api.get("/api/v1/runs/?created_after=2025-03-10T12:00:01Z")) == [str(may.pk), str(april.pk)]
    for query, field in (
        ("status=done", "status"),
        ("pipeline=nope", "pipeline"),
        ("created_after=yesterday", "created_after"),
        ("ordering=-speed", "ordering"),
        ("ordering=metric:", "ordering"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
    ):
        response = api.get(f"/api/v1/runs/?{query}")
        assert response.status_code == 400 and response.json()["error"]["field"] == field, query


def test_pagination_is_opt_in(api, version) -> None:
    runs = [make_run(version, created=T0 + timedelta(minutes=i)) for i in range(3)]
    assert isinstance(api.get("/api/v1/runs/").json(), list)
    page = api.get("/api/v1/runs/?limit=2").json()
    assert page["count"] == 3 and [r["id"] for r in page["results"]] == [str(runs[2].pk), str(runs[1].pk)]
    assert "offset=2" in page["next"] and page["previous"] is None
    assert [r["id"] for r in api.get("/api/v1/runs/?offset=2").json()["results"]] == [str(runs[0].pk)]


# --------------------------------------------------------------------------------------------------
# Best run and compare
# --------------------------------------------------------------------------------------------------


def test_best_run(api, version) -> None:
    early = make_run(version, metrics={"AUC": 0.8, "Log_Loss": 0.5}, created=T0)
    make_run(version, metrics={"AUC": 0.8, "Log_Loss": 0.4}, created=T0 + timedelta(hours=1))
    make_run(version, metrics={"AUC": 0.99}, status="failed", created=T0 + timedelta(hours=2))
    experiment = early.experiment_id
    best = api.get(f"/api/v1/experiments/{experiment}/best/?metric=AUC").json()
    assert best["run"]["id"] == str(early.pk) and best["runs_with_metric"] == 2  # the tie goes to the earlier
    assert (
        api.get(f"/api/v1/experiments/{experiment}/best/?metric=Log_Loss").json()["run"]["metric"]["value"]
        == 0.4
    )
    nothing = api.get(f"/api/v1/experiments/{experiment}/best/?metric=RMSE").json()
    assert nothing["run"] is None and nothing["runs_with_metric"] == 0
    assert api.get(f"/api/v1/experiments/{experiment}/best/").status_code == 400
    assert api.get(f"/api/v1/experiments/{experiment}/best/?metric=AUC&goal=up").status_code == 400


def test_compare_needs_two_to_five_runs_of_ones_own(api, version, django_user_model) -> None:
    runs = [str(make_run(version).pk) for _ in range(6)]
    for query in ("", runs[0], f"{runs[0]},{runs[0]}", ",".join(runs), f"{runs[0]},not-a-uuid"):
        response = api.get(f"/api/v1/runs/compare/?ids={query}")
        assert response.status_code == 400 and response.json()["error"]["field"] == "ids", query
    assert api.get(f"/api/v1/runs/compare/?ids={runs[0]},{runs[1]}").status_code == 200
    theirs = workspaces.personal_workspace(django_user_model.objects.create_user("them", password="x" * 20))
    pipeline = graphs.create_pipeline(theirs, None, "theirs", GRAPH)
    other = make_run(graphs.freeze_version(pipeline, GRAPH))
    hidden = api.get(f"/api/v1/runs/compare/?ids={runs[0]},{other.pk}")
    assert hidden.status_code == 404 and str(other.pk) not in hidden.content.decode()


def test_graph_diff_by_node_id(user, workspace) -> None:
    base = g.graph(
        [g.node("a", "data_input_output.enter_data_manually", data="x\n1\n"),
         g.node("b", "data_transformation.select_columns_in_dataset", select_columns=["x"]),
         g.node("c", "data_transformation.remove_duplicate_rows", key_column_selection_filter_expression=["x"])],
        [g.edge("a", "dataset", "b", "dataset"), g.edge("b", "results_dataset", "c", "dataset")],
    )  # fmt: skip
    changed = g.graph(
        [g.node("a", "data_input_output.enter_data_manually", data="x\n2\n"),
         g.node("b", "data_transformation.edit_metadata", column=["x"]),
         g.node("d", "data_transformation.add_rows")],
        [g.edge("a", "dataset", "b", "dataset")],
    )  # fmt: skip
    pipeline = graphs.create_pipeline(workspace, user, "diff", base)
    experiment = Experiment.objects.create(workspace=workspace, name="diff")
    a, b = (
        Run.objects.create(workspace=workspace, experiment=experiment,
                           pipeline_version=graphs.freeze_version(pipeline, graph))
        for graph in (base, changed)
    )  # fmt: skip
    diff = history.graph_diff(a, [], b, [])
    assert [n["node"] for n in diff["nodes_only_in_a"]] == ["c"]
    assert [n["node"] for n in diff["nodes_only_in_b"]] == ["d"]
    assert diff["module_changed"] == [
        {"node": "b",
         "a": {"node": "b", "module": "data_transformation.select_columns_in_dataset", "title": "Select Columns in Dataset"},
         "b": {"node": "b", "module": "data_transformation.edit_metadata", "title": "Edit Metadata"}}
    ]  # fmt: skip
    assert diff["parameters_changed"] == [
        {"node": "a", "module": "data_input_output.enter_data_manually", "title": "Enter Data Manually",
         "changes": [{"parameter": "data", "a": "x\n1\n", "b": "x\n2\n"}]}
    ]  # fmt: skip
    assert diff["edges_only_in_a"] == [
        {"source": "b", "source_port": "results_dataset", "target": "c", "target_port": "dataset"}
    ]
    assert diff["edges_only_in_b"] == [] and diff["identical"] is False
    assert history.graph_diff(a, [], a, [])["identical"] is True


# --------------------------------------------------------------------------------------------------
# Registry and lineage errors
# --------------------------------------------------------------------------------------------------


def test_register_refuses_what_it_cannot_register(api, user, version, django_user_model) -> None:
    running = make_run(version, status="running", seconds=None)
    done = make_run(version, metrics={"AUC": 0.5})

    def register(run: Run, **body: Any):
        return api.post(
            "/api/v1/models/", {"name": "m", "run": str(run.pk), "node": "evaluate", **body},
            content_type="application/json",
        )  # fmt: skip

    assert register(running).json()["error"]["code"] == "run_not_completed"
    assert register(done, node="nowhere").json()["error"]["code"] == "unknown_node"
    assert register(done).json()["error"]["code"] == "not_a_model"
    assert register(done, tags="one").json()["error"]["field"] == "tags"
    missing = api.post("/api/v1/models/", {"name": "m"}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "run"
    # A reader of the workspace may look, not register.
    reader = django_user_model.objects.create_user("reader", password="a reader's password")
    Membership.objects.create(workspace=version.pipeline.workspace, user=reader, role=Membership.Role.READER)
    client = Client()
    client.force_login(reader)
    refused = client.post("/api/v1/models/", {"name": "m", "run": str(done.pk), "node": "evaluate"},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 403
    assert not RegisteredModel.objects.exists()


def test_a_name_in_two_workspaces_needs_the_workspace(api, user, version) -> None:
    run = make_run(version)
    team = workspaces.create_workspace(user, "team")
    for workspace in (version.pipeline.workspace, team):
        model = RegisteredModel.objects.create(workspace=workspace, name="shared", last_number=1)
        ModelVersion.objects.create(model=model, workspace=workspace, number=1, run=run, node="n", port="p",
                                    port_type="trained_model", digest="a" * 64, module_key="k")  # fmt: skip
    ambiguous = api.get("/api/v1/models/shared/")
    assert ambiguous.status_code == 400 and ambiguous.json()["error"]["code"] == "ambiguous"
    assert api.get(f"/api/v1/models/shared/?workspace={team.pk}").json()["workspace"] == team.pk
    assert api.get("/api/v1/lineage/?kind=model_version&id=shared@1").json()["error"]["code"] == "ambiguous"
    chosen = api.get(f"/api/v1/lineage/?kind=model_version&id=shared@1&workspace={team.pk}").json()
    assert chosen["root"] == {"kind": "model_version", "id": "shared@1"}


def test_lineage_errors(api, version) -> None:
    run = make_run(version)
    assert api.get("/api/v1/lineage/?kind=planet&id=x").json()["error"] == {
        "code": "invalid",
        "message": "kind is one of dataset_version, run, model_version, endpoint, pipeline_version.",
        "field": "kind",
    }
    assert api.get("/api/v1/lineage/?kind=run").status_code == 400
    for query in ("kind=run&id=nope", "kind=dataset_version&id=nope", "kind=model_version&id=m",
                  "kind=endpoint&id=none", f"kind=pipeline_version&id={version.pipeline_id}@9"):  # fmt: skip
        assert api.get(f"/api/v1/lineage/?{query}").status_code == 404, query
    graph = api.get(f"/api/v1/lineage/?kind=run&id={run.pk}").json()
    pipeline = f"pipeline_version:{version.pipeline_id}@{version.number}"
    assert graph["edges"] == [{"from": pipeline, "to": f"run:{run.pk}", "relation": "ran_as"}]
    assert api.get(
        f"/api/v1/lineage/?kind=pipeline_version&id={version.pipeline_id}@{version.number}"
    ).json()["edges"] == [{"from": pipeline, "to": f"run:{run.pk}", "relation": "ran_as"}]


# --------------------------------------------------------------------------------------------------
# The bundle loader
# --------------------------------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_the_loader_refuses_what_is_not_a_safe_bundle() -> None:
    with pytest.raises(BundleError, match="not a zip"):
        load_bundle(b"plain bytes")
    with pytest.raises(BundleError, match="no bundle.json"):
        load_bundle(_zip({"model.pkl": b""}))
    manifest = {"format": "designer-model-bundle", "format_version": 1, "kind": "model",
                "model": {"port_type": "trained_model"}, "artifacts": {}}  # fmt: skip
    newer = {**manifest, "format_version": 99}
    with pytest.raises(BundleError, match="format version 99"):
        load_bundle(_zip({"bundle.json": json.dumps(newer).encode(), "input_schema.json": b"[]"}))
    hostile = load_bundle(
        _zip({"bundle.json": json.dumps(manifest).encode(), "input_schema.json": b"[]",
              "model.pkl": pickle.dumps(_Exploit())})
    )  # fmt: skip
    with pytest.raises(UnsafeArtifactError):
        _ = hostile.model
    with pytest.raises(BundleError, match="model file only"):
        hostile.predict([{}])


def test_numbers_too_large_for_the_database_name_nothing(api, version) -> None:
    huge = "9" * 30
    assert api.get(f"/api/v1/models/?workspace={huge}").status_code == 400
    assert api.get(f"/api/v1/models/m/versions/{huge}/").status_code == 404
    assert api.get(f"/api/v1/runs/?experiment={huge}").json() == []
    assert api.get(f"/api/v1/runs/?limit=5&offset={huge}").json()["results"] == []
    for query in (f"kind=model_version&id=m@{huge}", f"kind=dataset_version&id={version.pipeline_id}@{huge}",
                  f"kind=pipeline_version&id={version.pipeline_id}@{huge}"):  # fmt: skip
        assert api.get(f"/api/v1/lineage/?{query}").status_code == 404, query
