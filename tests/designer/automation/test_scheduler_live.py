"""A schedule run by a real ``celery beat`` (database scheduler) and a real worker: runs on time, a
killed and restarted beat does not trigger a tick twice, and disabling stops it."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from designer import embedded
from designer.automation import services
from designer.automation.models import Schedule, ScheduleTrigger
from designer.graphs.services import create_pipeline
from designer.runs.models import Run, RunStatus
from designer.workspaces.services import personal_workspace
from tests import services as processes
from tests.designer.automation.graphs import tiny_graph

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

INTERVAL = 2


def start_beat(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """``celery beat`` exactly as `make run` and docker compose start it."""
    out = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        embedded.scheduler_command(),
        cwd=processes.ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        preexec_fn=embedded._die_with_parent,
    )


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def triggers(schedule: Schedule) -> list[ScheduleTrigger]:
    return list(ScheduleTrigger.objects.filter(schedule=schedule).order_by("due_at"))


def test_beat_triggers_on_time_survives_a_restart_and_stops_when_disabled(
    django_user_model, settings, celery_worker, child_env, worker_log_dir
) -> None:
    settings.AUTOMATION_MIN_INTERVAL_SECONDS = 1
    user = django_user_model.objects.create_user("scheduler", password="a long test password")
    pipeline = create_pipeline(personal_workspace(user), user, "tiny", tiny_graph())
    published = services.publish(pipeline, user, "tiny-every-2s").published
    schedule = services.create_schedule(
        published, user, {"interval_seconds": INTERVAL, "parameters": {"rows": "v\n1\n2\n"}}
    )
    log = worker_log_dir / "beat.log"
    beat = start_beat(child_env, log)
    try:
        wait_until(lambda: len(triggers(schedule)) >= 3, 40, "three triggers")
        first = triggers(schedule)
        for trigger in first:
            offset = (trigger.due_at - schedule.anchor_at).total_seconds()
            assert offset > 0 and abs(offset / INTERVAL - round(offset / INTERVAL)) < 1e-6, "on the grid"
            # On time: recorded within a couple of seconds of its tick (beat wakes, the worker submits).
            assert timedelta(0) <= trigger.created_at - trigger.due_at < timedelta(seconds=INTERVAL + 2.5)
        gaps = {(b.due_at - a.due_at).total_seconds() for a, b in zip(first, first[1:], strict=False)}
        assert gaps <= {float(INTERVAL), 2.0 * INTERVAL}, gaps

        # Kill beat outright (it cannot save what it last sent) and start it again.
        beat.send_signal(signal.SIGKILL)
        beat.wait()
        before_restart = len(triggers(schedule))
        beat = start_beat(child_env, log)
        wait_until(lambda: len(triggers(schedule)) >= before_restart + 2, 40, "triggers after the restart")
        # Two more copies of the message at once, as a duplicated delivery would: one tick, one run.
        from designer.automation.tasks import trigger_schedule

        trigger_schedule.delay(schedule.pk)
        trigger_schedule.delay(schedule.pk)
        time.sleep(1.5)

        # Disabling stops it: nothing after the change (bar a message already being handled).
        services.update_schedule(schedule, user, {"enabled": False})
        at_disable = len(triggers(schedule))
        time.sleep(INTERVAL * 2.5)
        settled = len(triggers(schedule))
        assert settled <= at_disable + 1
        time.sleep(INTERVAL * 2)
        assert len(triggers(schedule)) == settled, "a disabled schedule triggered"
    finally:
        processes.stop_process(beat)

    every = triggers(schedule)
    dues = [t.due_at for t in every]
    assert len(dues) == len(set(dues)), "one trigger per tick"
    runs = Run.objects.filter(pk__in=[t.run_id for t in every])
    assert [t.status for t in every] == ["submitted"] * len(every)
    assert runs.count() == len(every), "one run per trigger"
    tagged = [
        r for r in Run.objects.filter(workspace=schedule.workspace) if f"schedule:{schedule.pk}" in r.tags
    ]
    assert len(tagged) == len(every), "no run outside the triggers"
    # Never more runs than ticks that have passed since the schedule was made.
    elapsed = (timezone.now() - schedule.anchor_at).total_seconds()
    assert len(every) <= elapsed // INTERVAL
    wait_until(
        lambda: not runs.exclude(status=RunStatus.COMPLETED).exists(), 30, "the scheduled runs to complete"
    )
    history = {h["run"]: h for h in _history(user, schedule)}
    assert all(history[str(r.pk)]["run_status"] == "completed" for r in runs)


def _history(user, schedule: Schedule) -> list[dict]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get(f"/api/v1/schedules/{schedule.pk}/runs/").json()
