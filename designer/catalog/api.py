from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from modules.sdk import ModuleError

from . import services


@extend_schema(
    operation_id="modules_list",
    responses={200: dict},
    summary="Every module in the palette with its ports and parameter schema",
)
@api_view(["GET"])
def module_list(request: Request) -> Response:
    specs = services.module_specs()
    return Response({"count": len(specs), "results": specs})


@extend_schema(responses={200: dict}, summary="One module's ports and parameter schema")
@api_view(["GET"])
def module_detail(request: Request, key: str) -> Response:
    try:
        return Response(services.module_spec(key))
    except ModuleError as exc:
        raise ApiError(exc.code, exc.message, status_code=status.HTTP_404_NOT_FOUND) from None


@extend_schema(operation_id="samples_list", responses={200: dict}, summary="Bundled sample datasets")
@api_view(["GET"])
def sample_list(request: Request) -> Response:
    samples = services.sample_datasets()
    return Response({"count": len(samples), "results": samples})
