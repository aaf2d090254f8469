"""Who may change what: readers read; owners and contributors write in their workspaces."""

from __future__ import annotations

from rest_framework import permissions

from designer.workspaces.services import can_write, scope_to_user


class WorkspaceWritePermission(permissions.IsAuthenticated):
    message = "You can read this workspace but not change it (your role is reader)."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_write(request.user, obj.workspace_id)


class WorkspaceScopedMixin:
    """Viewsets list and fetch only what the caller's workspaces hold."""

    def scoped(self, queryset):
        # The OpenAPI generator calls get_queryset without a signed-in user.
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return scope_to_user(queryset, self.request.user)  # type: ignore[attr-defined]
