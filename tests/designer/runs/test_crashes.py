"""Workers killed in the middle of a step: the engine recovers without losing or doubling a step."""

from __future__ import annotations

import os
import signal
import time
import uuid

import psutil
import pytest

from designer.celery_app import app
from designer.runs import engine
from designer.runs.models import RunEvent, Step
from tests import services
from tests.designer.runs import graphs as g

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def only_worker(child_env, worker_log_dir):
    """Start a dedicated worker and make it the only consumer of the cpu queue for this test.

    Only the cpu queue is paused and given back: adding a gpu consumer to workers that had none would
    make later tests believe a gpu worker exists."""
    others = [name for reply in (app.control.ping(timeout=1.0) or []) for name in reply]
    if others:
        app.control.cancel_consumer("cpu", destination=others, reply=True, timeout=5)
    started = []

    def start() -> tuple[psutil.Process, str]:
        name = f"crash-{uuid.uuid4().hex[:6]}"
        proc = services.start_worker(
            child_env, ("cpu",), concurrency=1, name=name, log_path=worker_log_dir / f"{name}.log"
        )
        started.append(proc)
        return psutil.Process(proc.pid), services.wait_for_worker(app, name, proc=proc)

    yield start
    for proc in started:
        services.stop_process(proc)
    if others:
        app.control.add_consumer("cpu", destination=others, reply=True, timeout=5)


def _wait_running(run_id: str, node: str, timeout: float = 60) -> Step:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        step = Step.objects.filter(run_id=run_id, node_id=node, status="running").first()
        if step is not None:
            return step
        time.sleep(0.05)
    raise AssertionError(f"{node} never started")


def _completions(run_id: str, node: str) -> int:
    return RunEvent.objects.filter(
        run_id=run_id, node_id=node, kind__in=["step_completed", "step_cached"]
    ).count()


def test_killing_the_pool_process_mid_step_reruns_the_step(engine_api, only_worker) -> None:
    master, _ = only_worker()
    run_id = engine_api.submit(engine_api.create_pipeline(g.sleeper_graph(3)))["id"]
    _wait_running(run_id, "left")
    pool = master.children()
    assert pool, "the prefork worker has a pool process"
    for child in pool:
        child.send_signal(signal.SIGKILL)
    run = engine_api.wait(run_id, timeout=120)
    assert run["status"] == "completed", run
    left = Step.objects.get(run_id=run_id, node_id="left")
    right = Step.objects.get(run_id=run_id, node_id="right")
    assert max(left.attempt, right.attempt) >= 2, "a killed step ran again"
    for node in ("data", "left", "right", "join"):
        assert _completions(run_id, node) == 1, f"{node} finished exactly once"
    assert RunEvent.objects.filter(run_id=run_id, kind="step_requeued").exists()


def test_killing_the_whole_worker_then_starting_another_completes_within_the_lease(
    engine_api, only_worker
) -> None:
    master, _ = only_worker()
    run_id = engine_api.submit(engine_api.create_pipeline(g.sleeper_graph(3)))["id"]
    _wait_running(run_id, "left")
    os.killpg(master.pid, signal.SIGKILL)
    killed_at = time.time()
    psutil.wait_procs([master], timeout=10)
    only_worker()  # a fresh worker takes over
    ready_at = time.time()
    run = engine_api.wait(run_id, timeout=engine.LEASE_SECONDS + 60)
    assert run["status"] == "completed", run
    for node in ("data", "left", "right", "join"):
        assert _completions(run_id, node) == 1, f"{node} finished exactly once"
    requeued = RunEvent.objects.filter(run_id=run_id, kind="step_requeued").order_by("id").first()
    assert requeued is not None, "the lost step was re-queued by the reaper"
    # The lost step is back in the queue within the lease timeout + 10 s of the kill (counted from when
    # a worker exists again to notice: nothing can recover while no worker runs).
    noticed_after = requeued.created_at.timestamp() - max(killed_at + engine.LEASE_SECONDS, ready_at)
    assert noticed_after <= 10, noticed_after
