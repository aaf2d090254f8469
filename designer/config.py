"""Where the embedded services live and how every process finds the broker.

Shared by settings, the Celery app and the embedded launcher so that they can never disagree.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """Runtime state of the embedded mode: SQLite file, Redis socket, artifacts."""
    path = Path(os.environ.get("DESIGNER_VAR_DIR", BASE_DIR / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def embedded_redis_socket() -> Path:
    return var_dir() / "redis.sock"


def redis_url() -> str:
    """REDIS_URL when an operator gives one; else the embedded Redis's unix socket."""
    return os.environ.get("REDIS_URL") or f"unix://{embedded_redis_socket()}"


def celery_redis_url() -> str:
    """The Redis URL in the form Celery and kombu read; they call the unix-socket form "redis+socket"."""
    url = redis_url()
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


def broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL") or celery_redis_url()


def result_backend_url() -> str:
    """Results go to Redis (the operator's or the embedded one) even when the broker is RabbitMQ."""
    return os.environ.get("CELERY_RESULT_BACKEND") or celery_redis_url()


def uses_embedded_redis() -> bool:
    return not os.environ.get("REDIS_URL") and not os.environ.get("CELERY_BROKER_URL")
