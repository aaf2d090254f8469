"""Celery tasks of the run engine: thin, named, routed by queue, taking ids; logic is in engine.py.

Every worker also runs the reaper in a background thread of its main process (not beat), so a lost
step is recovered as long as any worker is alive, and a newly started worker recovers what a killed
one left behind at once.
"""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from celery.signals import worker_init, worker_ready, worker_shutdown
from django.db import close_old_connections

from . import engine

log = logging.getLogger(__name__)

REAPER_INTERVAL_SECONDS = 2.0


@shared_task(
    name="runs.execute_step",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=6 * 3600,
    ignore_result=True,
)
def execute_step(self, step_id: int) -> str:
    try:
        return engine.execute_step(step_id, self.request.hostname or "unknown", self.request.id or "")
    finally:
        close_old_connections()


@shared_task(name="runs.reap", ignore_result=True, time_limit=60)
def reap() -> dict[str, int]:
    return engine.reap()


class _Reaper(threading.Thread):
    def __init__(self, worker_name: str, queues: list[str]) -> None:
        super().__init__(daemon=True, name="run-reaper")
        self.worker_name = worker_name
        self.queues = queues
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                engine.record_worker_presence(self.worker_name, self.queues)
                engine.reap()
            except Exception:  # keep reaping: a transient database error must not stop recovery
                log.warning("reaper pass failed", exc_info=True)
            self.stopped.wait(REAPER_INTERVAL_SECONDS)


_reaper: _Reaper | None = None


@worker_init.connect
def preload_modules(**kwargs) -> None:
    """Import the whole module library in the worker's main process, before the pool forks: every pool
    process then starts with it loaded instead of paying seconds of imports on its first step."""
    from modules.sdk import all_modules

    all_modules()


@worker_ready.connect
def start_reaper(sender=None, **kwargs) -> None:
    global _reaper
    queues = (
        sorted(q.name for q in sender.app.amqp.queues.consume_from.values()) if sender is not None else []
    )
    _reaper = _Reaper(getattr(sender, "hostname", "worker"), queues)
    _reaper.start()


@worker_shutdown.connect
def stop_reaper(**kwargs) -> None:
    if _reaper is not None:
        _reaper.stopped.set()
