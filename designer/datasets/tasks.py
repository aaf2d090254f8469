"""Celery tasks of the datasets app: thin, named, taking ids, sent to the cpu queue (services.queue_profile);
the logic is in services.py."""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from . import services


@shared_task(
    name="datasets.profile_version",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=30 * 60,
    ignore_result=True,
)
def profile_version(version_id: int) -> str:
    try:
        return services.compute_profile(version_id)
    finally:
        close_old_connections()
