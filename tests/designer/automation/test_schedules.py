"""Schedules: cron and interval ticks, the beat entry each schedule owns, and triggering at most once per
tick. (The real beat and worker are in test_scheduler_live.py.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from designer.automation import cron, services
from designer.automation.models import Schedule, ScheduleTrigger
from designer.runs.models import Run

from .graphs import tiny_graph

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return (
        datetime.fromisoformat(text).replace(tzinfo=UTC) if "+" not in text else datetime.fromisoformat(text)
    )


# -- ticks ------------------------------------------------------------------------------------------
def test_cron_ticks_in_a_time_zone() -> None:
    nightly = cron.parse_cron("30 2 * * *")
    paris = ZoneInfo("Europe/Paris")
    # 02:30 in Paris is 01:30 UTC in winter and 00:30 UTC in summer.
    assert cron.latest_cron_tick(nightly, paris, at("2025-01-10T05:00:00")) == at("2025-01-10T01:30:00")
    assert cron.latest_cron_tick(nightly, paris, at("2025-07-10T00:29:59")) == at("2025-07-09T00:30:00")
    assert cron.next_cron_tick(nightly, paris, at("2025-07-10T00:29:59")) == at("2025-07-10T00:30:00")
    weekdays = cron.parse_cron("*/15 9-17 * * mon-fri")
    # Saturday 10:07 UTC: the latest tick is Friday 17:45.
    assert cron.latest_cron_tick(weekdays, ZoneInfo("UTC"), at("2025-03-08T10:07:00")) == at(
        "2025-03-07T17:45:00"
    )
    assert cron.next_cron_tick(weekdays, ZoneInfo("UTC"), at("2025-03-08T10:07:00")) == at(
        "2025-03-10T09:00:00"
    )
    assert cron.parse_cron("@daily").expression == "0 0 * * *"
    for bad in ("* * *", "61 * * * *", "0 0 * * funday", ""):
        with pytest.raises(cron.ScheduleSpecError):
            cron.parse_cron(bad)


def test_interval_ticks_count_from_the_anchor() -> None:
    anchor = at("2025-01-01T00:00:00")
    assert cron.latest_interval_tick(anchor, 60, at("2025-01-01T00:02:59")) == at("2025-01-01T00:02:00")
    assert cron.latest_interval_tick(anchor, 60, at("2025-01-01T00:03:00")) == at("2025-01-01T00:03:00")
    assert cron.next_interval_tick(anchor, 60, at("2025-01-01T00:03:00")) == at("2025-01-01T00:04:00")


# -- the API and the beat entry ---------------------------------------------------------------------
@pytest.fixture
def published(api) -> str:
    pipeline = api.post(
        "/api/v1/pipelines/", {"name": "tiny", "graph": tiny_graph()}, content_type="application/json"
    )
    response = api.post(
        f"/api/v1/pipelines/{pipeline.json()['id']}/publish/",
        {"name": "tiny"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return "tiny"


def post(api: Client, **body: Any) -> Any:
    return api.post("/api/v1/schedules/", body, content_type="application/json")


def test_a_schedule_owns_a_beat_entry_kept_in_step(api, published) -> None:
    response = post(
        api,
        pipeline_endpoint=published,
        name="nightly",
        cron="0 2 * * *",
        timezone="Europe/Paris",
        parameters={"rows": "a\n1\n"},
        end_at="2099-01-01T00:00:00Z",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cron"] == "0 2 * * *" and body["next_run_at"] and body["enabled"]
    task = PeriodicTask.objects.get(name=f"automation.schedule.{body['id']}")
    assert task.task == "automation.trigger_schedule" and json.loads(task.kwargs) == {
        "schedule_id": body["id"]
    }
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == ("0", "2", "Europe/Paris")
    assert task.interval is None and task.enabled and task.expires.year == 2099

    changed = api.patch(
        f"/api/v1/schedules/{body['id']}/", {"interval_seconds": 3600}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["cron"] is None and changed.json()["interval_seconds"] == 3600
    task.refresh_from_db()
    assert task.crontab is None and task.interval.every == 3600

    api.patch(f"/api/v1/schedules/{body['id']}/", {"enabled": False}, content_type="application/json")
    task.refresh_from_db()
    assert not task.enabled
    assert api.get(f"/api/v1/schedules/{body['id']}/").json()["next_run_at"] is None
    assert [s["name"] for s in api.get("/api/v1/schedules/?pipeline_endpoint=tiny").json()] == ["nightly"]

    assert api.delete(f"/api/v1/schedules/{body['id']}/").status_code == 204
    assert not PeriodicTask.objects.filter(name=f"automation.schedule.{body['id']}").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cron": "0 2 * * *", "interval_seconds": 60}, "cron"),
        ({}, "cron"),
        ({"cron": "0 25 * * *"}, "cron"),
        ({"interval_seconds": 5}, "interval_seconds"),
        ({"cron": "@hourly", "timezone": "Mars/Olympus"}, "timezone"),
        ({"cron": "@hourly", "start_at": "2030-01-02T00:00:00Z", "end_at": "2030-01-01T00:00:00Z"}, "end_at"),
        ({"cron": "@hourly", "version": 9}, "version"),
    ],
)
def test_bad_schedules_are_refused_naming_the_field(api, published, body, field) -> None:
    response = post(api, pipeline_endpoint=published, **body)
    assert response.status_code in (400, 404), response.content
    assert response.json()["error"].get("field") == field, response.json()


def test_parameter_overrides_are_checked_when_the_schedule_is_made(api, published) -> None:
    response = post(api, pipeline_endpoint=published, cron="@hourly", parameters={"colour": "red"})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["problems"][0]["parameter"] == "colour"


# -- triggering -------------------------------------------------------------------------------------
@pytest.fixture
def schedule(api, published, settings) -> Schedule:
    settings.AUTOMATION_MIN_INTERVAL_SECONDS = 1
    body = post(api, pipeline_endpoint=published, interval_seconds=10, parameters={"rows": "z\n9\n"}).json()
    return Schedule.objects.get(pk=body["id"])


def test_each_tick_triggers_once_whatever_sends_it(schedule) -> None:
    anchor = schedule.anchor_at
    first = services.trigger_schedule(schedule.pk, now=anchor + timedelta(seconds=10.2))
    # The same tick again (a duplicate message, a beat restarted before it saved its state).
    again = services.trigger_schedule(schedule.pk, now=anchor + timedelta(seconds=19.9))
    following = services.trigger_schedule(schedule.pk, now=anchor + timedelta(seconds=20.1))
    assert (first, again, following) == ("submitted", "duplicate", "submitted")
    triggers = list(ScheduleTrigger.objects.filter(schedule=schedule).order_by("due_at"))
    assert [t.due_at - anchor for t in triggers] == [timedelta(seconds=10), timedelta(seconds=20)]
    assert triggers[0].key == services.trigger_key(schedule.pk, anchor + timedelta(seconds=10))
    runs = Run.objects.filter(pk__in=[t.run_id for t in triggers])
    assert runs.count() == 2
    assert all(r.options["parameters"] == {"rows": "z\n9\n"} for r in runs)
    assert all(f"schedule:{schedule.pk}" in r.tags for r in runs)


def test_disabled_ended_and_not_started_schedules_trigger_nothing(api, schedule) -> None:
    now = schedule.anchor_at + timedelta(seconds=30)
    Schedule.objects.filter(pk=schedule.pk).update(enabled=False)
    assert services.trigger_schedule(schedule.pk, now=now) == "disabled"
    Schedule.objects.filter(pk=schedule.pk).update(enabled=True, end_at=now - timedelta(seconds=1))
    assert services.trigger_schedule(schedule.pk, now=now) == "ended"
    Schedule.objects.filter(pk=schedule.pk).update(end_at=None, start_at=now + timedelta(seconds=1))
    assert services.trigger_schedule(schedule.pk, now=now) == "not_started"
    assert not ScheduleTrigger.objects.exists()
    # A schedule gone with its workspace: the orphaned beat entry is removed by its next trigger.
    pk = schedule.pk
    Schedule.objects.filter(pk=pk).delete()
    assert services.trigger_schedule(pk) == "missing"
    assert not PeriodicTask.objects.filter(name=f"automation.schedule.{pk}").exists()


def test_a_failed_trigger_is_recorded_and_notified(api, schedule) -> None:
    services.update_schedule(schedule, schedule.created_by, {"parameters": {}})
    # The published version becomes unusable for this schedule: a parameter now without a value.
    version = schedule.published.versions.get()
    graph = dict(version.pipeline_version.graph)
    graph["parameters"] = [{"name": "rows", "type": "string"}]
    type(version.pipeline_version).objects.filter(pk=version.pipeline_version_id).update(graph=graph)
    assert services.trigger_schedule(schedule.pk, now=schedule.anchor_at + timedelta(seconds=11)) == "failed"
    history = api.get(f"/api/v1/schedules/{schedule.pk}/runs/").json()
    assert history[0]["status"] == "failed" and "'rows'" in history[0]["error"] and history[0]["run"] is None
    notes = api.get("/api/v1/notifications/").json()["results"]
    assert notes[0]["kind"] == "schedule_failed"
