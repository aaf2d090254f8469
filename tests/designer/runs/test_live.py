"""Live events over the real ASGI server: a client that reconnects resumes with no gap and no duplicate."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.sync.client import connect

from designer.runs.models import RunEvent
from tests.designer.runs import graphs as g

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _session(base: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    client.get("/api/v1/auth/csrf/")
    response = client.post(
        "/api/v1/auth/login/",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 200, response.text
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client


def _ws(base: str, client: httpx.Client, run_id: str, after: int):
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    url = base.replace("http://", "ws://") + f"/ws/runs/{run_id}/?after={after}"
    return connect(url, additional_headers={"Cookie": cookie, "Origin": base}, open_timeout=10)


def test_websocket_resume_has_no_gap_and_no_duplicate(
    live_server_url, celery_worker, django_user_model
) -> None:
    django_user_model.objects.create_user("watcher", password="a long test password")
    client = _session(live_server_url, "watcher", "a long test password")
    pipeline = client.post("/api/v1/pipelines/", json={"name": "live", "graph": g.sleeper_graph(1.0)}).json()
    run_id = client.post(f"/api/v1/pipelines/{pipeline['id']}/runs/", json={}).json()["id"]

    received: list[dict] = []
    with _ws(live_server_url, client, run_id, 0) as socket:
        while len(received) < 3:
            received.append(json.loads(socket.recv(timeout=30)))
    # Disconnected mid-run; events keep being written. Reconnect from the last id seen.
    with _ws(live_server_url, client, run_id, received[-1]["id"]) as socket:
        while received[-1]["kind"] != "run_finished":
            received.append(json.loads(socket.recv(timeout=60)))

    ids = [e["id"] for e in received]
    stored = list(RunEvent.objects.filter(run_id=run_id).order_by("id").values_list("id", flat=True))
    assert ids == stored, "every stored event exactly once, in order"
    kinds = [e["kind"] for e in received]
    assert kinds.count("step_completed") == 4 and kinds[-1] == "run_finished"


def test_websocket_refuses_strangers(live_server_url, celery_worker, django_user_model) -> None:
    django_user_model.objects.create_user("owner", password="a long test password")
    django_user_model.objects.create_user("stranger", password="a long test password")
    owner = _session(live_server_url, "owner", "a long test password")
    pipeline = owner.post(
        "/api/v1/pipelines/", json={"name": "private", "graph": g.sleeper_graph(0.1)}
    ).json()
    run_id = owner.post(f"/api/v1/pipelines/{pipeline['id']}/runs/", json={}).json()["id"]
    stranger = _session(live_server_url, "stranger", "a long test password")
    assert stranger.get(f"/api/v1/runs/{run_id}/").status_code == 404
    with pytest.raises(Exception), _ws(live_server_url, stranger, run_id, 0) as socket:  # noqa: B017 - closed or refused
        socket.recv(timeout=10)
