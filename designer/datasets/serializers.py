from __future__ import annotations

from rest_framework import serializers

from . import ingest, services
from .models import Dataset, DatasetVersion


class DatasetVersionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    filename = serializers.CharField(source="original_filename")
    derived_from = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = DatasetVersion
        fields = [
            "number", "reference", "source", "derived_from", "filename", "format", "size", "rows", "columns",
            "encoding", "delimiter", "profile_status", "created_by", "created_at",
        ]  # fmt: skip

    def get_derived_from(self, version: DatasetVersion) -> int | None:
        return version.derived_from.number if version.derived_from_id and version.derived_from else None

    def get_created_by(self, version: DatasetVersion) -> str | None:
        return version.created_by.get_username() if version.created_by is not None else None


class DatasetListSerializer(serializers.ModelSerializer):
    reference = serializers.SerializerMethodField()
    latest_version = serializers.SerializerMethodField()
    version_count = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Dataset
        fields = [
            "id", "name", "description", "workspace", "reference", "latest_version", "version_count",
            "created_by", "created_at", "updated_at",
        ]  # fmt: skip

    def _versions(self, dataset: Dataset) -> list[DatasetVersion]:
        return sorted(dataset.versions.all(), key=lambda v: -v.number)  # prefetched by the view

    def get_reference(self, dataset: Dataset) -> str:
        return services.format_reference(dataset.id)

    def get_latest_version(self, dataset: Dataset) -> dict | None:
        versions = self._versions(dataset)
        return DatasetVersionSerializer(versions[0]).data if versions else None

    def get_version_count(self, dataset: Dataset) -> int:
        return len(self._versions(dataset))

    def get_created_by(self, dataset: Dataset) -> str | None:
        return dataset.created_by.get_username() if dataset.created_by is not None else None


class DatasetSerializer(DatasetListSerializer):
    versions = serializers.SerializerMethodField()

    class Meta(DatasetListSerializer.Meta):
        fields = [*DatasetListSerializer.Meta.fields, "versions"]

    def get_versions(self, dataset: Dataset) -> list[dict]:
        return DatasetVersionSerializer(self._versions(dataset), many=True).data


class UploadSerializer(serializers.Serializer):
    """Documents the multipart form; the view reads the fields itself (the file is streamed to disk)."""

    file = serializers.FileField(help_text="CSV, TSV, Parquet, JSON (records or lines) or Excel .xlsx")
    name = serializers.CharField(
        required=False, max_length=ingest.NAME_MAX_LENGTH, help_text="Defaults to the file name"
    )
    description = serializers.CharField(required=False, allow_blank=True)
    workspace = serializers.IntegerField(required=False, help_text="Defaults to your personal workspace")
    format = serializers.ChoiceField(
        required=False, choices=sorted(set(ingest.FORMATS.values())), help_text="Overrides the extension"
    )


class ColumnChangeSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=services.COLUMN_TYPES, required=False)
    is_feature = serializers.BooleanField(required=False)
    is_label = serializers.BooleanField(required=False)
    is_score = serializers.BooleanField(required=False)
    categorical = serializers.BooleanField(required=False)


class ColumnsEditSerializer(serializers.Serializer):
    columns = ColumnChangeSerializer(many=True, allow_empty=False)
