"""Helpers for the datasets tests: uploads through the real API, and what is stored."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from designer.artifacts import store as artifacts
from designer.artifacts.models import Artifact
from designer.datasets.models import Dataset, DatasetVersion


def upload(client: Client, filename: str, data: bytes | str, **fields: Any):
    if isinstance(data, str):
        data = data.encode()
    return client.post("/api/v1/datasets/", {"file": SimpleUploadedFile(filename, data), **fields})


def upload_ok(client: Client, filename: str, data: bytes | str, **fields: Any) -> dict[str, Any]:
    response = upload(client, filename, data, **fields)
    assert response.status_code == 201, response.content
    return response.json()


def artifact_files() -> set[str]:
    root = Path(settings.ARTIFACT_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def stored_state() -> dict[str, Any]:
    """Everything an upload could leave behind."""
    return {
        "datasets": Dataset.objects.count(),
        "versions": DatasetVersion.objects.count(),
        "artifact_rows": Artifact.objects.count(),
        "artifact_files": artifact_files(),
    }


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@pytest.fixture
def artifact_root(settings, tmp_path):
    """A private artifact folder, so a test can count the files in it (not for tests with a worker)."""
    settings.ARTIFACT_ROOT = str(tmp_path / "artifacts")
    artifacts.memory_cache.clear()
    yield Path(settings.ARTIFACT_ROOT)
    artifacts.memory_cache.clear()


@pytest.fixture
def other_api(django_user_model) -> Client:
    client = Client()
    client.force_login(
        django_user_model.objects.create_user("someone-else", password="another long password")
    )
    return client
