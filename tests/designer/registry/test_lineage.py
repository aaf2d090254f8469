"""Lineage through the real engine: a CSV uploaded through the datasets API, a run on it, a registered
model and an endpoint; followed back from the model to the dataset version and forward from the dataset,
over REST and GraphQL, and invisible to other workspaces."""

from __future__ import annotations

import pytest

from designer.deployments import runtime

from .conftest import json_post, training_graph, upload_churn

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_endpoints():
    runtime.registry.clear()
    yield
    runtime.recorder.flush()
    runtime.registry.clear()


def edges(graph: dict) -> set[tuple[str, str, str]]:
    return {(e["from"], e["to"], e["relation"]) for e in graph["edges"]}


def keys(graph: dict) -> set[str]:
    return {n["key"] for n in graph["nodes"]}


LINEAGE_QUERY = """query ($kind: String!, $id: String!) {
  lineage(kind: $kind, id: $id) { root truncated nodes { key kind id label } edges { from to relation } }
}"""


def test_from_model_back_to_the_dataset_and_forward_from_it(
    api, engine_api, other_client, celery_worker
) -> None:
    uploaded = upload_churn(api, "customers")
    reference = uploaded["version"]["reference"]
    # The pipeline names the dataset, not a version: the run pins the latest one (version 1) when it starts.
    pipeline = engine_api.create_pipeline(training_graph(uploaded["id"], trees=6), name="customers pipeline")
    run = engine_api.wait(engine_api.submit(pipeline, experiment="lineage")["id"])
    assert run["status"] == "completed", run
    registered = json_post(api, "/api/v1/models/", {"name": "customers", "run": run["id"], "node": "train"})
    assert registered.status_code == 201, registered.content
    deployed = json_post(api, f"/api/v1/runs/{run['id']}/deploy/", {"name": "customers-live"})
    assert deployed.status_code == 201, deployed.content
    # A second upload of the same name is another version that this run never read.
    upload_churn(api, "customers")

    dataset = f"dataset_version:{reference}"
    run_key = f"run:{run['id']}"
    pipeline_key = f"pipeline_version:{pipeline}@{run['pipeline_version']}"
    model = "model_version:customers@1"
    endpoint = "endpoint:customers-live"

    # -- back from the model version ---------------------------------------------------------------------
    back = api.get("/api/v1/lineage/?kind=model_version&id=customers@1")
    assert back.status_code == 200, back.content
    back = back.json()
    assert back["root"] == {"kind": "model_version", "id": "customers@1"} and back["truncated"] is False
    assert keys(back) == {model, run_key, pipeline_key, dataset, endpoint}
    assert edges(back) == {
        (dataset, run_key, "read_by"),
        (pipeline_key, run_key, "ran_as"),
        (run_key, model, "registered_as"),
        (model, endpoint, "served_by"),
    }
    labels = {n["key"]: n["label"] for n in back["nodes"]}
    assert labels[dataset] == "customers v1" and labels[model] == "customers v1"
    assert "customers pipeline" in labels[run_key]

    # -- forward from the dataset version ---------------------------------------------------------------
    forward = api.get(f"/api/v1/lineage/?kind=dataset_version&id={reference}").json()
    assert keys(forward) == {dataset, run_key, model, endpoint}  # downstream only: no pipeline version
    assert edges(forward) == {
        (dataset, run_key, "read_by"),
        (run_key, model, "registered_as"),
        (run_key, endpoint, "deployed_as"),
        (model, endpoint, "served_by"),
    }
    latest = api.get(f"/api/v1/lineage/?kind=dataset_version&id={uploaded['id']}").json()
    assert latest["root"]["id"] == f"{uploaded['id']}@2" and len(latest["nodes"]) == 1  # read by nothing yet

    # -- from the run and from the endpoint -------------------------------------------------------------
    around_run = api.get(f"/api/v1/lineage/?kind=run&id={run['id']}").json()
    assert keys(around_run) == {run_key, pipeline_key, dataset, model, endpoint}
    from_endpoint = api.get("/api/v1/lineage/?kind=endpoint&id=customers-live").json()
    assert {
        (run_key, endpoint, "deployed_as"),
        (model, endpoint, "served_by"),
        (dataset, run_key, "read_by"),
    } <= (edges(from_endpoint))

    # -- GraphQL answers the same ---------------------------------------------------------------------------
    answer = api.post(
        "/graphql/",
        {"query": LINEAGE_QUERY, "variables": {"kind": "model_version", "id": "customers@1"}},
        content_type="application/json",
    ).json()
    assert "errors" not in answer, answer
    lineage = answer["data"]["lineage"]
    assert lineage["root"] == model and keys(lineage) == keys(back) and edges(lineage) == edges(back)

    # -- version 1 is no longer what the pipeline reads, but a registered model was trained on it ------------
    refused = api.delete(f"/api/v1/datasets/{uploaded['id']}/versions/1/")
    assert refused.status_code == 409 and "model 'customers' version 1" in refused.json()["error"]["message"]

    # -- another workspace sees none of it ----------------------------------------------------------------------
    for query in (
        "kind=model_version&id=customers@1",
        f"kind=dataset_version&id={reference}",
        f"kind=run&id={run['id']}",
        "kind=endpoint&id=customers-live",
    ):
        hidden = other_client.get(f"/api/v1/lineage/?{query}")
        assert hidden.status_code == 404, (query, hidden.content)
        assert run["id"] not in hidden.content.decode() and "customers" not in hidden.content.decode()
    denied = other_client.post(
        "/graphql/",
        {"query": LINEAGE_QUERY, "variables": {"kind": "run", "id": run["id"]}},
        content_type="application/json",
    ).json()
    assert denied["errors"][0]["extensions"]["code"] == "not_found" and denied["data"]["lineage"] is None
