"""Tasks the platform itself needs (the run engine's tasks live in designer.runs)."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="core.echo", bind=True, time_limit=30)
def echo(self, value: Any) -> dict[str, Any]:
    """Round trip through broker and worker: used by health checks and the broker tests."""
    return {"echo": value, "worker": self.request.hostname}
