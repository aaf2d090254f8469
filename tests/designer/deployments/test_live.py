"""End to end with real processes: a run trained by a real Celery worker, deployed through the API, scored
over HTTP by the real ASGI server (uvicorn + the designer app) on loopback."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from designer.artifacts import store
from designer.celery_app import app as celery_app
from designer.deployments import runtime
from tests import services
from tests.designer.conftest import steps_by_node

from . import graphs as g
from .loadgen import run_load

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_registry():
    runtime.registry.clear()
    yield
    runtime.recorder.flush()


def deploy(api: Any, run_id: str, name: str) -> dict[str, Any]:
    response = api.post(f"/api/v1/runs/{run_id}/deploy/", {"name": name}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "healthy", body["status_reason"]
    return body


def post(base: str, name: str, body: Any, key: str | None, **headers: str) -> httpx.Response:
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.post(f"{base}/score/{name}", content=json.dumps(body), headers=headers, timeout=30)


def train(engine_api: Any, graph: dict[str, Any]) -> dict[str, Any]:
    run = engine_api.wait(engine_api.submit(engine_api.create_pipeline(graph))["id"])
    assert run["status"] == "completed", run
    return run


def source_rows(run: dict[str, Any], schema: list[dict[str, str]]) -> list[dict[str, Any]]:
    from designer.deployments.parity import source_records

    table = store.load_value("dataset", steps_by_node(run)["import"]["outputs"]["results_dataset"])
    return source_records(table, [c["name"] for c in schema])


def test_scoring_keeps_working_while_the_celery_worker_is_stopped(
    engine_api, child_env, worker_log_dir, live_server_url
) -> None:
    name = f"no-worker-{time.time_ns()}"
    worker = services.start_worker(
        child_env, ("cpu",), concurrency=1, name=name, log_path=worker_log_dir / "no-worker.log"
    )
    try:
        services.wait_for_worker(celery_app, name, proc=worker)
        run = train(engine_api, g.reference_graph())
    finally:
        services.stop_process(worker)
    assert worker.poll() is not None
    replies = celery_app.control.ping(timeout=0.5) or []
    assert not any(n.startswith(name) for reply in replies for n in reply)
    # Deploying needs no worker either: derivation, parity and the plan run in the web process.
    body = deploy(engine_api.client, run["id"], "no-worker")
    key = body["new_keys"]["primary"]
    for _ in range(20):
        response = post(live_server_url, "no-worker", body["consume"]["example_request"], key)
        assert response.status_code == 200, response.text


def test_deploy_then_score_over_http_gives_exactly_the_runs_predictions(
    engine_api, celery_worker, live_server_url
) -> None:
    run = train(engine_api, g.reference_graph())
    body = deploy(engine_api.client, run["id"], "same-as-run")
    key = body["new_keys"]["primary"]
    rows = source_rows(run, body["input_schema"])
    response = post(live_server_url, "same-as-run", {"inputs": rows}, key)
    assert response.status_code == 200 and response.headers["x-endpoint-version"] == "1"
    predictions = response.json()["predictions"]
    assert len(predictions) == len(rows) == 569
    # Which source row each scored row of the run came from: Clean and Normalize keep rows in order, so
    # the normalized table's rows are the source rows; Split picked some of them for Score Model.
    steps = steps_by_node(run)
    normalized = store.load_value("dataset", steps["normalize"]["outputs"]["transformed_dataset"]).df
    scored = store.load_value("dataset", steps["score"]["outputs"]["scored_dataset"]).df
    features = [c["name"] for c in body["input_schema"]]
    position = {tuple(r): i for i, r in enumerate(normalized[features].itertuples(index=False))}
    checked = 0
    for index in range(len(scored)):
        i = position[tuple(scored.loc[index, features])]
        assert predictions[i]["Scored Labels"] == scored.loc[index, "Scored Labels"]
        assert predictions[i]["Scored Probabilities"] == scored.loc[index, "Scored Probabilities"]
        checked += 1
    assert checked == 171
    # One row at a time (the fast path) gives the same as the batch.
    for i in (0, 100, 568):
        one = post(live_server_url, "same-as-run", {"inputs": [rows[i]]}, key)
        assert one.headers["x-scoring-path"] == "fast" and one.json()["predictions"] == [predictions[i]]


def test_every_request_format_over_http(engine_api, celery_worker, live_server_url) -> None:
    run = train(engine_api, g.penguins())
    body = deploy(engine_api.client, run["id"], "formats")
    key = body["new_keys"]["primary"]
    rows = source_rows(run, body["input_schema"])[:4]
    columns = list(rows[0])
    ours = post(live_server_url, "formats", {"inputs": rows}, key).json()
    assert len(ours["predictions"]) == 4 and ours["version"] == 1
    records = post(live_server_url, "formats", {"dataframe_records": rows}, key).json()
    split = post(
        live_server_url,
        "formats",
        {"dataframe_split": {"columns": columns, "data": [[r[c] for c in columns] for r in rows]}},
        key,
    ).json()
    assert records == split == ours
    theirs = post(
        live_server_url, "formats", {"Inputs": {"WebServiceInput0": rows}, "GlobalParameters": {}}, key
    )
    assert theirs.status_code == 200
    results = theirs.json()["Results"]["WebServiceOutput0"]
    assert [r["Scored Labels"] for r in results] == [p["Scored Labels"] for p in ours["predictions"]]
    with_nan = post(
        live_server_url,
        "formats",
        {"Inputs": {"WebServiceInput0": [{**rows[0], "sex": {"isNan": True}}]}},
        key,
    )
    assert with_nan.status_code == 200
    bad = post(live_server_url, "formats", {"inputs": [{**rows[0], "year": "2008"}]}, key)
    assert (
        bad.status_code == 400 and bad.json()["error"]["field"] == "year" and bad.json()["error"]["row"] == 0
    )


def test_key_rotation_rollback_and_traffic_reach_the_server_process(
    engine_api, celery_worker, live_server_url
) -> None:
    first = train(engine_api, g.reference_graph())
    body = deploy(engine_api.client, first["id"], "live-versions")
    old_key = body["new_keys"]["primary"]
    example = body["consume"]["example_request"]
    assert post(live_server_url, "live-versions", example, old_key).status_code == 200
    second = train(engine_api, g.reference_graph("MinMax"))
    deploy(engine_api.client, second["id"], "live-versions")
    new_key = engine_api.client.post(
        "/api/v1/endpoints/live-versions/keys/", {"slot": "primary"}, content_type="application/json"
    ).json()["key"]

    def eventually(check: Any, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, "the server did not pick up the change"
            time.sleep(0.1)

    eventually(lambda: post(live_server_url, "live-versions", example, old_key).status_code == 401)
    assert post(live_server_url, "live-versions", example, new_key).headers["x-endpoint-version"] == "2"
    engine_api.client.patch(
        "/api/v1/endpoints/live-versions/", {"version": 1}, content_type="application/json"
    )
    eventually(
        lambda: (
            post(live_server_url, "live-versions", example, new_key).headers.get("x-endpoint-version") == "1"
        )
    )
    engine_api.client.patch(
        "/api/v1/endpoints/live-versions/", {"traffic": {"1": 50, "2": 50}}, content_type="application/json"
    )
    eventually(
        lambda: (
            {
                post(live_server_url, "live-versions", example, new_key).headers["x-endpoint-version"]
                for _ in range(40)
            }
            == {"1", "2"}
        )
    )
    assert post(live_server_url, "live-versions", example, None).status_code == 401


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_sixty_seconds_at_eight_connections_without_a_single_non_2xx(
    engine_api, celery_worker, live_server_url
) -> None:
    run = train(engine_api, g.reference_graph())
    body = deploy(engine_api.client, run["id"], "under-load")
    key = body["new_keys"]["primary"]
    url = urlparse(live_server_url)
    assert url.hostname == "127.0.0.1"
    result = run_load(
        url.hostname,
        url.port,
        "/score/under-load",
        json.dumps(body["consume"]["example_request"]).encode(),
        {"Authorization": f"Bearer {key}"},
        connections=8,
        seconds=60,
    )
    summary = result.summary()
    assert summary["connection_errors"] == 0 and summary["non_2xx"] == 0, summary
    assert result.requests > 1000, summary
    # The server logged them (written in batches by its recorder thread).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        metrics = engine_api.client.get("/api/v1/endpoints/under-load/metrics/?window=600&bucket=60").json()
        if metrics["totals"]["requests"] >= result.requests:
            break
        time.sleep(0.5)
    assert metrics["totals"]["requests"] >= result.requests and metrics["totals"]["errors"] == 0


def test_batch_scoring_a_registered_dataset_makes_a_new_dataset_version(
    engine_api, celery_worker, live_server_url
) -> None:
    from designer.datasets import services as datasets
    from designer.runs.models import Run

    run = train(engine_api, g.reference_graph())
    body = deploy(engine_api.client, run["id"], "batch")
    owner = Run.objects.select_related("workspace", "created_by").get(pk=run["id"])
    table = store.load_value("dataset", steps_by_node(run)["import"]["outputs"]["results_dataset"])
    patients = datasets.create_version(owner.workspace, "patients", table, user=owner.created_by)
    broken = datasets.create_version(
        owner.workspace,
        "patients without radius",
        table.with_frame(table.df.drop(columns=["mean radius"])),
        user=owner.created_by,
    )

    def run_job(reference: str) -> dict[str, Any]:
        response = engine_api.client.post(
            "/api/v1/endpoints/batch/batch/",
            {"dataset": reference, "output_name": "patients scored"},
            content_type="application/json",
        )
        assert response.status_code == 202, response.content
        job = response.json()
        deadline = time.monotonic() + 120
        while job["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
            job = engine_api.client.get(f"/api/v1/endpoints/batch/batch/{job['id']}/").json()
        return job

    job = run_job(patients.reference)
    assert job["status"] == "completed" and job["rows"] == 569, job
    scored = datasets.load_table(datasets.resolve_reference(owner.workspace_id, job["output_dataset"]))
    assert {"Scored Labels", "Scored Probabilities"} <= set(scored.columns) and len(scored) == 569
    rows = source_rows(run, body["input_schema"])
    online = post(live_server_url, "batch", {"inputs": rows}, body["new_keys"]["primary"]).json()[
        "predictions"
    ]
    assert scored.df["Scored Probabilities"].tolist() == [p["Scored Probabilities"] for p in online]

    failed = run_job(broken.reference)
    assert failed["status"] == "failed" and "'mean radius'" in failed["error"]
    listed = engine_api.client.get("/api/v1/endpoints/batch/batch/").json()
    assert {j["id"] for j in listed} == {job["id"], failed["id"]}
    unknown = engine_api.client.post(
        "/api/v1/endpoints/batch/batch/", {"dataset": "nope"}, content_type="application/json"
    )
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "dataset"
