"""Workspace membership and the one place where queries are scoped to what a user may see."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from .models import Membership, Workspace

WRITE_ROLES = (Membership.Role.OWNER, Membership.Role.CONTRIBUTOR)


def personal_workspace(user) -> Workspace:
    """The user's own workspace, created on first use."""
    existing = Workspace.objects.filter(personal_for=user).first()
    if existing:
        return existing
    with transaction.atomic():
        workspace, created = Workspace.objects.get_or_create(
            personal_for=user,
            defaults={
                "name": f"{user.get_username()}'s workspace",
                "slug": slugify(f"{user.get_username()}-{user.pk}"),
            },
        )
        if created:
            Membership.objects.create(workspace=workspace, user=user, role=Membership.Role.OWNER)
    return workspace


def readable_workspace_ids(user) -> QuerySet:
    return Membership.objects.filter(user=user).values("workspace_id")


def scope_to_user(queryset: QuerySet, user, field: str = "workspace") -> QuerySet:
    """Every list and detail query goes through here, so no view can forget the workspace filter."""
    return queryset.filter(**{f"{field}__in": readable_workspace_ids(user)})


def can_write(user, workspace_id: int) -> bool:
    return Membership.objects.filter(user=user, workspace_id=workspace_id, role__in=WRITE_ROLES).exists()
