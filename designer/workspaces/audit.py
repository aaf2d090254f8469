"""The audit log: who created, changed, ran, deployed or deleted what, and when.

Every app's services call ``record`` next to the write they log, inside the same transaction, so an
event exists exactly when the change does::

    from designer.workspaces import audit
    audit.record(user, dataset.workspace_id, "dataset.uploaded", dataset, version=3)

Actions are ``<object>.<verb in the past tense>``: ``pipeline.created``, ``run.submitted``,
``endpoint.deployed``, ``member.removed`` ... Repeated edits (a canvas autosaves every few seconds) are
folded into one event per actor and object with ``coalesce=``: its ``count`` and time are updated.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F
from django.utils import timezone

from .models import AuditEvent, Workspace

EDIT_COALESCE = timedelta(minutes=10)


def _json_safe(details: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(details, cls=DjangoJSONEncoder, default=str))


def record(
    actor,
    workspace: Workspace | int | None,
    action: str,
    obj: models.Model | None = None,
    *,
    coalesce: timedelta | None = None,
    **details: Any,
) -> AuditEvent:
    """Log ``action`` by ``actor`` (a user, or None for the system) on ``obj`` in ``workspace``."""
    workspace_id = workspace.pk if isinstance(workspace, Workspace) else workspace
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    object_type = (obj._meta.model_name or "") if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    now = timezone.now()
    if coalesce is not None and obj is not None:
        recent = AuditEvent.objects.filter(
            workspace=workspace_id,
            actor=user,
            action=action,
            object_type=object_type,
            object_id=object_id,
            at__gte=now - coalesce,
        ).first()
        if recent is not None:
            AuditEvent.objects.filter(pk=recent.pk).update(
                at=now, count=F("count") + 1, object_repr=_describe(obj)[:200]
            )
            recent.refresh_from_db()
            return recent
    return AuditEvent.objects.create(
        workspace_id=workspace_id,
        actor=user,
        actor_name=user.get_username() if user is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=_describe(obj)[:200],
        details=_json_safe(details),
        at=now,
    )


def _describe(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    for attribute in ("name", "username", "title"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            return value
    return f"{obj._meta.verbose_name} {obj.pk}"


def events_for(workspace_id: int):
    return AuditEvent.objects.filter(workspace_id=workspace_id)
