"""REST for the model registry (register, list, versions, edits, deletes, bundle download) and lineage.

A model is addressed by its name, unique in its workspace; a caller who sees two workspaces holding the
same name adds ``?workspace=<id>``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from designer.core.permissions import WorkspaceScopedMixin, WorkspaceWritePermission
from designer.runs.models import Run
from designer.workspaces.services import scope_to_user

from . import bundle, lineage, services
from .models import ModelVersion, RegisteredModel
from .serializers import (
    ModelVersionSerializer,
    RegisteredModelDetailSerializer,
    RegisteredModelSerializer,
    RegisterSerializer,
    VersionUpdateSerializer,
)

MAX_ID = 2**63 - 1  # ids are 64-bit; a larger number names nothing (and must not reach the database)
MAX_NUMBER = 2**31 - 1  # version numbers are 32-bit
WORKSPACE_PARAM = OpenApiParameter(
    "workspace", int, description="Choose the workspace when a name is in several"
)


def _workspace(request: Request) -> int | None:
    value = request.query_params.get("workspace")
    if value in (None, ""):
        return None
    if not value.isdigit() or int(value) > MAX_ID:
        raise ApiError("invalid", "workspace must be a workspace id (a number).", field="workspace")
    return int(value)


class ModelViewSet(WorkspaceScopedMixin, viewsets.GenericViewSet):
    permission_classes = [WorkspaceWritePermission]
    serializer_class = RegisteredModelSerializer
    lookup_field = "name"
    lookup_value_regex = services.NAME_PATTERN.pattern
    queryset = RegisteredModel.objects.none()

    def get_queryset(self):
        versions = ModelVersion.objects.select_related("model", "created_by")
        return self.scoped(RegisteredModel.objects.select_related("created_by")).prefetch_related(
            Prefetch("versions", queryset=versions)
        )

    def get_object(self) -> RegisteredModel:
        models = self.get_queryset().filter(name=self.kwargs["name"])
        workspace = _workspace(self.request)
        if workspace is not None:
            models = models.filter(workspace_id=workspace)
        found = list(models[:2])
        if not found:
            # The name is not echoed: a 404 says nothing about what another workspace holds.
            raise ApiError("not_found", "There is no such model in your workspaces.", status_code=404)
        if len(found) > 1:
            raise ApiError(
                "ambiguous",
                "Several of your workspaces have a model of this name: add ?workspace=<id> to choose one.",
                field="workspace",
            )
        self.check_object_permissions(self.request, found[0])
        return found[0]

    def _version(self, number: str) -> ModelVersion:
        model = self.get_object()
        version = (
            ModelVersion.objects.select_related("model", "created_by", "run")
            .filter(model=model, number=int(number))
            .first()
            if int(number) <= MAX_NUMBER
            else None
        )
        if version is None:
            raise ApiError(
                "not_found",
                f"Model {model.name!r} has no version {number}.",
                status_code=404,
                field="version",
            )
        return version

    # -- models -----------------------------------------------------------------------------------------
    @extend_schema(
        parameters=[
            OpenApiParameter("workspace", int),
            OpenApiParameter("search", str, description="Part of the name (any case)"),
        ],
        responses={200: RegisteredModelSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        models = self.get_queryset()
        workspace = _workspace(request)
        if workspace is not None:
            models = models.filter(workspace_id=workspace)
        if request.query_params.get("search"):
            models = models.filter(name__icontains=request.query_params["search"])
        return Response(RegisteredModelSerializer(models, many=True).data)

    @extend_schema(request=RegisterSerializer, responses={201: ModelVersionSerializer})
    def create(self, request: Request) -> Response:
        """Register a run's trained-model output: a new version when the name exists in the run's
        workspace, else a new model at version 1."""
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        run = (
            scope_to_user(
                Run.objects.select_related("experiment", "pipeline_version__pipeline"), request.user
            )
            .filter(pk=data["run"])
            .first()
        )
        if run is None:
            raise ApiError("not_found", "There is no such run.", status_code=404, field="run")
        version = services.register_model(
            request.user,
            run,
            name=data["name"],
            node=data["node"],
            port=data.get("port"),
            description=data.get("description"),
            tags=data.get("tags"),
        )
        return Response(ModelVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[WORKSPACE_PARAM], responses={200: RegisteredModelDetailSerializer})
    def retrieve(self, request: Request, name: str | None = None) -> Response:
        return Response(RegisteredModelDetailSerializer(self.get_object()).data)

    @extend_schema(
        parameters=[WORKSPACE_PARAM], request=dict, responses={200: RegisteredModelDetailSerializer}
    )
    def partial_update(self, request: Request, name: str | None = None) -> Response:
        """``{"description": "..."}``: the model's description (versions keep their own)."""
        model = self.get_object()
        body = request.data if isinstance(request.data, dict) else {}
        if set(body) != {"description"}:
            raise ApiError(
                "invalid", "Send description (the only field of a model that changes).", field="description"
            )
        services.update_model(model, request.user, description=body["description"])
        return Response(RegisteredModelDetailSerializer(self.get_object()).data)

    @extend_schema(parameters=[WORKSPACE_PARAM], responses={204: None})
    def destroy(self, request: Request, name: str | None = None) -> Response:
        services.delete_model(self.get_object(), request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- versions ---------------------------------------------------------------------------------------
    @extend_schema(parameters=[WORKSPACE_PARAM], responses={200: ModelVersionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, name: str | None = None) -> Response:
        model = self.get_object()
        versions = ModelVersion.objects.select_related("model", "created_by").filter(model=model)
        return Response(ModelVersionSerializer(versions, many=True).data)

    @extend_schema(methods=["GET"], parameters=[WORKSPACE_PARAM], responses={200: ModelVersionSerializer})
    @extend_schema(
        methods=["PATCH"], request=VersionUpdateSerializer, responses={200: ModelVersionSerializer}
    )
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(detail=True, methods=["get", "patch", "delete"], url_path=r"versions/(?P<number>[0-9]+)")
    def version(self, request: Request, name: str | None = None, number: str = "") -> Response:
        version = self._version(number)
        if request.method == "DELETE":
            services.delete_version(version, request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "PATCH":
            body = VersionUpdateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            version = services.update_version(version, request.user, **body.validated_data)
        data: dict[str, Any] = dict(ModelVersionSerializer(version).data)
        data["in_use"] = services.model_version_in_use(version)
        return Response(data)

    @extend_schema(parameters=[WORKSPACE_PARAM], responses={(200, "application/zip"): bytes})
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]+)/download")
    def download(self, request: Request, name: str | None = None, number: str = "") -> HttpResponse:
        """The portable bundle (a zip): the fitted inference pipeline or the bare model, its input schema,
        a sample request and a README on loading it with the designer's allow-list loader."""
        version = self._version(number)
        try:
            data = bundle.bundle_bytes(version)
        except FileNotFoundError:
            raise ApiError(
                "artifact_missing",
                "The bytes of this model (or of what its pipeline binds) are missing from the artifact store.",
                status_code=status.HTTP_409_CONFLICT,
            ) from None
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{bundle.bundle_filename(version)}"'
        return response


@extend_schema(
    parameters=[
        OpenApiParameter("kind", str, required=True, enum=list(lineage.KINDS)),
        OpenApiParameter(
            "id",
            str,
            required=True,
            description="Run id, <dataset id>@<version>, <model name>@<version> or endpoint name",
        ),
        OpenApiParameter(
            "workspace", int, description="Choose the workspace when a model name is in several"
        ),
    ],
    responses={200: dict},
)
@api_view(["GET"])
def lineage_view(request: Request) -> Response:
    """What an object came from and what used it, as a small graph (see registry/lineage.py)."""
    kind = request.query_params.get("kind", "")
    identifier = request.query_params.get("id", "")
    try:
        return Response(lineage.lineage(request.user, kind, identifier, _workspace(request)))
    except lineage.LineageError as exc:
        raise ApiError(
            exc.code,
            exc.message,
            field="kind" if exc.code == "invalid" and kind not in lineage.KINDS else "id",
        ) from None
    except LookupError:
        raise ApiError(
            "not_found",
            f"There is no such {kind.replace('_', ' ')} in your workspaces.",
            status_code=404,
            field="id",
        ) from None
