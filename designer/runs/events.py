"""The run's event log: written to the database (the truth), then a wake-up on the channel layer.

A websocket consumer never trusts the wake-up's content: it reads the log after the last id it sent,
so a lost or duplicated wake-up can cause neither a gap nor a duplicate.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .models import RunEvent

log = logging.getLogger(__name__)


def run_group(run_id: Any) -> str:
    return f"run-{run_id}"


def emit(run_id: Any, kind: str, node_id: str = "", **payload: Any) -> RunEvent:
    event = RunEvent.objects.create(run_id=run_id, kind=kind, node_id=node_id, payload=payload)
    transaction.on_commit(lambda: _wake(run_id, event.pk))
    return event


def _wake(run_id: Any, event_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(run_group(run_id), {"type": "run.event", "id": event_id})
    except Exception:  # the log is the truth; a missed wake-up is caught up on the next one or on reconnect
        log.warning("could not publish run event %s", event_id, exc_info=True)


def events_after(run_id: Any, after_id: int, limit: int = 500) -> list[dict[str, Any]]:
    rows = RunEvent.objects.filter(run_id=run_id, id__gt=after_id).order_by("id")[:limit]
    return [serialize(e) for e in rows]


def serialize(event: RunEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "node": event.node_id or None,
        "payload": event.payload,
        "at": event.created_at.isoformat(),
    }
