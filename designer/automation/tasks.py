"""Celery tasks of automation: thin, named, taking ids; the logic is in services, drift, sweep and
notifications."""

from __future__ import annotations

from celery import shared_task
from django.db import close_old_connections

from . import drift, notifications, services
from . import sweep as housekeeping


@shared_task(name="automation.trigger_schedule", ignore_result=True, time_limit=300, soft_time_limit=240)
def trigger_schedule(schedule_id: int) -> str:
    """Sent by beat for a schedule's PeriodicTask: submit the run of this tick, once."""
    try:
        return services.trigger_schedule(schedule_id)
    finally:
        close_old_connections()


@shared_task(name="automation.check_drift", ignore_result=True, time_limit=900, soft_time_limit=840)
def check_drift() -> dict[str, int]:
    try:
        return drift.check_all()
    finally:
        close_old_connections()


@shared_task(name="automation.sweep", ignore_result=True, time_limit=900, soft_time_limit=840)
def sweep() -> dict[str, int]:
    try:
        return housekeeping.sweep()
    finally:
        close_old_connections()


@shared_task(name="automation.deliver_webhook", ignore_result=True, time_limit=60)
def deliver_webhook(notification_id: int) -> str:
    try:
        return notifications.deliver(notification_id)
    finally:
        close_old_connections()
