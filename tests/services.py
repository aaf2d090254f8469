"""Real services for integration tests: Redis (embedded or the machine's), Celery workers and the
ASGI server, each a real process started the way production starts it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from designer import embedded
from designer.config import embedded_redis_socket, uses_embedded_redis

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tcp_reachable(host: str, port: int) -> bool:
    return embedded.tcp_port_open(host, port)


def database_url_for(settings_dict: dict) -> str:
    """The URL of the database the test process uses, for worker and server subprocesses."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


@contextmanager
def embedded_redis_running() -> Iterator[Path | None]:
    """Start the embedded Redis for the test session unless REDIS_URL/CELERY_BROKER_URL point elsewhere."""
    if not uses_embedded_redis():
        yield None
        return
    sock = embedded_redis_socket()
    if embedded.unix_socket_answers(sock):  # left over by an interrupted session: reuse it
        yield sock
        return
    sock.unlink(missing_ok=True)
    proc = subprocess.Popen(embedded.redis_command(sock), preexec_fn=embedded._die_with_parent)
    try:
        embedded.wait_for(lambda: embedded.unix_socket_answers(sock), 10, "embedded Redis", proc)
        yield sock
    finally:
        stop_process(proc)


stop_process = embedded.stop_process


def start_worker(
    env: dict[str, str],
    queues: Sequence[str] = ("cpu",),
    concurrency: int = 2,
    name: str | None = None,
    log_path: Path | None = None,
) -> subprocess.Popen:
    command = embedded.worker_command(
        queues, concurrency, name=name or f"test-{'+'.join(queues)}-{time.time_ns()}"
    )
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=embedded._die_with_parent
    )


def wait_for_worker(
    app, name_prefix: str, timeout: float = 60.0, proc: subprocess.Popen | None = None
) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"worker exited with code {proc.returncode} while starting")
        replies = app.control.ping(timeout=0.5) or []
        for reply in replies:
            for name in reply:
                if name.startswith(name_prefix):
                    return name
    raise TimeoutError(f"worker {name_prefix} did not answer a ping within {timeout} s")


def start_web(env: dict[str, str], port: int, log_path: Path | None = None) -> subprocess.Popen:
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        embedded.web_command("127.0.0.1", port),
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        preexec_fn=embedded._die_with_parent,
    )
    embedded.wait_for(lambda: tcp_reachable("127.0.0.1", port), 60, "web server", proc)
    return proc


def python() -> str:
    return sys.executable
