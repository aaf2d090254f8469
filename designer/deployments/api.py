"""REST for deployments: derive and deploy a run, endpoints (detail, rollback, traffic, keys, metrics,
OpenAPI, versions) and the Django-side scoring route (the same function as the lean ``/score/<name>``)."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from designer.core.permissions import WorkspaceWritePermission
from designer.runs.models import Run
from designer.workspaces.services import can_write, scope_to_user

from . import consume, runtime, services
from .derivation import DerivationRefused
from .metrics import endpoint_metrics
from .models import Endpoint, EndpointKey, EndpointStatus, EndpointVersion


def _api_error(exc: services.DeployError) -> ApiError:
    return ApiError(exc.code, exc.message, status_code=exc.status, node=exc.node, field=exc.field)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _version_summary(version: EndpointVersion, *, full: bool = False) -> dict[str, Any]:
    parity = version.parity or {}
    out = {
        "number": version.number,
        "status": version.status,
        "status_reason": version.status_reason,
        "run": str(version.run_id) if version.run_id else None,
        "created_at": version.created_at.isoformat(),
        "deploy_seconds": version.deploy_seconds,
        "fast_path": version.fast_path,
        "input_schema": version.input_schema,
        "inputs": version.inputs,
        "outputs": version.outputs,
        "parity": {
            k: parity.get(k)
            for k in (
                "ok",
                "message",
                "rows_compared",
                "rows_unmatched",
                "rows_with_differences",
                "fast_path",
                "seconds",
            )
            if k in parity
        },
    }
    if full:
        out["parity"] = parity
        out["graph"] = version.graph
        out["derivation"] = {k: v for k, v in (version.derivation or {}).items() if k not in ("prototype",)}
    elif parity.get("differences"):
        out["parity"]["differences"] = parity["differences"]
    return out


def endpoint_detail(endpoint: Endpoint, request: HttpRequest) -> dict[str, Any]:
    base = _base(request)
    versions = list(endpoint.versions.all())
    serving = services.serving_versions(endpoint)
    main = next(
        (v for v in versions if serving and v.number == max(serving, key=lambda n: endpoint.traffic[str(n)])),
        None,
    )
    main = main or (versions[-1] if versions else None)
    url = consume.scoring_url(base, endpoint)
    detail: dict[str, Any] = {
        "name": endpoint.name,
        "description": endpoint.description,
        "status": endpoint.status,
        "status_reason": endpoint.status_reason,
        "workspace": endpoint.workspace_id,
        "created_at": endpoint.created_at.isoformat(),
        "updated_at": endpoint.updated_at.isoformat(),
        "scoring_url": url,
        "api_scoring_url": f"{base}/api/v1/endpoints/{endpoint.name}/score/",
        "openapi_url": f"{base}/api/v1/endpoints/{endpoint.name}/openapi/",
        "traffic": endpoint.traffic,
        "serving_versions": serving,
        "keys": {
            k.slot: {"prefix": k.prefix + "…", "created_at": k.created_at.isoformat()}
            for k in EndpointKey.objects.filter(endpoint=endpoint)
        },
        "input_schema": main.input_schema if main else [],
        "versions": [_version_summary(v) for v in versions],
    }
    if main is not None:
        example = consume.example_rows(main)
        detail["consume"] = {
            "scoring_url": url,
            "openapi_url": detail["openapi_url"],
            "auth": "Authorization: Bearer <key>",
            "example_request": {"inputs": example},
            "samples": consume.code_samples(url, main),
        }
    return detail


# -- runs: derive and deploy ------------------------------------------------------------------------------
def _writable_run(request: Request, run_id: str) -> Run:
    run = (
        scope_to_user(Run.objects.select_related("pipeline_version", "workspace"), request.user)
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise ApiError("not_found", "There is no such run.", status_code=404)
    return run


@extend_schema(responses={200: dict})
@api_view(["GET"])
def inference_graph(request: Request, run_id: str) -> Response:
    """The inference graph a deploy of this run would serve: graph JSON (with bindings), the input
    schema, and every removed node with the rule that removed it."""
    run = _writable_run(request, run_id)
    try:
        derived = services.derive_inference_graph(run, input_node=request.query_params.get("input_node"))
    except DerivationRefused as exc:
        raise ApiError(exc.code, exc.message, node=exc.node) from None
    return Response({"run": str(run.pk), **derived.as_dict()})


@extend_schema(request=dict, responses={201: dict})
@api_view(["POST"])
def deploy(request: Request, run_id: str) -> Response:
    """One click: create the endpoint (or a new version of it), check parity, go live. Keys are in the
    reply only when the endpoint is created; regenerate them to see new ones."""
    run = _writable_run(request, run_id)
    if not can_write(request.user, run.workspace_id):
        raise ApiError("forbidden", WorkspaceWritePermission.message, status_code=403)
    body = request.data if isinstance(request.data, dict) else {}
    if "name" not in body:
        raise ApiError("invalid", "name: give the endpoint a name, e.g. 'breast-cancer'.", field="name")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise ApiError("invalid", "description must be text.", field="description")
    input_node = body.get("input_node")
    if input_node is not None and not isinstance(input_node, str):
        raise ApiError("invalid", "input_node must be a node id.", field="input_node")
    try:
        deployment = services.deploy_run(
            run,
            request.user,
            body["name"],
            description=description,
            graph=body.get("graph"),
            input_node=input_node,
        )
    except services.DeployError as exc:
        raise _api_error(exc) from None
    endpoint = deployment.endpoint
    endpoint.refresh_from_db()
    version = deployment.version
    reply = endpoint_detail(endpoint, request)
    reply["deployment"] = {
        "version": version.number,
        "status": version.status,
        "reason": version.status_reason,
        "seconds": version.deploy_seconds,
        "parity": version.parity,
        "removed": (version.derivation or {}).get("removed", []),
        "notes": (version.derivation or {}).get("notes", []),
    }
    if deployment.new_keys:
        reply["new_keys"] = deployment.new_keys
    return Response(reply, status=status.HTTP_201_CREATED)


# -- endpoints ------------------------------------------------------------------------------------------------
class EndpointSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Endpoint
        fields = ["name", "description", "status", "status_reason", "traffic", "created_at", "updated_at"]


class EndpointViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    permission_classes = [WorkspaceWritePermission]
    serializer_class = EndpointSummarySerializer
    lookup_field = "name"
    lookup_value_regex = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    queryset = Endpoint.objects.none()

    def get_queryset(self):
        return scope_to_user(Endpoint.objects.all(), self.request.user)

    @extend_schema(operation_id="endpoints_list", responses={200: dict})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            [
                {
                    "name": e.name,
                    "status": e.status,
                    "status_reason": e.status_reason,
                    "traffic": e.traffic,
                    "scoring_url": consume.scoring_url(_base(request), e),
                    "updated_at": e.updated_at.isoformat(),
                }
                for e in self.get_queryset()
            ]
        )

    @extend_schema(responses={200: dict})
    def retrieve(self, request: Request, name: str | None = None) -> Response:
        return Response(endpoint_detail(self.get_object(), request))

    @extend_schema(request=dict, responses={200: dict})
    def partial_update(self, request: Request, name: str | None = None) -> Response:
        """``{"version": 2}`` rolls back (all traffic to version 2); ``{"traffic": {"2": 90, "3": 10}}``
        splits it; ``{"description": "..."}`` renames nothing but the description."""
        endpoint = self.get_object()
        body = request.data if isinstance(request.data, dict) else {}
        known = {"version", "traffic", "description"}
        unknown = set(body) - known
        if unknown or not body:
            raise ApiError(
                "invalid",
                "Send version (a rollback), traffic (a split) or description.",
                field=sorted(unknown)[0] if unknown else None,
            )
        try:
            if "version" in body and "traffic" in body:
                raise services.DeployError(
                    "invalid", "Send either version or traffic, not both.", field="version"
                )
            if "version" in body:
                services.rollback(endpoint, body["version"])
            elif "traffic" in body:
                services.set_traffic(endpoint, body["traffic"])
        except services.DeployError as exc:
            raise _api_error(exc) from None
        if "description" in body:
            if not isinstance(body["description"], str):
                raise ApiError("invalid", "description must be text.", field="description")
            Endpoint.objects.filter(pk=endpoint.pk).update(description=body["description"])
        endpoint.refresh_from_db()
        return Response(endpoint_detail(endpoint, request))

    def perform_destroy(self, instance: Endpoint) -> None:
        name = instance.name
        instance.delete()
        runtime.registry.invalidate(name)

    @extend_schema(request=dict, responses={200: dict})
    @action(detail=True, methods=["post"])
    def keys(self, request: Request, name: str | None = None) -> Response:
        """Regenerate the primary or secondary key; the reply is the only time the key is shown."""
        endpoint = self.get_object()
        slot = request.data.get("slot", "primary") if isinstance(request.data, dict) else ""
        try:
            key, record = services.regenerate_key(endpoint, slot)
        except services.DeployError as exc:
            raise _api_error(exc) from None
        return Response(
            {
                "slot": record.slot,
                "key": key,
                "prefix": record.prefix + "…",
                "created_at": record.created_at.isoformat(),
            }
        )

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def metrics(self, request: Request, name: str | None = None) -> Response:
        endpoint = self.get_object()
        try:
            window = int(request.query_params.get("window", 3600))
            bucket = int(request.query_params.get("bucket", 60))
        except ValueError:
            raise ApiError("invalid", "window and bucket are numbers of seconds.", field="window") from None
        if not (60 <= window <= 30 * 86400) or not (1 <= bucket <= window):
            raise ApiError(
                "invalid", "window is 60 s to 30 days; bucket is 1 s to the window.", field="window"
            )
        runtime.recorder.flush()  # what this process has not written yet
        return Response(endpoint_metrics(endpoint, window, bucket))

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def openapi(self, request: Request, name: str | None = None) -> Response:
        endpoint = self.get_object()
        number = request.query_params.get("version")
        versions = endpoint.versions.filter(status=EndpointStatus.HEALTHY)
        if number:
            version = versions.filter(number=number).first() if number.isdigit() else None
        else:
            serving = services.serving_versions(endpoint)
            version = (
                versions.filter(number__in=serving).order_by("-number").first()
                or versions.order_by("-number").first()
            )
        if version is None:
            raise ApiError("not_found", "This endpoint has no healthy version to describe.", status_code=404)
        return Response(consume.openapi_document(endpoint, version, _base(request)))

    @extend_schema(request=dict, responses={200: dict, 202: dict})
    @action(detail=True, methods=["get", "post"])
    def batch(self, request: Request, name: str | None = None) -> Response:
        """POST ``{"dataset": "<dataset id>@<version>", "output_name"?, "version"?}`` scores a registered
        dataset through the endpoint as a Celery job (the result is a new dataset version); GET lists
        the endpoint's jobs."""
        endpoint = self.get_object()
        if request.method == "GET":
            return Response([services.job_summary(j) for j in endpoint.batch_jobs.all()[:100]])
        body = request.data if isinstance(request.data, dict) else {}
        try:
            job = services.start_batch_scoring(
                endpoint,
                request.user,
                body.get("dataset"),
                output_name=body.get("output_name"),
                version=body.get("version"),
            )
        except services.DeployError as exc:
            raise _api_error(exc) from None
        return Response(services.job_summary(job), status=status.HTTP_202_ACCEPTED)

    @extend_schema(operation_id="endpoints_batch_job_retrieve", responses={200: dict})
    @action(detail=True, methods=["get"], url_path=r"batch/(?P<pk>[0-9a-f-]{36})")
    def batch_job(self, request: Request, name: str | None = None, pk: str = "") -> Response:
        job = self.get_object().batch_jobs.filter(pk=pk).first()
        if job is None:
            raise ApiError("not_found", "This endpoint has no such batch scoring job.", status_code=404)
        return Response(services.job_summary(job))

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, name: str | None = None) -> Response:
        """Every version with its inference graph, derivation notes and full parity report."""
        endpoint = self.get_object()
        return Response([_version_summary(v, full=True) for v in endpoint.versions.all()])


# -- scoring through Django (the Test form; the same function as /score/<name>) -------------------------------
_csrf = CsrfViewMiddleware(lambda request: HttpResponse())


def _csrf_protected(request: HttpRequest) -> HttpResponse:
    """Stands for a view that is not CSRF-exempt (score_view is, for callers using keys)."""
    return HttpResponse()


@csrf_exempt
def score_view(request: HttpRequest, name: str) -> HttpResponse:
    started = time.perf_counter()
    if request.method != "POST":
        response = HttpResponse(
            b'{"error": {"code": "method_not_allowed", "message": "Score with POST and a JSON body."}}',
            status=405,
            content_type="application/json",
        )
        response["Allow"] = "POST"
        return response
    authorization = request.headers.get("Authorization")
    authorized = False
    state = runtime.registry.get(name)
    if state is None:
        outcome = runtime.unknown_endpoint(name)
        return HttpResponse(outcome.body, status=outcome.status, content_type="application/json")
    if not authorization and request.user.is_authenticated:
        # The Test form: a signed-in member of the endpoint's workspace, CSRF-checked like any form.
        if _csrf.process_view(request, _csrf_protected, (), {}) is not None:
            return HttpResponse(
                b'{"error": {"code": "csrf_failed", "message": "CSRF check failed; reload the page."}}',
                status=403,
                content_type="application/json",
            )
        authorized = scope_to_user(Endpoint.objects.filter(pk=state.id), request.user).exists()
    try:
        body = request.body
    except Exception:  # larger than DATA_UPLOAD_MAX_MEMORY_SIZE
        return HttpResponse(
            b'{"error": {"code": "body_too_large", "message": "The body is too large."}}',
            status=413,
            content_type="application/json",
        )
    outcome = runtime.score(
        state,
        body,
        authorization=authorization,
        authorized=authorized,
        pin=request.headers.get("X-Endpoint-Version"),
        started=started,
    )
    response = HttpResponse(outcome.body, status=outcome.status, content_type="application/json")
    if outcome.version is not None:
        response["X-Endpoint-Version"] = str(outcome.version)
    if outcome.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scoring"'
    return response
