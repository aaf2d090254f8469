from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from designer.runs.models import Run, RunStatus


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("engine-user", password="a long test password")


@pytest.fixture
def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class Api:
    def __init__(self, client: Client) -> None:
        self.client = client

    def create_pipeline(self, graph: dict[str, Any], name: str = "test pipeline") -> str:
        response = self.client.post(
            "/api/v1/pipelines/", {"name": name, "graph": graph}, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        return response.json()["id"]

    def submit(self, pipeline_id: str, **body: Any) -> dict[str, Any]:
        response = self.client.post(
            f"/api/v1/pipelines/{pipeline_id}/runs/", body, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        return response.json()

    def run(self, run_id: str) -> dict[str, Any]:
        return self.client.get(f"/api/v1/runs/{run_id}/").json()

    def wait(self, run_id: str, timeout: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = Run.objects.filter(pk=run_id).values_list("status", flat=True).first()
            if status in (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED):
                return self.run(run_id)
            time.sleep(0.05)
        raise AssertionError(f"run {run_id} did not finish in {timeout} s: {self.run(run_id)}")


@pytest.fixture
def engine_api(api) -> Api:
    return Api(api)


def steps_by_node(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["node"]: s for s in run["steps"]}
