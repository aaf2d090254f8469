"""Shared fixtures: real Redis, a real Celery worker and a real ASGI server for integration tests.

With DATABASE_URL / REDIS_URL set, they run against the machine's PostgreSQL and Redis; otherwise
against SQLite and the embedded Redis (started here, as `make run` does).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import services

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from tests are still
# plain synchronous calls, so its async-safety guard does not apply here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def redis_service() -> Iterator[None]:
    with services.embedded_redis_running():
        yield


@pytest.fixture(scope="session")
def test_database_url(django_db_setup, django_db_blocker) -> str:
    from django.db import connection

    return services.database_url_for(connection.settings_dict)


@pytest.fixture(scope="session")
def child_env(test_database_url, redis_service) -> dict[str, str]:
    return services.child_env(test_database_url, DESIGNER_GPU_WAIT_SECONDS="3")


@pytest.fixture(scope="session")
def worker_log_dir() -> Path:
    path = ARTIFACTS / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def celery_worker(child_env, worker_log_dir) -> Iterator[str]:
    """One real worker on the cpu queue for the whole session; yields its name."""
    from designer.celery_app import app

    name = f"session-{os.getpid()}"
    proc = services.start_worker(
        child_env, ("cpu",), concurrency=2, name=name, log_path=worker_log_dir / "session-worker.log"
    )
    try:
        yield services.wait_for_worker(app, name, proc=proc)
    finally:
        services.stop_process(proc)


@pytest.fixture(scope="session")
def live_server_url(child_env, worker_log_dir) -> Iterator[str]:
    """The real ASGI server (uvicorn + Django + Channels) on a free port."""
    port = services.free_port()
    proc = services.start_web(child_env, port, log_path=worker_log_dir / "web.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        services.stop_process(proc)


# -- Playwright: Debian's Chromium, since Playwright cannot download its own browser here ----------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}
