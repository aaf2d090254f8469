"""REST for pipelines: CRUD on drafts, validation, versions, and submitting runs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from designer.core.permissions import WorkspaceScopedMixin, WorkspaceWritePermission
from designer.runs import engine
from designer.runs.serializers import RunSerializer, SubmitSerializer
from designer.workspaces.services import writable_workspace

from . import services
from .models import Pipeline
from .serializers import (
    PipelineListSerializer,
    PipelineSerializer,
    PipelineVersionSerializer,
    ValidateSerializer,
)


def invalid_graph_error(problems: list) -> ApiError:
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return ApiError(
        "invalid_graph",
        f"The pipeline cannot run: {first.message}{more}",
        node=first.node,
        details={"problems": [p.as_dict() for p in problems]},
    )


class PipelineViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    permission_classes = [WorkspaceWritePermission]
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        return self.scoped(Pipeline.objects.all())

    def get_serializer_class(self):
        return PipelineListSerializer if self.action == "list" else PipelineSerializer

    def perform_create(self, serializer) -> None:
        data: dict[str, Any] = serializer.validated_data
        graph = data.get("draft")
        if graph is not None and not isinstance(graph, dict):
            raise ApiError(
                "invalid_graph", "graph must be a JSON object with nodes and edges.", field="graph"
            )
        serializer.instance = services.create_pipeline(
            writable_workspace(self.request.user, data.get("workspace_id")),
            self.request.user,
            data["name"],
            graph,
            data.get("description", ""),
        )

    def perform_update(self, serializer) -> None:
        data = serializer.validated_data
        graph = data.pop("draft", None)
        if graph is not None and not isinstance(graph, dict):
            raise ApiError(
                "invalid_graph", "graph must be a JSON object with nodes and edges.", field="graph"
            )
        if data.pop("workspace_id", serializer.instance.workspace_id) != serializer.instance.workspace_id:
            raise ApiError(
                "workspace_immutable", "A pipeline cannot move to another workspace.", field="workspace"
            )
        serializer.instance = services.save_draft(serializer.instance, graph, actor=self.request.user, **data)

    def perform_destroy(self, instance: Pipeline) -> None:
        services.delete_pipeline(instance, actor=self.request.user)

    @extend_schema(request=ValidateSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def validate(self, request: Request, pk=None) -> Response:
        pipeline = self.get_object()
        body = ValidateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        graph = body.validated_data.get("graph", pipeline.draft)
        problems = services.validate(graph)
        schemas = (
            services.column_schemas(graph)
            if isinstance(graph, dict) and not any(p.code in ("invalid_graph", "cycle") for p in problems)
            else {}
        )
        return Response(
            {"valid": not problems, "problems": [p.as_dict() for p in problems], "schemas": schemas}
        )

    @extend_schema(responses={200: PipelineVersionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk=None) -> Response:
        pipeline = self.get_object()
        return Response(PipelineVersionSerializer(pipeline.versions.all(), many=True).data)

    @extend_schema(request=SubmitSerializer, responses={201: RunSerializer})
    @action(detail=True, methods=["post"])
    def runs(self, request: Request, pk=None) -> Response:
        pipeline = self.get_object()
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = engine.submit(
                pipeline,
                request.user,
                experiment_name=body.validated_data.pop("experiment"),
                **body.validated_data,
            )
        except engine.GraphInvalid as exc:
            raise invalid_graph_error(exc.problems) from None
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)
