"""The run websocket over the real ASGI server: session or token, origin-checked, members only."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from designer.graphs import services as graphs
from designer.runs.models import Experiment, Run, RunEvent
from designer.workspaces import services as workspaces
from designer.workspaces import tokens
from designer.workspaces.models import Membership
from tests.designer.api.world import GRAPH

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(django_user_model):
    make = django_user_model.objects.create_user
    alice, bob, rita = (make(name, password=f"{name} long password 1") for name in ("alice", "bob", "rita"))
    team = workspaces.create_workspace(alice, "team")
    Membership.objects.create(workspace=team, user=rita, role="reader")
    pipeline = graphs.create_pipeline(team, alice, "p", GRAPH)
    run = Run.objects.create(
        workspace=team,
        experiment=Experiment.objects.create(workspace=team, name="e"),
        pipeline_version=graphs.freeze_version(pipeline, GRAPH),
        created_by=alice,
    )
    RunEvent.objects.create(run=run, kind="run_queued", payload={"steps": 1})
    return {"alice": alice, "bob": bob, "rita": rita, "run": str(run.pk)}


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def first_event(base: str, run_id: str, *, query: str = "", origin: str | None = None, **options) -> dict:
    url = base.replace("http://", "ws://") + f"/ws/runs/{run_id}/{query}"
    headers = {"Origin": origin or base, **options.pop("headers", {})}
    if origin == "":
        headers.pop("Origin")
    with connect(url, additional_headers=headers, open_timeout=10, **options) as socket:
        return json.loads(socket.recv(timeout=10))


def refused(base: str, run_id: str, **kwargs) -> None:
    with pytest.raises(InvalidStatus) as error:
        first_event(base, run_id, **kwargs)
    assert error.value.response.status_code == 403


def test_members_read_by_session_and_strangers_are_refused(live_server_url, scene) -> None:
    run = scene["run"]
    for member in ("alice", "rita"):  # the owner and a reader
        event = first_event(live_server_url, run, headers={"Cookie": session_cookie(scene[member])})
        assert event["kind"] == "run_queued"
    refused(live_server_url, run, headers={"Cookie": session_cookie(scene["bob"])})
    refused(live_server_url, run)  # nobody at all


def test_tokens_by_query_or_subprotocol(live_server_url, scene) -> None:
    run = scene["run"]
    alice_token, alice_raw = tokens.create_token(scene["alice"], "ws")
    _, bob_raw = tokens.create_token(scene["bob"], "ws")
    assert first_event(live_server_url, run, query=f"?token={alice_raw}")["kind"] == "run_queued"
    assert first_event(live_server_url, run, subprotocols=["designer", f"bearer.{alice_raw}"])["kind"] == (
        "run_queued"
    )
    refused(live_server_url, run, query=f"?token={bob_raw}")
    tokens.revoke(alice_token)
    refused(live_server_url, run, query=f"?token={alice_raw}")
    # A bad token is not rescued by a session cookie that came along.
    refused(
        live_server_url, run, query="?token=dsn_wrong", headers={"Cookie": session_cookie(scene["alice"])}
    )


def test_foreign_or_missing_origins_are_refused(live_server_url, scene) -> None:
    cookie = session_cookie(scene["alice"])
    refused(live_server_url, scene["run"], origin="http://evil.example", headers={"Cookie": cookie})
    refused(live_server_url, scene["run"], origin="", headers={"Cookie": cookie})
