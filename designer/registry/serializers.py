from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import ModelVersion, RegisteredModel


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


class ModelVersionSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", read_only=True)
    reference = serializers.CharField(read_only=True)
    run = serializers.UUIDField(source="run_id", read_only=True, allow_null=True)
    module = serializers.CharField(source="module_key", read_only=True)
    created_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields = [
            "model", "number", "reference", "description", "tags", "run", "node", "port", "port_type", "digest",
            "module", "summary", "input_schema", "metrics", "lineage", "created_by", "created_at", "download_url",
        ]  # fmt: skip

    def get_created_by(self, version: ModelVersion) -> str | None:
        return _username(version.created_by)

    def get_download_url(self, version: ModelVersion) -> str:
        return f"/api/v1/models/{version.model.name}/versions/{version.number}/download/"


class RegisteredModelSerializer(serializers.ModelSerializer):
    latest_version = serializers.SerializerMethodField()
    version_count = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = RegisteredModel
        fields = [
            "name", "description", "workspace", "latest_version", "version_count", "created_by", "created_at",
            "updated_at",
        ]  # fmt: skip

    def _versions(self, model: RegisteredModel) -> list[ModelVersion]:
        return sorted(model.versions.all(), key=lambda v: -v.number)  # prefetched by the view

    def get_latest_version(self, model: RegisteredModel) -> dict[str, Any] | None:
        versions = self._versions(model)
        return ModelVersionSerializer(versions[0]).data if versions else None

    def get_version_count(self, model: RegisteredModel) -> int:
        return len(self._versions(model))

    def get_created_by(self, model: RegisteredModel) -> str | None:
        return _username(model.created_by)


class RegisteredModelDetailSerializer(RegisteredModelSerializer):
    versions = serializers.SerializerMethodField()

    class Meta(RegisteredModelSerializer.Meta):
        fields = [*RegisteredModelSerializer.Meta.fields, "versions"]

    def get_versions(self, model: RegisteredModel) -> list[dict[str, Any]]:
        return list(ModelVersionSerializer(self._versions(model), many=True).data)


class RegisterSerializer(serializers.Serializer):
    """What POST /api/v1/models/ takes (validated again, with coded errors, by the service)."""

    name = serializers.CharField(max_length=100)
    run = serializers.UUIDField()
    node = serializers.CharField(max_length=100)
    port = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)


class VersionUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
