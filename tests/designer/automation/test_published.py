"""Published pipelines: publish (each publish a version, one default), list and detail with parameters,
change the default, and runs of the default or a pinned version with parameter values."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from designer.automation.models import PublishedRun
from designer.graphs.models import Pipeline
from designer.runs.models import Run
from designer.workspaces import services as workspaces
from designer.workspaces import tokens

from .graphs import CSV, split_graph

pytestmark = pytest.mark.django_db


def create(api: Client, graph: dict[str, Any], name: str = "training") -> str:
    response = api.post("/api/v1/pipelines/", {"name": name, "graph": graph}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def publish(api: Client, pipeline_id: str, **body: Any) -> Any:
    return api.post(f"/api/v1/pipelines/{pipeline_id}/publish/", body, content_type="application/json")


def run(api: Client, name: str, **body: Any) -> Any:
    return api.post(f"/api/v1/pipeline-endpoints/{name}/runs/", body, content_type="application/json")


def split_params(run_id: str) -> dict[str, Any]:
    return Run.objects.get(pk=run_id).steps.get(node_id="split").params


def test_publish_versions_default_and_runs_with_parameters(api) -> None:
    pipeline_id = create(api, split_graph())
    first = publish(api, pipeline_id, name="nightly-split", description="Splits rows")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["default_version"] == 1 and body["published_version"] == 1
    assert [p["name"] for p in body["parameters"]] == ["rows", "fraction", "seed"]
    assert body["parameters"][2] == {"name": "seed", "type": "integer", "default": 7, "description": ""}

    # Version 2: another default seed; published without becoming the default.
    graph = split_graph()
    graph["parameters"][2]["default"] = 99
    api.patch(f"/api/v1/pipelines/{pipeline_id}/", {"graph": graph}, content_type="application/json")
    second = publish(api, pipeline_id, name="nightly-split", set_default=False).json()
    assert second["published_version"] == 2 and second["default_version"] == 1
    assert [v["parameters"][2]["default"] for v in second["versions"]] == [7, 99]

    listed = api.get("/api/v1/pipeline-endpoints/").json()
    assert [(p["name"], p["default_version"], p["latest_version"]) for p in listed] == [
        ("nightly-split", 1, 2)
    ]

    default_run = run(api, "nightly-split")
    assert default_run.status_code == 201, default_run.content
    assert default_run.json()["version"] == 1 and split_params(default_run.json()["id"])["random_seed"] == 7
    pinned = run(api, "nightly-split", version=2, parameters={"fraction": 0.8}, experiment="pinned").json()
    assert pinned["version"] == 2 and pinned["experiment"] == "pinned"
    assert pinned["parameters"] == {"rows": CSV, "fraction": 0.8, "seed": 99}
    params = split_params(pinned["id"])
    assert params["fraction_of_rows_in_the_first_output_dataset"] == 0.8 and params["random_seed"] == 99

    # The default moves to version 2; runs follow it.
    patched = api.patch(
        "/api/v1/pipeline-endpoints/nightly-split/", {"default_version": 2}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["default_version"] == 2
    assert run(api, "nightly-split").json()["version"] == 2
    history = api.get("/api/v1/pipeline-endpoints/nightly-split/runs/").json()
    assert [(r["version"], r["trigger"]) for r in history] == [(2, "api"), (2, "api"), (1, "api")]
    assert PublishedRun.objects.count() == 3


def test_run_errors_name_the_parameter_or_version(api) -> None:
    publish(api, create(api, split_graph()), name="split")
    bad = run(api, "split", parameters={"seed": -1})
    assert bad.status_code == 400
    assert bad.json()["error"]["details"]["problems"][0]["parameter"] == "random_seed"
    assert "Pipeline parameter 'seed' = -1" in bad.json()["error"]["message"]
    unknown = run(api, "split", parameters={"colour": "red"})
    assert unknown.json()["error"]["details"]["problems"][0]["code"] == "unknown_pipeline_parameter"
    missing = run(api, "split", version=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_version"
    assert api.get("/api/v1/pipeline-endpoints/nope/").status_code == 404


def test_publishing_refuses_bad_names_invalid_graphs_and_taken_names(api, other_user) -> None:
    pipeline_id = create(api, split_graph())
    assert publish(api, pipeline_id, name="Not A Name").json()["error"]["code"] == "invalid_name"
    broken = split_graph()
    broken["parameters"][1]["default"] = 2.0  # out of the module's range
    refused = publish(api, create(api, broken, "broken"), name="broken")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_graph"
    assert publish(api, pipeline_id, name="shared-name").status_code == 201
    other = Client()
    other.force_login(other_user)
    theirs = create(other, split_graph())
    taken = publish(other, theirs, name="shared-name")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "name_taken"
    # Not theirs to see or run either.
    assert other.get("/api/v1/pipeline-endpoints/shared-name/").status_code == 404
    assert run(other, "shared-name").status_code == 404


def test_readers_can_see_but_not_run_or_publish(api, user, other_user) -> None:
    team = workspaces.create_workspace(user, "team")
    workspaces.add_member(team, user, other_user.username, "reader")
    pipeline_id = create(api, split_graph())
    Pipeline.objects.filter(pk=pipeline_id).update(workspace=team)
    assert publish(api, pipeline_id, name="team-split").status_code == 201
    reader = Client()
    reader.force_login(other_user)
    assert reader.get("/api/v1/pipeline-endpoints/team-split/").status_code == 200
    assert run(reader, "team-split").status_code == 403
    assert publish(reader, pipeline_id, name="team-split").status_code in (403, 404)
    patched = reader.patch(
        "/api/v1/pipeline-endpoints/team-split/", {"default_version": 1}, content_type="application/json"
    )
    assert patched.status_code == 403


def test_an_api_token_submits_runs(api, user) -> None:
    publish(api, create(api, split_graph()), name="by-token")
    _, raw = tokens.create_token(user, "ci")
    response = Client().post(
        "/api/v1/pipeline-endpoints/by-token/runs/",
        {"parameters": {"seed": 3}},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201, response.content
    assert split_params(response.json()["id"])["random_seed"] == 3
    denied = Client().post(
        "/api/v1/pipeline-endpoints/by-token/runs/",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer nope",
    )
    assert denied.status_code == 401


def test_a_published_pipeline_keeps_its_source_version(api) -> None:
    pipeline_id = create(api, split_graph())
    publish(api, pipeline_id, name="kept")
    deleted = api.delete(f"/api/v1/pipelines/{pipeline_id}/")
    assert deleted.status_code == 409, deleted.content
    assert api.delete("/api/v1/pipeline-endpoints/kept/").status_code == 204
    assert api.delete(f"/api/v1/pipelines/{pipeline_id}/").status_code == 204


def test_deleting_a_workspace_takes_its_publications_schedules_and_runs(api, user, settings) -> None:
    from django_celery_beat.models import PeriodicTask

    from designer.automation.models import PublishedPipeline, Schedule

    settings.AUTOMATION_MIN_INTERVAL_SECONDS = 1
    team = workspaces.create_workspace(user, "short-lived")
    pipeline_id = create(api, split_graph())
    Pipeline.objects.filter(pk=pipeline_id).update(workspace=team)
    publish(api, pipeline_id, name="doomed")
    assert run(api, "doomed").status_code == 201
    schedule = api.post(
        "/api/v1/schedules/",
        {"pipeline_endpoint": "doomed", "cron": "@daily"},
        content_type="application/json",
    ).json()
    assert api.delete(f"/api/v1/workspaces/{team.pk}/").status_code == 204
    assert not PublishedPipeline.objects.exists() and not Schedule.objects.exists()
    assert not Run.objects.filter(workspace_id=team.pk).exists()
    # Its beat entry is left for the next trigger to clear (a workspace knows nothing of beat).
    assert PeriodicTask.objects.filter(name=f"automation.schedule.{schedule['id']}").exists()
