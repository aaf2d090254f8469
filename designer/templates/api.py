"""REST for the template gallery: list and search the cards, fetch one, its thumbnail, and use it."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from designer.graphs.serializers import PipelineSerializer

from . import services
from .thumbnails import thumbnail_svg


class InstantiateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)


def _template_or_404(slug: str) -> services.PipelineTemplate:
    try:
        return services.get_template(slug)
    except services.TemplateNotFound:
        raise ApiError(
            "template_not_found",
            f"There is no template '{slug}'. GET /api/v1/templates/ lists them.",
            status_code=status.HTTP_404_NOT_FOUND,
        ) from None


def _card(template: services.PipelineTemplate) -> dict:
    return {
        **template.card(),
        "thumbnail_url": reverse("template-thumbnail", kwargs={"slug": template.slug}),
        "instantiate_url": reverse("template-instantiate", kwargs={"slug": template.slug}),
    }


@extend_schema(
    operation_id="templates_list",
    summary="The template gallery: ready-to-run sample pipelines",
    parameters=[
        OpenApiParameter("task_type", str, enum=list(services.TASK_TYPES), description="Only this task type"),
        OpenApiParameter("q", str, description="Words that the title, description or datasets contain"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
def template_list(request: Request) -> Response:
    task_type = request.query_params.get("task_type") or None
    if task_type is not None and task_type not in services.TASK_TYPES:
        raise ApiError(
            "invalid_task_type",
            f"task_type must be one of {', '.join(services.TASK_TYPES)}.",
            field="task_type",
        )
    found = services.list_templates(task_type, request.query_params.get("q"))
    return Response({"count": len(found), "results": [_card(t) for t in found]})


@extend_schema(
    operation_id="templates_retrieve", summary="One template with its graph", responses={200: dict}
)
@api_view(["GET"])
def template_detail(request: Request, slug: str) -> Response:
    template = _template_or_404(slug)
    return Response({**_card(template), "graph": template.fresh_graph()})


@extend_schema(
    operation_id="templates_thumbnail",
    summary="An SVG picture of the template's pipeline",
    responses={(200, "image/svg+xml"): OpenApiTypes.STR},
)
@api_view(["GET"])
def template_thumbnail(request: Request, slug: str) -> HttpResponse:
    template = _template_or_404(slug)
    response = HttpResponse(thumbnail_svg(template.graph), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@extend_schema(
    operation_id="templates_instantiate",
    summary="Create a new draft pipeline of your own from a template",
    request=InstantiateSerializer,
    responses={201: PipelineSerializer},
)
@api_view(["POST"])
def template_instantiate(request: Request, slug: str) -> Response:
    template = _template_or_404(slug)
    body = InstantiateSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    pipeline = services.instantiate(template.slug, request.user, body.validated_data.get("name"))
    return Response(PipelineSerializer(pipeline).data, status=status.HTTP_201_CREATED)
