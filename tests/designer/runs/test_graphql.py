"""GraphQL mirrors the run reads and the submit/cancel mutations, scoped like REST."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.designer.runs import graphs as g

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _gql(client: Client, query: str, **variables):
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_submit_read_and_cancel_through_graphql(engine_api, celery_worker, django_user_model) -> None:
    pipeline = engine_api.create_pipeline(g.sleeper_graph(0.1))
    submitted = _gql(
        engine_api.client,
        "mutation($p: ID!) { submitRun(pipeline: $p) { run { id status } problems } }",
        p=pipeline,
    )["data"]["submitRun"]
    assert submitted["problems"] == []
    run_id = submitted["run"]["id"]
    engine_api.wait(run_id)
    run = _gql(
        engine_api.client, "query($id: ID!) { run(id: $id) { status steps { node status } } }", id=run_id
    )
    assert run["data"]["run"]["status"] == "completed"
    assert {s["status"] for s in run["data"]["run"]["steps"]} == {"completed"}
    listed = _gql(engine_api.client, "{ runs { id } pipelines { id name } }")["data"]
    assert [r["id"] for r in listed["runs"]] == [run_id] and listed["pipelines"][0]["id"] == pipeline

    stranger = Client()
    stranger.force_login(django_user_model.objects.create_user("stranger", password="another long password"))
    assert _gql(stranger, "{ runs { id } }")["data"]["runs"] == []
    refused = _gql(stranger, "mutation($id: ID!) { cancelRun(id: $id) { run { id } } }", id=run_id)
    assert refused["errors"][0]["extensions"]["code"] == "not_found"


def test_graphql_over_a_session_needs_the_csrf_token(user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/graphql/", {"query": "{ runs { id } }"}, content_type="application/json")
    assert response.status_code == 403
