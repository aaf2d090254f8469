"""Workspaces, members, invitations and accounts; and the one place where queries are scoped to what a
user may see (``scope_to_user``)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from rest_framework import status

from designer.core.api_errors import ApiError

from . import audit
from .models import Invitation, Membership, Workspace
from .tokens import candidate_digests, new_secret, secret_digest

Role = Membership.Role
WRITE_ROLES = (Role.OWNER, Role.CONTRIBUTOR)
INVITATION_DAYS = 7
INVITATION_PREFIX = "inv_"


# -- scoping: every list and detail query goes through here ---------------------------------------
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
            Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    return workspace


def readable_workspace_ids(user) -> QuerySet:
    return Membership.objects.filter(user=user).values("workspace_id")


def scope_to_user(queryset: QuerySet, user, field: str = "workspace") -> QuerySet:
    """Every list and detail query goes through here, so no view can forget the workspace filter."""
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return queryset.filter(**{f"{field}__in": readable_workspace_ids(user)})


def role_of(user, workspace_id: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(user=user, workspace_id=workspace_id).values_list("role", flat=True).first()
    )


def can_write(user, workspace_id: Any) -> bool:
    return role_of(user, workspace_id) in WRITE_ROLES


def writable_workspace(user, workspace_id: Any = None) -> Workspace:
    """Where a new object goes: the workspace asked for, if the user may write there; else their own."""
    if workspace_id in (None, ""):
        return personal_workspace(user)
    try:
        workspace = Workspace.objects.filter(pk=int(workspace_id)).first()
    except (TypeError, ValueError, OverflowError):
        workspace = None
    if workspace is None or not can_write(user, workspace.pk):
        raise ApiError(
            "forbidden_workspace",
            "You cannot add to that workspace (it does not exist, or your role there is reader).",
            status_code=status.HTTP_403_FORBIDDEN,
            field="workspace",
        )
    return workspace


def require_role(user, workspace: Workspace, *roles: str) -> str:
    role = role_of(user, workspace.pk)
    if role not in roles:
        wanted = " or ".join(roles)
        raise ApiError(
            "forbidden_role",
            f"Only a workspace {wanted} can do this (your role here is {role or 'none'}).",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    return role  # type: ignore[return-value]


# -- workspaces -------------------------------------------------------------------------------------
def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "workspace"
    return f"{base}-{secrets.token_hex(3)}"


def create_workspace(user, name: str) -> Workspace:
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name, slug=_unique_slug(name))
        Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
        audit.record(user, workspace, "workspace.created", workspace)
    return workspace


def rename_workspace(workspace: Workspace, actor, name: str) -> Workspace:
    with transaction.atomic():
        old, workspace.name = workspace.name, name
        workspace.save(update_fields=["name"])
        audit.record(actor, workspace, "workspace.renamed", workspace, old_name=old)
    return workspace


def delete_workspace(workspace: Workspace, actor) -> None:
    if workspace.personal_for_id is not None:
        raise ApiError(
            "personal_workspace",
            "A personal workspace cannot be deleted.",
            status_code=status.HTTP_409_CONFLICT,
        )
    from designer.runs.models import Run

    with transaction.atomic():
        audit.record(actor, None, "workspace.deleted", workspace, workspace_id=workspace.pk)
        # Runs protect the pipeline versions they ran; with the whole workspace going, they go first.
        Run.objects.filter(workspace=workspace).delete()
        workspace.delete()


# -- members ----------------------------------------------------------------------------------------
def _not_personal(workspace: Workspace) -> None:
    if workspace.personal_for_id is not None:
        raise ApiError(
            "personal_workspace",
            "A personal workspace has only its owner: create a team workspace to share work.",
            status_code=status.HTTP_409_CONFLICT,
        )


def _user_named(username: str, field: str = "username"):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ApiError("unknown_user", f"There is no user '{username}'.", status_code=404, field=field)
    return user


def _keep_an_owner(workspace: Workspace, member: Membership, new_role: str | None) -> None:
    if member.role != Role.OWNER or new_role == Role.OWNER:
        return
    if not workspace.memberships.filter(role=Role.OWNER).exclude(pk=member.pk).exists():
        raise ApiError(
            "last_owner",
            "A workspace needs at least one owner: make someone else owner first.",
            status_code=status.HTTP_409_CONFLICT,
        )


def add_member(workspace: Workspace, actor, username: str, role: str) -> Membership:
    _not_personal(workspace)
    user = _user_named(username)
    with transaction.atomic():
        member, created = Membership.objects.get_or_create(
            workspace=workspace, user=user, defaults={"role": role}
        )
        if not created:
            raise ApiError(
                "already_member",
                f"'{username}' is already a member (role: {member.role}).",
                status_code=status.HTTP_409_CONFLICT,
                field="username",
            )
        audit.record(actor, workspace, "member.added", user, role=role)
    return member


def member_of(workspace: Workspace, username: str) -> Membership:
    member = workspace.memberships.select_related("user").filter(user__username=username).first()
    if member is None:
        raise ApiError("not_a_member", f"'{username}' is not a member of this workspace.", status_code=404)
    return member


def change_role(workspace: Workspace, actor, username: str, role: str) -> Membership:
    with transaction.atomic():
        member = member_of(workspace, username)
        _keep_an_owner(workspace, member, role)
        old, member.role = member.role, role
        member.save(update_fields=["role"])
        audit.record(actor, workspace, "member.role_changed", member.user, old_role=old, role=role)
    return member


def remove_member(workspace: Workspace, actor, username: str) -> None:
    with transaction.atomic():
        member = member_of(workspace, username)
        _keep_an_owner(workspace, member, None)
        member.delete()
        audit.record(actor, workspace, "member.removed", member.user, role=member.role)


# -- invitations ------------------------------------------------------------------------------------
def create_invitation(
    workspace: Workspace, actor, *, role: str, username: str = "", email: str = ""
) -> tuple[Invitation, str]:
    """Returns the invitation and its secret (shown once, in the link the owner passes on)."""
    _not_personal(workspace)
    user = _user_named(username) if username else None
    if user is not None and workspace.memberships.filter(user=user).exists():
        raise ApiError(
            "already_member", f"'{username}' is already a member.", status_code=409, field="username"
        )
    raw = new_secret(INVITATION_PREFIX)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            workspace=workspace,
            invited_by=actor,
            user=user,
            email=email.strip().lower() if not user else "",
            role=role,
            digest=secret_digest(raw),
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        audit.record(actor, workspace, "invitation.created", invitation, to=username or email, role=role)
    return invitation, raw


def _invitation_error(message: str) -> ApiError:
    return ApiError("invalid_invitation", message, status_code=status.HTTP_404_NOT_FOUND)


def accept_invitation(raw: str, user) -> Membership:
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("workspace")
            .filter(digest__in=candidate_digests(raw))
            .first()
        )
        if invitation is None or invitation.revoked_at is not None:
            raise _invitation_error("This invitation does not exist or was withdrawn.")
        if invitation.accepted_at is not None:
            raise _invitation_error("This invitation was already used.")
        if invitation.expires_at <= timezone.now():
            raise _invitation_error("This invitation has expired: ask for a new one.")
        addressed_to_you = (
            invitation.user_id == user.pk
            if invitation.user_id
            else bool(user.email) and user.email.strip().lower() == invitation.email
        )
        if not addressed_to_you:
            raise ApiError(
                "not_your_invitation",
                "This invitation is addressed to someone else: sign in as the invited account.",
                status_code=status.HTTP_403_FORBIDDEN,
            )
        member, created = Membership.objects.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit.record(user, invitation.workspace, "invitation.accepted", invitation, role=member.role)
    return member


def revoke_invitation(invitation: Invitation, actor) -> None:
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(actor, invitation.workspace_id, "invitation.revoked", invitation)


# -- accounts ---------------------------------------------------------------------------------------
def _password_problem(password: str, user, field: str) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ApiError(
            "weak_password", " ".join(exc.messages), field=field, details={"problems": exc.messages}
        ) from None


def sign_up(username: str, password: str, email: str = ""):
    """A new account with its personal workspace."""
    users = get_user_model()
    try:
        users._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        raise ApiError("invalid_username", " ".join(exc.messages), field="username") from None
    taken = ApiError(
        "username_taken", f"The username '{username}' is taken.", status_code=409, field="username"
    )
    if users.objects.filter(username__iexact=username).exists():
        raise taken
    _password_problem(password, users(username=username, email=email), "password")
    try:
        with transaction.atomic():
            user = users.objects.create_user(username=username, email=email, password=password)
            workspace = personal_workspace(user)
            audit.record(user, workspace, "user.signed_up", user)
    except IntegrityError:  # a concurrent sign-up took the name between the check and the insert
        raise taken from None
    return user


def change_password(request, user, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ApiError("invalid_credentials", "The current password is not right.", field="old_password")
    _password_problem(new_password, user, "new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(user, personal_workspace(user), "user.password_changed", user)
    # Keeps this session signed in; every other session of the user is signed out.
    update_session_auth_hash(request, user)
