"""Celery tasks of deployments: thin, named, taking ids; the logic is in services.py."""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from . import services


@shared_task(
    name="deployments.batch_score",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=2 * 3600,
    ignore_result=True,
)
def batch_score(job_id: str) -> str:
    try:
        return services.run_batch_scoring(job_id)
    finally:
        close_old_connections()
