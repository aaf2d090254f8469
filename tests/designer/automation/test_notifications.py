"""Notifications in the app (finished runs, deploys, reading them) and to a workspace webhook: private and
loopback addresses refused after resolution, delivery signed, and retried. No outside address is ever
contacted: delivery goes to a local server, allowed explicitly by a test setting."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from designer.automation import notifications, sweep
from designer.automation.models import Notification, Webhook
from designer.graphs.services import create_pipeline
from designer.runs import engine
from designer.runs.models import Run, RunStatus
from designer.workspaces import services as workspaces

from .graphs import tiny_graph

pytestmark = pytest.mark.django_db


def finish(run: Run, status: str, error: str = "") -> None:
    Run.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(), error=error)


def test_finished_runs_are_notified_once_to_whoever_ran_them(api, user, workspace, other_user) -> None:
    pipeline = create_pipeline(workspace, user, "tiny", tiny_graph())
    ok, broken = engine.submit(pipeline, user), engine.submit(pipeline, user, parameters={"rows": "q\n1\n"})
    finish(ok, RunStatus.COMPLETED)
    finish(broken, RunStatus.FAILED, "Enter Data failed: bad rows.")
    assert sweep.sweep()["runs"] == 2
    assert sweep.sweep()["runs"] == 0, "each run once"
    body = api.get("/api/v1/notifications/").json()
    assert body["unread"] == 2
    by_kind = {n["kind"]: n for n in body["results"]}
    assert by_kind["run_failed"]["message"] == "Enter Data failed: bad rows."
    assert (
        by_kind["run_completed"]["link"]["run"] == str(ok.pk)
        and by_kind["run_completed"]["level"] == "success"
    )

    read = api.post(f"/api/v1/notifications/{by_kind['run_failed']['id']}/read/")
    assert read.status_code == 204
    assert [n["kind"] for n in api.get("/api/v1/notifications/?unread=true").json()["results"]] == [
        "run_completed"
    ]
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/").json()["unread"] == 0

    outsider = Client()
    outsider.force_login(other_user)
    assert outsider.get("/api/v1/notifications/").json() == {"unread": 0, "results": []}
    assert outsider.post(f"/api/v1/notifications/{by_kind['run_failed']['id']}/read/").status_code == 404


# -- webhook addresses ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",  # a name that resolves to loopback
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://0.0.0.0/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "ftp://example.com/hook",
        "http://user:secret@203.0.113.5/hook",
        "http://no-such-host.invalid/hook",
    ],
)
def test_webhooks_to_private_addresses_are_refused(api, workspace, url) -> None:
    response = api.put(
        f"/api/v1/workspaces/{workspace.pk}/webhook/", {"url": url}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert (
        response.json()["error"]["code"] == "webhook_url_refused"
        and response.json()["error"]["field"] == "url"
    )
    assert not Webhook.objects.exists()


def test_a_public_address_is_accepted_and_only_owners_manage_it(api, user, other_user) -> None:
    team = workspaces.create_workspace(user, "team")
    workspaces.add_member(team, user, other_user.username, "contributor")
    url = f"/api/v1/workspaces/{team.pk}/webhook/"
    # An address literal: accepted without a DNS lookup, and nothing is sent in this test.
    saved = api.put(
        url,
        {"url": "https://93.184.216.34/hooks/designer", "events": ["drift_alert"]},
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["secret"].startswith("whsec_") and saved.json()["events"] == ["drift_alert"]
    contributor = Client()
    contributor.force_login(other_user)
    assert contributor.get(url).status_code == 403
    bad_events = api.put(
        url, {"url": "https://93.184.216.34/", "events": ["everything"]}, content_type="application/json"
    )
    assert bad_events.json()["error"]["field"] == "events"
    assert api.delete(url).status_code == 204 and api.get(url).status_code == 404


# -- delivery to a local server ----------------------------------------------------------------------
class Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 204

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"headers": dict(self.headers), "body": body})
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    handler = type("LocalReceiver", (Receiver,), {"received": [], "status": 204})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/designer?team=ml", handler
    finally:
        server.shutdown()
        server.server_close()


def test_delivery_is_signed_retried_and_refused_once_loopback_is_not_allowed(
    api, workspace, receiver, settings
) -> None:
    url, handler = receiver
    settings.AUTOMATION_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    saved = api.put(
        f"/api/v1/workspaces/{workspace.pk}/webhook/", {"url": url}, content_type="application/json"
    )
    assert saved.status_code == 200, saved.content
    secret = saved.json()["secret"]

    note = notifications.notify(
        workspace.pk, "drift_alert", "Drift", "mean radius", dedupe_key="t1", level="warning"
    )
    assert note is not None and note.webhook_state == "pending"
    assert notifications.deliver(note.pk) == "delivered"
    [request] = handler.received
    headers, body = request["headers"], request["body"]
    expected = hmac.new(
        secret.encode(), headers["X-Designer-Timestamp"].encode() + b"." + body, hashlib.sha256
    )
    assert headers["X-Designer-Signature"] == f"sha256={expected.hexdigest()}"
    assert headers["X-Designer-Event"] == "drift_alert"
    assert json.loads(body) | {"created_at": None} == {
        "id": note.pk, "kind": "drift_alert", "level": "warning", "title": "Drift", "message": "mean radius",
        "link": {}, "data": {}, "workspace": workspace.pk, "created_at": None,
    }  # fmt: skip
    assert notifications.deliver(note.pk) == "delivered", "delivered once"
    assert len(handler.received) == 1

    # A failing receiver: retried later with backoff, then delivered by the sweep.
    handler.status = 500
    failing = notifications.notify(workspace.pk, "run_failed", "Run failed", dedupe_key="t2")
    assert notifications.deliver(failing.pk) == "failed"
    failing.refresh_from_db()
    assert failing.webhook_attempts == 1 and "HTTP 500" in failing.webhook_error
    assert failing.webhook_next_at > timezone.now()
    handler.status = 200
    assert notifications.retry_due_deliveries(timezone.now() + timedelta(minutes=1)) == 1
    failing.refresh_from_db()
    assert failing.webhook_state == "delivered" and failing.webhook_attempts == 2

    test = api.post(f"/api/v1/workspaces/{workspace.pk}/webhook/test/").json()
    assert test == {"state": "delivered", "error": ""}

    # Without the test setting, loopback is refused at delivery too (after the URL was saved).
    settings.AUTOMATION_WEBHOOK_ALLOWED_NETWORKS = []
    refused = notifications.notify(workspace.pk, "drift_alert", "Drift again", dedupe_key="t3")
    assert notifications.deliver(refused.pk) == "refused"
    refused.refresh_from_db()
    assert "127.0.0.1" in refused.webhook_error and "loopback" in refused.webhook_error
    assert len(handler.received) == 4  # t1, t2 failed then retried, the test ping; not t3
    # Kinds the webhook does not subscribe to are not sent at all.
    Webhook.objects.filter(workspace=workspace).update(events=["deploy_failed"])
    skipped = notifications.notify(workspace.pk, "run_completed", "Done", dedupe_key="t4")
    assert skipped.webhook_state == ""
    assert Notification.objects.filter(webhook_state="pending").count() == 0
