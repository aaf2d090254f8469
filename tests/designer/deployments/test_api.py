"""Deploying through the REST API (runs completed in this process, no worker): endpoints, versions,
parity, keys, rollback, traffic split, metrics, OpenAPI and the Django-side scoring route."""

from __future__ import annotations

import collections
import json
from typing import Any

import pytest
from django.test import Client

from designer.artifacts import store
from designer.deployments import runtime
from designer.deployments.models import Endpoint, EndpointKey, EndpointVersion, RequestLog
from designer.runs.models import Step

from . import graphs as g
from .factories import completed_run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_registry():
    runtime.registry.clear()
    yield
    runtime.recorder.flush()
    runtime.registry.clear()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("deployer", password="a long test password")


@pytest.fixture
def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def reference_run(user):
    return completed_run(user, g.reference_graph())


def deploy(client: Client, run: Any, name: str = "breast-cancer", **body: Any) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/runs/{run.pk}/deploy/", {"name": name, **body}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def score(client: Client, name: str, body: Any, key: str | None, **headers: str) -> Any:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    return Client().post(
        f"/api/v1/endpoints/{name}/score/", json.dumps(body), content_type="application/json", **extra
    )


def test_one_click_deploy_goes_healthy_with_parity_keys_and_consume_details(client, reference_run) -> None:
    reply = deploy(client, reference_run, description="Breast cancer screening")
    assert reply["status"] == "healthy" and reply["traffic"] == {"1": 100}
    deployment = reply["deployment"]
    assert deployment["version"] == 1 and deployment["status"] == "healthy"
    assert deployment["parity"]["ok"] and deployment["parity"]["rows_compared"] == 171
    assert deployment["parity"]["fast_path"]["enabled"]
    assert deployment["seconds"] < 3.0
    assert {r["node"] for r in deployment["removed"]} == {"import", "learner", "split", "train", "evaluate"}
    keys = reply["new_keys"]
    assert set(keys) == {"primary", "secondary"} and keys["primary"] != keys["secondary"]
    assert all(k.startswith("mlk_") and len(k) >= 40 for k in keys.values())
    # Stored as HMAC-SHA256 digests, never the keys.
    stored = set(EndpointKey.objects.values_list("digest", flat=True))
    assert len(stored) == 2 and not (stored & set(keys.values()))
    assert reply["keys"]["primary"]["prefix"].startswith(keys["primary"][:10])
    assert reply["scoring_url"] == "http://testserver/score/breast-cancer"
    assert [c["name"] for c in reply["input_schema"]][:2] == ["mean radius", "mean texture"]
    consume = reply["consume"]
    assert set(consume["samples"]) == {"curl", "python", "javascript"}
    assert (
        "Authorization: Bearer" in consume["samples"]["curl"]
        and "/score/breast-cancer" in consume["samples"]["python"]
    )
    example = consume["example_request"]
    for key in keys.values():
        response = score(client, "breast-cancer", example, key)
        assert response.status_code == 200 and response["X-Endpoint-Version"] == "1"
    detail = client.get("/api/v1/endpoints/breast-cancer/").json()
    assert "new_keys" not in detail and detail["description"] == "Breast cancer screening"


def test_the_derived_graph_can_be_fetched_before_deploying(client, reference_run) -> None:
    response = client.get(f"/api/v1/runs/{reference_run.pk}/inference-graph/")
    assert response.status_code == 200
    body = response.json()
    assert {n["id"] for n in body["graph"]["nodes"]} == {
        "web_service_input",
        "clean",
        "normalize",
        "score",
        "web_service_output",
    }
    assert body["graph"]["bindings"]["score"]["trained_model"]["source"] == {
        "node": "train",
        "port": "trained_model",
    }
    assert body["label_columns"] == ["diagnosis"]


def test_a_run_without_a_trained_model_is_refused_with_the_reason(client, user) -> None:
    run = completed_run(
        user,
        g.graph([g.node("data", "data_input_output.enter_data_manually", data="x\n1\n")], []),
    )
    response = client.post(
        f"/api/v1/runs/{run.pk}/deploy/", {"name": "nothing"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_trained_model"
    assert "This run has no trained model" in response.json()["error"]["message"]
    assert not Endpoint.objects.exists()


def test_bad_names_and_other_workspaces_names_are_refused(client, reference_run, django_user_model) -> None:
    for name in ("Bad Name", "-x", "a" * 64, "", 7):
        response = client.post(
            f"/api/v1/runs/{reference_run.pk}/deploy/", {"name": name}, content_type="application/json"
        )
        assert response.status_code == 400 and response.json()["error"]["field"] == "name", name
    deploy(client, reference_run, "taken")
    other = django_user_model.objects.create_user("other", password="a long test password")
    other_client = Client()
    other_client.force_login(other)
    other_run = completed_run(other, g.reference_graph())
    response = other_client.post(
        f"/api/v1/runs/{other_run.pk}/deploy/", {"name": "taken"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert other_client.get("/api/v1/endpoints/taken/").status_code == 404
    assert (
        other_client.post(
            f"/api/v1/runs/{reference_run.pk}/deploy/", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_a_run_whose_scores_differ_fails_parity_showing_the_rows(client, reference_run) -> None:
    step = Step.objects.get(run=reference_run, node_id="score")
    scored = store.load_value("dataset", step.outputs["scored_dataset"])
    frame = scored.df.copy()
    frame.loc[3, "Scored Probabilities"] = 0.123
    step.outputs = {**step.outputs, "scored_dataset": store.save_value("dataset", scored.with_frame(frame))}
    step.save()
    reply = deploy(client, reference_run, "tampered")
    assert reply["status"] == "failed" and reply["deployment"]["status"] == "failed"
    parity = reply["deployment"]["parity"]
    assert not parity["ok"] and parity["rows_with_differences"] == 1
    difference = parity["differences"][0]
    assert (
        difference["row"] == 3
        and difference["column"] == "Scored Probabilities"
        and difference["expected"] == 0.123
    )
    assert "mean radius" in difference["input"]
    assert "differ" in reply["status_reason"]
    response = score(client, "tampered", reply["consume"]["example_request"], reply["new_keys"]["primary"])
    assert response.status_code == 503 and response.json()["error"]["code"] == "not_ready"


def test_redeploying_adds_versions_rollback_and_traffic_split(client, user, reference_run) -> None:
    first = deploy(client, reference_run, "versions")
    key = first["new_keys"]["primary"]
    example = first["consume"]["example_request"]
    second_run = completed_run(user, g.reference_graph("MinMax"))
    second = deploy(client, second_run, "versions")
    assert "new_keys" not in second and second["traffic"] == {"2": 100}
    assert [v["number"] for v in second["versions"]] == [1, 2]
    assert score(client, "versions", example, key)["X-Endpoint-Version"] == "2"

    rolled = client.patch("/api/v1/endpoints/versions/", {"version": 1}, content_type="application/json")
    assert rolled.status_code == 200 and rolled.json()["traffic"] == {"1": 100}
    assert score(client, "versions", example, key)["X-Endpoint-Version"] == "1"

    split = client.patch(
        "/api/v1/endpoints/versions/", {"traffic": {"1": 70, "2": 30}}, content_type="application/json"
    )
    assert split.status_code == 200 and split.json()["serving_versions"] == [1, 2]
    answered = collections.Counter(
        score(client, "versions", example, key)["X-Endpoint-Version"] for _ in range(300)
    )
    assert set(answered) == {"1", "2"} and 150 <= answered["1"] <= 270, answered
    # Either version can be asked for by number.
    assert score(client, "versions", example, key, **{"X-Endpoint-Version": "2"})["X-Endpoint-Version"] == "2"
    assert score(client, "versions", example, key, **{"X-Endpoint-Version": "9"}).status_code == 404

    for bad in (
        {"traffic": {"1": 50}},
        {"traffic": {"1": 50, "3": 50}},
        {"traffic": {"1": 40, "2": 40, "3": 20}},
        {"version": 5},
        {"nope": 1},
        {"traffic": {"1": "100"}},
    ):
        response = client.patch("/api/v1/endpoints/versions/", bad, content_type="application/json")
        assert response.status_code == 400, (bad, response.content)
    assert Endpoint.objects.get(name="versions").traffic == {"1": 70, "2": 30}


def test_regenerated_keys_are_shown_once_and_the_old_key_stops_working(client, reference_run) -> None:
    reply = deploy(client, reference_run, "rotate")
    old, secondary = reply["new_keys"]["primary"], reply["new_keys"]["secondary"]
    example = reply["consume"]["example_request"]
    assert score(client, "rotate", example, old).status_code == 200
    response = client.post(
        "/api/v1/endpoints/rotate/keys/", {"slot": "primary"}, content_type="application/json"
    )
    assert response.status_code == 200
    new = response.json()["key"]
    assert new != old and response.json()["slot"] == "primary"
    assert score(client, "rotate", example, old).status_code == 401
    assert score(client, "rotate", example, new).status_code == 200
    assert score(client, "rotate", example, secondary).status_code == 200
    assert score(client, "rotate", example, None).status_code == 401
    assert (
        client.post(
            "/api/v1/endpoints/rotate/keys/", {"slot": "tertiary"}, content_type="application/json"
        ).status_code
        == 400
    )
    assert new not in json.dumps(client.get("/api/v1/endpoints/rotate/").json())


def test_the_test_form_scores_with_the_session_and_csrf(reference_run, user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    csrf = client.get("/api/v1/auth/csrf/").json()["csrfToken"]
    response = client.post(
        f"/api/v1/runs/{reference_run.pk}/deploy/",
        {"name": "form"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    example = response.json()["consume"]["example_request"]
    without = client.post("/api/v1/endpoints/form/score/", example, content_type="application/json")
    assert without.status_code == 403
    ok = client.post(
        "/api/v1/endpoints/form/score/", example, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert ok.status_code == 200 and "predictions" in ok.json()


def test_metrics_count_requests_errors_latency_and_drift(client, reference_run) -> None:
    reply = deploy(client, reference_run, "watched")
    key = reply["new_keys"]["primary"]
    rows = reply["consume"]["example_request"]["inputs"]
    for _ in range(5):
        assert score(client, "watched", {"inputs": rows}, key).status_code == 200
    assert score(client, "watched", {"inputs": [{"x": 1}]}, key).status_code == 400
    assert score(client, "watched", {"inputs": rows}, "wrong").status_code == 401
    shifted = [{k: v * 3 for k, v in rows[0].items()}] * 50
    assert score(client, "watched", {"inputs": shifted}, key).status_code == 200
    metrics = client.get("/api/v1/endpoints/watched/metrics/?window=600&bucket=60").json()
    assert metrics["totals"]["requests"] == 8 and metrics["totals"]["errors"] == 2
    assert metrics["error_codes"] == {"missing_column": 1, "invalid_key": 1}
    version = metrics["versions"]["1"]
    assert version["totals"]["requests"] == 7 and version["totals"]["rows"] == 55
    assert (
        version["totals"]["p50_ms"] > 0
        and version["totals"]["p99_ms"] >= version["totals"]["p95_ms"] >= version["totals"]["p50_ms"]
    )
    assert version["series"] and {"start", "requests", "p50_ms", "p95_ms", "p99_ms", "errors"} <= set(
        version["series"][0]
    )
    drift = metrics["drift"]["1"]
    assert drift["sample_rows"] == 55
    by_name = {f["name"]: f for f in drift["features"]}
    assert by_name["mean radius"]["psi"] > 0.25 and by_name["mean radius"]["status"] == "significant"
    assert RequestLog.objects.count() == 8
    assert client.get("/api/v1/endpoints/watched/metrics/?window=5").status_code == 400


def test_openapi_document_describes_the_input_schema_with_an_example(client, reference_run) -> None:
    deploy(client, reference_run, "documented")
    doc = client.get("/api/v1/endpoints/documented/openapi/").json()
    assert doc["openapi"].startswith("3.") and "/score/documented" in doc["paths"]
    row = doc["components"]["schemas"]["Row"]
    assert row["properties"]["mean radius"]["type"] == "number" and "diagnosis" not in row["properties"]
    examples = doc["paths"]["/score/documented"]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    assert set(examples) == {"ours", "reference", "mlflow_records", "mlflow_split"}
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_an_edited_inference_graph_is_deployed_after_its_own_parity_check(client, reference_run) -> None:
    derived = client.get(f"/api/v1/runs/{reference_run.pk}/inference-graph/").json()["graph"]
    edited = json.loads(json.dumps(derived))
    edited["nodes"].append(
        {
            "id": "only",
            "module": "data_transformation.select_columns_in_dataset",
            "module_version": 1,
            "params": {"select_columns": ["Scored Labels"]},
        }
    )
    edited["edges"] = [e for e in edited["edges"] if e["target"] != "web_service_output"] + [
        {"source": "score", "source_port": "scored_dataset", "target": "only", "target_port": "dataset"},
        {
            "source": "only",
            "source_port": "results_dataset",
            "target": "web_service_output",
            "target_port": "dataset",
        },
    ]
    reply = deploy(client, reference_run, "edited", graph=edited)
    assert reply["status"] == "healthy", reply["status_reason"]
    response = score(
        client,
        "edited",
        {"Inputs": {"WebServiceInput0": reply["consume"]["example_request"]["inputs"]}},
        reply["new_keys"]["primary"],
    )
    assert list(response.json()["Results"]["WebServiceOutput0"][0]) == ["Scored Labels"]

    training = json.loads(json.dumps(derived))
    training["nodes"].append(
        {"id": "t", "module": "model_training.train_model", "module_version": 1, "params": {}}
    )
    response = client.post(
        f"/api/v1/runs/{reference_run.pk}/deploy/",
        {"name": "edited", "graph": training},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_allowed_at_inference"
    forged = json.loads(json.dumps(derived))
    forged["bindings"]["score"]["trained_model"]["digest"] = "0" * 64
    response = client.post(
        f"/api/v1/runs/{reference_run.pk}/deploy/",
        {"name": "edited", "graph": forged},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_binding"


def test_versions_list_their_graphs_and_an_endpoint_can_be_deleted(client, reference_run) -> None:
    deploy(client, reference_run, "gone")
    versions = client.get("/api/v1/endpoints/gone/versions/").json()
    assert versions[0]["graph"]["nodes"] and versions[0]["parity"]["ok"]
    assert client.get("/api/v1/endpoints/").json()[0]["name"] == "gone"
    assert client.delete("/api/v1/endpoints/gone/").status_code == 204
    assert not EndpointVersion.objects.exists()
    assert (
        Client().post("/api/v1/endpoints/gone/score/", "{}", content_type="application/json").status_code
        == 404
    )
