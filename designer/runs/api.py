"""REST for experiments and runs: status, steps, cancel, rerun, events and output previews."""

from __future__ import annotations

from django.db.models import Count
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from designer.core.permissions import WorkspaceScopedMixin, WorkspaceWritePermission
from designer.graphs.api import invalid_graph_error
from modules.sdk import get_module

from . import engine, events, history, previews
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

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "metric", str, required=True, description="A metric name, e.g. AUC or AUC@evaluate"
            ),
            OpenApiParameter(
                "goal", str, enum=["max", "min"], description="Default: min for errors and losses"
            ),
        ],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def best(self, request: Request, pk=None) -> Response:
        """The completed run of this experiment with the best value of a metric (see runs/history.py)."""
        experiment = self.get_object()
        metric = history.MetricRef.parse(request.query_params.get("metric", ""))
        goal = request.query_params.get("goal") or history.default_goal(metric.name)
        if goal not in ("max", "min"):
            raise ApiError("invalid", "goal is max or min.", field="goal")
        runs = Run.objects.filter(experiment=experiment).select_related("experiment", "pipeline_version")
        run, value, node, reporting = history.best_run(runs, metric, goal)
        return Response(
            {
                "experiment": {"id": experiment.pk, "name": experiment.name},
                "metric": metric.name,
                "goal": goal,
                "runs_with_metric": reporting,
                "run": (
                    {
                        **RunListSerializer(run).data,
                        "metric": {"name": metric.name, "node": node, "value": value},
                    }
                    if run is not None
                    else None
                ),
            }
        )


class RunPagination(LimitOffsetPagination):
    """Opt-in: ``?limit=`` (and ``offset``) pages the list as {count, next, previous, results};
    without them the list is a plain array, as it always was."""

    max_limit = 500
    opt_in_default = 50

    def get_limit(self, request):
        params = request.query_params
        if self.limit_query_param not in params and self.offset_query_param not in params:
            return None
        raw = params.get(self.limit_query_param, str(self.opt_in_default))
        if not raw.isdigit() or int(raw) < 1:
            raise ApiError("invalid", "limit must be a whole number from 1.", field="limit")
        return min(int(raw), self.max_limit)

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param, "0")
        if not raw.isdigit():
            raise ApiError("invalid", "offset must be a whole number from 0.", field="offset")
        return min(int(raw), history.MAX_ID)


class RunViewSet(
    WorkspaceScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [WorkspaceWritePermission]
    pagination_class = RunPagination
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        runs = self.scoped(Run.objects.select_related("experiment", "pipeline_version"))
        if self.action == "list":
            runs = history.filter_runs(runs, self.request.query_params)
        if self.action == "retrieve":
            runs = runs.prefetch_related("steps__cached_from")
        return runs

    def get_serializer_class(self):
        return RunListSerializer if self.action == "list" else RunSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("experiment", str, description="Experiment name or id"),
            OpenApiParameter("status", str, description="One status or several, comma-separated"),
            OpenApiParameter("pipeline", str, description="Pipeline id"),
            OpenApiParameter("tag", str),
            OpenApiParameter("created_after", str, description="ISO date or date-time (inclusive)"),
            OpenApiParameter("created_before", str, description="ISO date (that whole day) or date-time"),
            OpenApiParameter(
                "ordering",
                str,
                description="created, duration or metric:<name>[@<node>], '-' for descending "
                "(default -created), e.g. -metric:AUC",
            ),
            OpenApiParameter(
                "limit", int, description="Page size: the reply becomes {count, next, previous, results}"
            ),
            OpenApiParameter("offset", int),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        runs = self.get_queryset()
        ordering = history.parse_ordering(request.query_params.get("ordering"))
        if ordering.metric is None:
            runs = history.order_runs(runs, ordering)
            page = self.paginate_queryset(runs)
            data = RunListSerializer(page if page is not None else runs, many=True).data
            return self.get_paginated_response(data) if page is not None else Response(data)
        ranked = history.sorted_by_metric(runs, ordering)
        ranked_page = self.paginate_queryset(ranked)  # type: ignore[arg-type]
        shown = ranked_page if ranked_page is not None else ranked
        found = runs.in_bulk([run_id for run_id, _, _ in shown])
        data = [
            {
                **RunListSerializer(found[run_id]).data,
                "metric": {"name": ordering.metric.name, "node": node, "value": value},
            }
            for run_id, value, node in shown
        ]
        return self.get_paginated_response(data) if ranked_page is not None else Response(data)

    @extend_schema(
        parameters=[
            OpenApiParameter("ids", str, required=True, description="2 to 5 run ids, comma-separated")
        ],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"])
    def compare(self, request: Request) -> Response:
        """Graph diff (against the first run), metrics side by side, evaluation charts for overlay and
        durations. The URL itself is the shareable link."""
        ids = history.parse_run_ids(request.query_params.get("ids"))
        runs = self.scoped(Run.objects.select_related("experiment", "pipeline_version__pipeline")).in_bulk(
            ids
        )
        missing = [position for position, run_id in enumerate(ids, 1) if run_id not in runs]
        if missing:  # by position: the id itself is not echoed
            raise ApiError(
                "not_found",
                f"Run {missing[0]} of ids is not in your workspaces.",
                status_code=404,
                field="ids",
            )
        ordered = [runs[run_id] for run_id in ids]
        link = request.build_absolute_uri(f"{request.path}?ids={','.join(str(i) for i in ids)}")
        return Response({**history.compare_runs(ordered), "link": link})

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
