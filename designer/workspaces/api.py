"""REST for accounts, workspaces, members, invitations, API tokens and the audit log. Thin: the work is
in services.py, tokens.py and audit.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.db.models import Count, F, OuterRef, Subquery
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from designer.core.throttling import check_sign_up

from . import audit, services, tokens
from .models import ApiToken, Membership, Workspace
from .serializers import (
    AcceptedSerializer,
    AccountSerializer,
    AddMemberSerializer,
    ApiTokenSerializer,
    AuditEventSerializer,
    InvitationSerializer,
    InviteSerializer,
    MemberSerializer,
    NewApiTokenSerializer,
    NewInvitationSerializer,
    PasswordChangeSerializer,
    RoleSerializer,
    SignUpSerializer,
    WorkspaceSerializer,
)

OWNER = Membership.Role.OWNER
CONTRIBUTOR = Membership.Role.CONTRIBUTOR


def _session_only(request: Request, what: str) -> None:
    """Account secrets are managed from a signed-in browser session, never with an API token: a leaked
    token must not be able to mint more tokens or change the password."""
    if isinstance(request.auth, ApiToken):
        raise ApiError(
            "session_required",
            f"Sign in with your password to {what}; an API token cannot do it.",
            status_code=status.HTTP_403_FORBIDDEN,
        )


def _workspaces_of(user):
    role = Membership.objects.filter(workspace=OuterRef("pk"), user=user).values("role")[:1]
    return (
        services.scope_to_user(Workspace.objects.all(), user, field="pk")
        .annotate(role=Subquery(role), member_count=Count("memberships"))
        .order_by(F("personal_for").desc(nulls_last=True), "name", "pk")
    )


def _workspace_body(user, workspace_id: int) -> dict:
    return WorkspaceSerializer(_workspaces_of(user).get(pk=workspace_id)).data


# -- accounts ---------------------------------------------------------------------------------------
@extend_schema(request=SignUpSerializer, responses={201: AccountSerializer})
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([])
def sign_up(request: Request) -> Response:
    """Create an account (and its personal workspace) and sign in with it."""
    SessionAuthentication().enforce_csrf(request._request)  # as for sign-in: no login CSRF
    if not settings.DESIGNER_SIGNUP_OPEN:
        raise ApiError(
            "signup_closed",
            "This server does not take sign-ups: ask its operator for an account.",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    body = SignUpSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    check_sign_up(request)
    user = services.sign_up(**body.validated_data)
    login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
    workspace = services.personal_workspace(user)
    return Response(
        {
            "id": user.pk,
            "username": user.get_username(),
            "is_staff": user.is_staff,
            "workspace": _workspace_body(user, workspace.pk),
        },
        status=status.HTTP_201_CREATED,
    )


@extend_schema(request=PasswordChangeSerializer, responses={204: None})
@api_view(["POST"])
def change_password(request: Request) -> Response:
    """Change your password. Other sessions of the account are signed out; this one stays."""
    _session_only(request, "change the password")
    body = PasswordChangeSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    services.change_password(request._request, request.user, **body.validated_data)
    return Response(status=status.HTTP_204_NO_CONTENT)


# -- workspaces, members, invitations, audit ---------------------------------------------------------
class AuditPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


AUDIT_FILTERS = [
    OpenApiParameter("action", str, description="e.g. pipeline.created, run.submitted"),
    OpenApiParameter("actor", str, description="Username"),
    OpenApiParameter("object_type", str, description="e.g. pipeline, run, dataset"),
    OpenApiParameter("object_id", str),
]


class WorkspaceViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your workspaces (personal and team) with your role in each. Creating one makes you its owner."""

    serializer_class = WorkspaceSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Workspace.objects.none()
        return _workspaces_of(self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        services.personal_workspace(request.user)  # made on first use: list it from the start
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        workspace = services.create_workspace(self.request.user, serializer.validated_data["name"])
        serializer.instance = self.get_queryset().get(pk=workspace.pk)

    def perform_update(self, serializer) -> None:
        workspace = serializer.instance
        services.require_role(self.request.user, workspace, OWNER)
        if "name" in serializer.validated_data:
            services.rename_workspace(workspace, self.request.user, serializer.validated_data["name"])
        serializer.instance = self.get_queryset().get(pk=workspace.pk)

    def perform_destroy(self, instance: Workspace) -> None:
        services.require_role(self.request.user, instance, OWNER)
        services.delete_workspace(instance, self.request.user)

    # members
    @extend_schema(methods=["GET"], request=None, responses={200: MemberSerializer(many=True)})
    @extend_schema(methods=["POST"], request=AddMemberSerializer, responses={201: MemberSerializer})
    @action(detail=True, methods=["get", "post"])
    def members(self, request: Request, pk=None) -> Response:
        workspace = self.get_object()
        if request.method == "GET":
            members = workspace.memberships.select_related("user").order_by("user__username")
            return Response(MemberSerializer(members, many=True).data)
        services.require_role(request.user, workspace, OWNER)
        body = AddMemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = services.add_member(workspace, request.user, **body.validated_data)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["PATCH"], request=RoleSerializer, responses={200: MemberSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["patch", "delete"], url_path=r"members/(?P<username>[^/]+)")
    def member(self, request: Request, pk=None, username: str = "") -> Response:
        workspace = self.get_object()
        if request.method == "DELETE":
            if username != request.user.get_username():  # anyone may leave; owners remove others
                services.require_role(request.user, workspace, OWNER)
            services.remove_member(workspace, request.user, username)
            return Response(status=status.HTTP_204_NO_CONTENT)
        services.require_role(request.user, workspace, OWNER)
        body = RoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = services.change_role(workspace, request.user, username, body.validated_data["role"])
        return Response(MemberSerializer(member).data)

    # invitations
    @extend_schema(methods=["GET"], request=None, responses={200: InvitationSerializer(many=True)})
    @extend_schema(methods=["POST"], request=InviteSerializer, responses={201: NewInvitationSerializer})
    @action(detail=True, methods=["get", "post"])
    def invitations(self, request: Request, pk=None) -> Response:
        workspace = self.get_object()
        services.require_role(request.user, workspace, OWNER)
        if request.method == "GET":
            pending = workspace.invitations.select_related("user", "invited_by")
            return Response(InvitationSerializer(pending, many=True).data)
        body = InviteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invitation, raw = services.create_invitation(workspace, request.user, **body.validated_data)
        data = InvitationSerializer(invitation).data
        data.update(token=raw, accept_path=f"/api/v1/invitations/{raw}/accept/")
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"invitations/(?P<invitation_id>[0-9]+)")
    def invitation(self, request: Request, pk=None, invitation_id: str = "") -> Response:
        workspace = self.get_object()
        services.require_role(request.user, workspace, OWNER)
        invitation = workspace.invitations.filter(pk=invitation_id).first()
        if invitation is None:
            raise ApiError("not_found", "No such invitation in this workspace.", status_code=404)
        services.revoke_invitation(invitation, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=AUDIT_FILTERS, responses={200: AuditEventSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=AuditPagination)
    def audit(self, request: Request, pk=None) -> Response:
        """Who did what in this workspace, newest first (owners and contributors)."""
        workspace = self.get_object()
        services.require_role(request.user, workspace, OWNER, CONTRIBUTOR)
        events = audit.events_for(workspace.pk)
        params = request.query_params
        for name, lookup in (
            ("action", "action"),
            ("actor", "actor_name"),
            ("object_type", "object_type"),
            ("object_id", "object_id"),
        ):
            if params.get(name):
                events = events.filter(**{lookup: params[name]})
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)


@extend_schema(request=None, responses={200: AcceptedSerializer})
@api_view(["POST"])
def accept_invitation(request: Request, token: str) -> Response:
    """Join the workspace an invitation is for, as the invited user."""
    member = services.accept_invitation(token, request.user)
    return Response({"workspace": _workspace_body(request.user, member.workspace_id), "role": member.role})


# -- API tokens ---------------------------------------------------------------------------------------
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your personal API tokens. The secret is in the create response only; DELETE revokes."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(request=ApiTokenSerializer, responses={201: NewApiTokenSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        _session_only(request, "create API tokens")
        body = ApiTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if tokens.active_tokens(request.user).count() >= tokens.MAX_ACTIVE_TOKENS:
            raise ApiError(
                "too_many_tokens",
                f"You have {tokens.MAX_ACTIVE_TOKENS} active tokens: revoke some first.",
                status_code=status.HTTP_409_CONFLICT,
            )
        token, raw = tokens.create_token(
            request.user, body.validated_data["name"], body.validated_data["expires_in_days"]
        )
        data = NewApiTokenSerializer(token).data
        data["token"] = raw
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.revoke(instance, self.request.user)
