"""Drift-triggered retraining: scoring traffic logged by the deployments app, PSI per feature against the
training data, one alert per breach, one retraining run per alert, and deploying the retrained run."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from designer.automation import drift, services, sweep
from designer.automation.models import DriftAlert, DriftMonitor, PublishedRun
from designer.deployments import runtime
from designer.deployments import services as deployments
from designer.deployments.models import Endpoint
from designer.graphs.services import create_pipeline
from designer.runs.models import Run
from designer.workspaces.services import personal_workspace
from modules.data_io.samples import load_sample
from tests.designer.deployments.factories import completed_run
from tests.designer.runs import graphs as g

from .graphs import tiny_graph


@pytest.fixture(autouse=True)
def fresh_registry():
    runtime.registry.clear()
    yield
    runtime.recorder.flush()
    runtime.registry.clear()


def rows(endpoint: Endpoint, count: int, *, start: int = 0, shift: float = 1.0) -> list[dict[str, Any]]:
    """Training rows in the endpoint's input schema; ``shift`` scales 'mean radius'."""
    names = [c["name"] for c in endpoint.versions.order_by("-number").first().input_schema]
    frame = load_sample("breast-cancer").df[names].iloc[start : start + count]
    records = json.loads(frame.to_json(orient="records"))
    for record in records:
        record["mean radius"] = record["mean radius"] * shift
    return records


def send(endpoint: Endpoint, key: str, records: list[dict[str, Any]]) -> None:
    """Score through the real route (which logs and samples the rows), then write the logs."""
    for i in range(0, len(records), 150):  # the recorder keeps up to 200 rows per flush
        response = Client().post(
            f"/api/v1/endpoints/{endpoint.name}/score/",
            json.dumps({"inputs": records[i : i + 150]}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code == 200, response.content
        runtime.recorder.flush()


@pytest.fixture
def deployed(user) -> tuple[Endpoint, str]:
    deployment = deployments.deploy_run(completed_run(user, g.reference_graph()), user, "cancer")
    assert deployment.version.status == "healthy", deployment.version.status_reason
    assert deployment.new_keys
    return deployment.endpoint, deployment.new_keys["primary"]


@pytest.fixture
def retraining(user) -> str:
    """A small published pipeline standing in for the training one (the slow test retrains for real)."""
    pipeline = create_pipeline(personal_workspace(user), user, "stand-in training", tiny_graph())
    services.publish(pipeline, user, "cancer-training")
    return "cancer-training"


def wait_for_run(run_id: Any, timeout: float = 60.0) -> Run:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = Run.objects.get(pk=run_id)
        if run.status in ("completed", "failed", "cancelled"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish")


def put_monitor(api: Client, name: str, **body: Any) -> Any:
    return api.put(f"/api/v1/endpoints/{name}/drift-monitor/", body, content_type="application/json")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_shifted_traffic_opens_one_alert_and_one_retraining_run(
    api, deployed, retraining, celery_worker
) -> None:
    endpoint, key = deployed
    response = put_monitor(
        api, endpoint.name, thresholds={"mean radius": 0.2}, default_threshold=None, min_rows=100,
        retrain_pipeline=retraining, retrain_parameters={},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    check = f"/api/v1/endpoints/{endpoint.name}/drift-monitor/check/"

    send(endpoint, key, rows(endpoint, 60))
    assert api.post(check).json()["outcome"] == "too_few_rows"
    send(endpoint, key, rows(endpoint, 240, start=60))
    quiet = api.post(check).json()
    assert quiet["outcome"] == "quiet" and quiet["rows"] >= 100
    radius = next(f for f in quiet["features"] if f["name"] == "mean radius")
    assert radius["psi"] < 0.2 and radius["threshold"] == 0.2 and not radius["breached"]
    assert not DriftAlert.objects.exists()

    send(endpoint, key, rows(endpoint, 600, shift=2.5))
    fired = api.post(check).json()
    assert fired["outcome"] == "alert", fired
    alert = DriftAlert.objects.get()
    assert [f["name"] for f in alert.features] == ["mean radius"] and alert.features[0]["psi"] > 0.2
    assert alert.retrain_run is not None and alert.status == "open"
    link = PublishedRun.objects.get(run=alert.retrain_run)
    assert (link.published.name, link.trigger) == (retraining, "drift")
    assert alert.retrain_run.experiment.name == "retrain-cancer"

    # While it lasts, the breach stays one alert with one run, however often it is checked.
    for _ in range(2):
        assert drift.check(alert.monitor)["outcome"] == "still_drifting"
    assert DriftAlert.objects.count() == 1
    assert Run.objects.filter(experiment__name="retrain-cancer").count() == 1

    detail = api.get(f"/api/v1/endpoints/{endpoint.name}/drift-monitor/").json()
    assert detail["open_alert"]["id"] == alert.pk and detail["last_report"]["outcome"] == "still_drifting"
    listed = api.get(f"/api/v1/drift-alerts/?endpoint={endpoint.name}").json()
    assert [a["retrain_run"] for a in listed] == [str(alert.retrain_run_id)]
    note = api.get("/api/v1/notifications/?kind=drift_alert").json()["results"][0]
    assert note["link"] == {"endpoint": "cancer", "alert": alert.pk, "run": str(alert.retrain_run_id)}
    # The stand-in trains no model: deploying its run is one call, which fails with the deploy's reason.
    assert wait_for_run(alert.retrain_run_id).status == "completed"
    reply = api.post(f"/api/v1/drift-alerts/{alert.pk}/deploy/").json()
    assert reply["deploy_state"] == "failed" and "model" in reply["deploy_message"].lower(), reply
    assert (
        api.get("/api/v1/notifications/?kind=deploy_failed").json()["results"][0]["link"]["alert"] == alert.pk
    )
    assert Endpoint.objects.get(pk=endpoint.pk).traffic == {"1": 100}, "the serving version is untouched"


@pytest.mark.django_db
def test_monitor_settings_are_checked(api, deployed, retraining, other_user) -> None:
    endpoint, _ = deployed
    assert (
        put_monitor(api, endpoint.name, default_threshold=-1).json()["error"]["field"] == "default_threshold"
    )
    assert (
        put_monitor(api, endpoint.name, retrain_pipeline="nope").json()["error"]["field"]
        == "retrain_pipeline"
    )
    bad = put_monitor(api, endpoint.name, retrain_pipeline=retraining, retrain_parameters={"x": 1})
    assert bad.status_code == 400 and bad.json()["error"]["details"]["problems"][0]["parameter"] == "x"
    assert api.get(f"/api/v1/endpoints/{endpoint.name}/drift-monitor/").status_code == 404
    outsider = Client()
    outsider.force_login(other_user)
    assert put_monitor(outsider, endpoint.name, default_threshold=0.3).status_code == 404


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_retrained_run_deploys_in_one_call_or_by_itself(api, engine_api, user, celery_worker) -> None:
    """Train for real, deploy, drift, retrain (the published training pipeline), deploy the retrained run
    with one call; then the same again with automatic deploys."""
    pipeline_id = engine_api.create_pipeline(g.reference_graph(), name="cancer training")
    trained = engine_api.wait(engine_api.submit(pipeline_id)["id"])
    assert trained["status"] == "completed", trained
    deployment = deployments.deploy_run(Run.objects.get(pk=trained["id"]), user, "cancer-live")
    endpoint, key = deployment.endpoint, deployment.new_keys["primary"]
    published = api.post(
        f"/api/v1/pipelines/{pipeline_id}/publish/",
        {"name": "cancer-retrain"},
        content_type="application/json",
    )
    assert published.status_code == 201, published.content
    assert put_monitor(api, endpoint.name, thresholds={"mean radius": 0.2}, default_threshold=None,
                       retrain_pipeline="cancer-retrain").status_code == 200  # fmt: skip
    monitor = DriftMonitor.objects.get(endpoint=endpoint)

    send(endpoint, key, rows(endpoint, 300, shift=2.5))
    assert drift.check(monitor)["outcome"] == "alert"
    alert = DriftAlert.objects.get()
    # The training pipeline's steps are unchanged, so the retraining run reuses them and is done at once.
    assert wait_for_run(alert.retrain_run_id).status == "completed"
    reply = api.post(f"/api/v1/drift-alerts/{alert.pk}/deploy/").json()
    assert (reply["deploy_state"], reply["deployed_version"]) == ("healthy", 2), reply
    endpoint.refresh_from_db()
    assert endpoint.traffic == {"2": 100}
    assert endpoint.versions.get(number=2).run_id == alert.retrain_run_id
    again = api.post(f"/api/v1/drift-alerts/{alert.pk}/deploy/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_deployed"
    # The new version takes the traffic: the old breach is over.
    assert drift.check(monitor)["outcome"] in ("too_few_rows", "resolved")
    assert DriftAlert.objects.get(pk=alert.pk).status == "resolved"

    # Opted in: the next breach's retraining run is deployed by the sweep, with the same parity check.
    put_monitor(api, endpoint.name, auto_deploy=True)
    monitor.refresh_from_db()
    send(endpoint, key, rows(endpoint, 300, shift=2.5))
    assert drift.check(monitor)["outcome"] == "alert"
    second = DriftAlert.objects.get(status="open")
    assert second.retrain_run_id != alert.retrain_run_id
    wait_for_run(second.retrain_run_id)
    assert sweep.sweep()["auto_deployed"] == 1
    assert sweep.sweep()["auto_deployed"] == 0, "deployed once"
    second.refresh_from_db()
    assert (second.deploy_state, second.deployed_version) == ("healthy", 3)
    assert deployments.serving_versions(Endpoint.objects.get(pk=endpoint.pk)) == [3]
    kinds = [n["kind"] for n in api.get("/api/v1/notifications/").json()["results"]]
    # Two alerts; three deploys (the first by hand through the deployments API, found by the sweep).
    assert kinds.count("drift_alert") == 2 and kinds.count("deploy_succeeded") == 3, kinds
