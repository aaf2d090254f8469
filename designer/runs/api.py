"""REST for experiments and runs: status, steps, cancel, rerun, events and output previews."""

from __future__ import annotations

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from designer.core.permissions import WorkspaceScopedMixin, WorkspaceWritePermission
from designer.graphs.api import invalid_graph_error
from modules.sdk import get_module

from . import engine, events, previews
from .models import Experiment, Run
from .serializers import (
    ExperimentSerializer,
    RerunSerializer,
    RunListSerializer,
    RunSerializer,
    StepSerializer,
)


class ExperimentViewSet(WorkspaceScopedMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ExperimentSerializer

    def get_queryset(self):
        # The run count comes with the list in one query, not one query per experiment.
        return self.scoped(Experiment.objects.annotate(run_count=Count("runs")))


class RunViewSet(
    WorkspaceScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [WorkspaceWritePermission]
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        runs = self.scoped(Run.objects.select_related("experiment", "pipeline_version"))
        params = self.request.query_params
        if params.get("experiment"):
            runs = runs.filter(experiment__name=params["experiment"])
        if params.get("status"):
            runs = runs.filter(status=params["status"])
        if params.get("pipeline"):
            runs = runs.filter(pipeline_version__pipeline_id=params["pipeline"])
        if self.action == "retrieve":
            runs = runs.prefetch_related("steps__cached_from")
        return runs

    def get_serializer_class(self):
        return RunListSerializer if self.action == "list" else RunSerializer

    @extend_schema(responses={200: StepSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def steps(self, request: Request, pk=None) -> Response:
        run = self.get_object()
        return Response(StepSerializer(run.steps.select_related("cached_from"), many=True).data)

    @extend_schema(request=None, responses={200: RunSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None) -> Response:
        run = engine.cancel(self.get_object(), actor=request.user)
        return Response(RunSerializer(run).data)

    @extend_schema(request=RerunSerializer, responses={201: RunSerializer})
    @action(detail=True, methods=["post"])
    def rerun(self, request: Request, pk=None) -> Response:
        body = RerunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = engine.rerun(self.get_object(), request.user, **body.validated_data)
        except engine.GraphInvalid as exc:
            raise invalid_graph_error(exc.problems) from None
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk=None) -> Response:
        run = self.get_object()
        try:
            after = int(request.query_params.get("after", 0))
        except ValueError:
            raise ApiError("invalid", "after must be an event id (a whole number).", field="after") from None
        return Response({"events": events.events_after(run.pk, after)})

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], url_path=r"steps/(?P<node>[^/]+)/logs")
    def logs(self, request: Request, pk=None, node: str = "") -> Response:
        step = self.get_object().steps.filter(node_id=node).first()
        if step is None:
            raise ApiError("unknown_node", f"This run has no node '{node}'.", status_code=404, node=node)
        return Response({"node": node, "status": step.status, "logs": step.logs, "error": step.error})

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], url_path=r"steps/(?P<node>[^/]+)/outputs/(?P<port>[^/]+)")
    def output(self, request: Request, pk=None, node: str = "", port: str = "") -> Response:
        run = self.get_object()
        step = run.steps.filter(node_id=node).first()
        if step is None:
            raise ApiError("unknown_node", f"This run has no node '{node}'.", status_code=404, node=node)
        module = get_module(step.module_key)
        port_def = next((p for p in module.outputs if p.name == port), None)
        if port_def is None:
            raise ApiError(
                "unknown_port", f"'{step.title}' has no output '{port}'.", status_code=404, node=node
            )
        digest = step.outputs.get(port)
        if digest is None:
            raise ApiError(
                "output_not_ready",
                f"'{step.title}' has not produced '{port_def.title}' (status: {step.status}).",
                status_code=409,
                node=node,
            )
        return Response(
            {
                "node": node,
                "port": port,
                "type": str(port_def.type),
                **previews.port_preview(port_def.type, digest),
            }
        )
