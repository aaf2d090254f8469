"""Property-based requests over the whole OpenAPI schema (Schemathesis): no server errors.

Every operation in /api/v1/schema/ gets a few generated requests, schema-valid and schema-invalid
(odd path and query values, wrong bodies), from a user with an API token and objects of their own,
through the real WSGI handler. None may answer 5xx.

Schemathesis' own pytest integration (``from_fixture(...).parametrize()``) does not run under pytest 9
(it sets ``Function._nodeid``), so the operations are driven here with Hypothesis directly.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from designer.graphs import services as graphs
from designer.workspaces import services as workspaces
from designer.workspaces import tokens
from tests.designer.api.world import GRAPH

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def wsgi_app():
    # The real WSGI handler, as served. Like Django's test client, keep it from closing the database
    # connection at each request's start and end: that would end the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(django_user_model) -> dict[str, str]:
    user = django_user_model.objects.create_user("fuzzer", password="fuzzer long password 1")
    workspace = workspaces.create_workspace(user, "fuzz team")
    pipeline = graphs.create_pipeline(workspace, user, "fuzz pipeline", GRAPH)
    graphs.freeze_version(pipeline, GRAPH)
    _, raw = tokens.create_token(user, "fuzz")
    return {"Authorization": f"Bearer {raw}"}


def test_no_server_errors_for_authenticated_requests(wsgi_app, bearer) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            response = case.call(headers=bearer)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.200}"
                    f" -> {response.status_code}"
                )

        check()
    assert operations >= 40
    assert not failures, "\n".join(dict.fromkeys(failures))
