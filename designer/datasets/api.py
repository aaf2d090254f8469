"""REST for datasets: multipart upload, list and detail with versions, preview, profile, column edits,
deletes. Thin: the work is in services.py (and ingest.py for reading files)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from designer.core.api_errors import ApiError
from designer.core.permissions import WorkspaceWritePermission
from designer.runs.previews import PREVIEW_ROWS, table_preview
from designer.workspaces.services import scope_to_user

from . import services
from .models import Dataset, DatasetVersion, ProfileStatus
from .serializers import (
    ColumnsEditSerializer,
    DatasetListSerializer,
    DatasetSerializer,
    DatasetVersionSerializer,
    UploadSerializer,
)
from .uploads import DatasetUploadHandler

MAX_PREVIEW_ROWS = 1000
VERSION_PARAM = OpenApiParameter("version", int, description="Version number (default: the latest)")


class DatasetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    permission_classes = [WorkspaceWritePermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = "[0-9a-f-]{36}"

    def initialize_request(self, request, *args, **kwargs):
        drf_request = super().initialize_request(request, *args, **kwargs)
        if self.action == "create":
            # Before anything reads the body: the file streams to a temporary file, size-checked.
            request.upload_handlers = [DatasetUploadHandler(request)]
        return drf_request

    def get_queryset(self):
        datasets = scope_to_user(Dataset.objects.select_related("created_by"), self.request.user)
        params = self.request.query_params
        if params.get("name"):
            datasets = datasets.filter(name=params["name"])
        if params.get("search"):
            datasets = datasets.filter(name__icontains=params["search"])
        if params.get("workspace"):
            if not params["workspace"].isdigit():
                raise ApiError("invalid", "workspace must be a workspace id (a number).", field="workspace")
            datasets = datasets.filter(workspace_id=int(params["workspace"]))
        return datasets.prefetch_related(
            Prefetch(
                "versions",
                queryset=DatasetVersion.objects.select_related("created_by", "derived_from").defer("profile"),
            )
        )

    def get_serializer_class(self):
        return DatasetListSerializer if self.action == "list" else DatasetSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("name", str, description="Exact dataset name"),
            OpenApiParameter("search", str, description="Part of the name (any case)"),
            OpenApiParameter("workspace", int),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: DatasetSerializer})
    def create(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError(
                "missing_file", "Attach the file to upload as the multipart field 'file'.", field="file"
            )
        if upload.size > services.ingest.max_upload_bytes():
            raise services.ingest.upload_too_large(services.ingest.max_upload_bytes())
        data = request.data
        version = services.upload_dataset(
            request.user,
            path=upload.temporary_file_path(),
            filename=upload.name or "",
            name=data.get("name"),
            description=data.get("description"),
            workspace=services.writable_workspace(request.user, data.get("workspace")),
            declared_format=data.get("format") or None,
        )
        dataset = self.get_queryset().get(pk=version.dataset_id)
        body = DatasetSerializer(dataset).data
        body["version"] = DatasetVersionSerializer(version).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Dataset) -> None:
        services.delete_dataset(instance)

    # -- versions ----------------------------------------------------------------------------------
    def _version(self, number=None) -> DatasetVersion:
        return services.get_version(self.get_object(), number)

    @extend_schema(responses={200: DatasetVersionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk=None) -> Response:
        dataset = self.get_object()
        return Response(DatasetVersionSerializer(dataset.versions.all(), many=True).data)

    @extend_schema(methods=["GET"], responses={200: DatasetVersionSerializer})
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(detail=True, methods=["get", "delete"], url_path=r"versions/(?P<number>[0-9]+)")
    def version(self, request: Request, pk=None, number: str = "") -> Response:
        version = self._version(number)
        if request.method == "DELETE":
            dataset_deleted = services.delete_version(version)
            return Response(
                status=status.HTTP_204_NO_CONTENT,
                headers={"X-Dataset-Deleted": "true"} if dataset_deleted else None,
            )
        return Response(DatasetVersionSerializer(version).data)

    @extend_schema(request=ColumnsEditSerializer, responses={201: DatasetVersionSerializer})
    @action(detail=True, methods=["patch"], url_path=r"versions/(?P<number>[0-9]+)/columns")
    def columns(self, request: Request, pk=None, number: str = "") -> Response:
        version = self._version(number)
        body = ColumnsEditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = [services.ColumnChange(**change) for change in body.validated_data["columns"]]
        created = services.edit_columns(version, changes, request.user)
        return Response(DatasetVersionSerializer(created).data, status=status.HTTP_201_CREATED)

    # -- preview and profile -------------------------------------------------------------------------
    @extend_schema(
        parameters=[VERSION_PARAM, OpenApiParameter("rows", int, description="Rows to return (max 1000)")],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk=None) -> Response:
        version = self._version(request.query_params.get("version"))
        try:
            rows = min(MAX_PREVIEW_ROWS, max(0, int(request.query_params.get("rows", PREVIEW_ROWS))))
        except ValueError:
            raise ApiError("invalid", "rows must be a whole number.", field="rows") from None
        return Response(
            {
                "dataset": str(version.dataset_id),
                "version": version.number,
                "reference": version.reference,
                **table_preview(services.load_table(version), rows),
            }
        )

    @extend_schema(parameters=[VERSION_PARAM], responses={200: dict, 202: dict})
    @action(detail=True, methods=["get", "post"])
    def profile(self, request: Request, pk=None) -> Response:
        """GET: the profile (202 while it is computed). POST: queue the job again (after a failure, or
        when the broker was down at upload time); a finished profile is not recomputed."""
        version = self._version(request.query_params.get("version"))
        if request.method == "POST" and version.profile_status != ProfileStatus.READY:
            services.requeue_profile(version)
            version.refresh_from_db()
        body = {
            "dataset": str(version.dataset_id),
            "version": version.number,
            "reference": version.reference,
            "status": version.profile_status,
        }
        if version.profile_status == ProfileStatus.READY:
            return Response({**body, "profile": version.profile})
        if version.profile_status == ProfileStatus.FAILED:
            return Response({**body, "error": version.profile_error})
        return Response(body, status=status.HTTP_202_ACCEPTED)
