"""Real workers through real brokers, the health probe, and the embedded launcher's lifecycle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import httpx
import psutil
import pytest
from celery import Celery

from designer import embedded
from tests import services

pytestmark = pytest.mark.integration


def _broker_cases() -> list:
    cases = [pytest.param("embedded-redis", id="embedded-redis")]
    redis_ok = services.tcp_reachable("127.0.0.1", 6379)
    amqp_ok = services.tcp_reachable("127.0.0.1", 5672)
    cases.append(
        pytest.param(
            "redis", id="redis", marks=pytest.mark.skipif(not redis_ok, reason="no Redis on 127.0.0.1:6379")
        )
    )
    cases.append(
        pytest.param(
            "rabbitmq",
            id="rabbitmq",
            marks=pytest.mark.skipif(not amqp_ok, reason="no RabbitMQ on 127.0.0.1:5672"),
        )
    )
    return cases


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of its own, so no other worker of the test session answers this test's pings."""
    sock = tmp_path / "redis.sock"
    proc = subprocess.Popen(embedded.redis_command(sock), preexec_fn=embedded._die_with_parent)
    embedded.wait_for(lambda: embedded.unix_socket_answers(sock), 10, "private Redis", proc)
    yield f"unix://{sock}"
    services.stop_process(proc)


@pytest.mark.parametrize("broker", _broker_cases())
def test_real_worker_runs_a_task_through_each_broker(
    broker, private_redis, test_database_url, worker_log_dir
) -> None:
    if broker == "embedded-redis":
        env_broker = {"REDIS_URL": private_redis}
    elif broker == "redis":
        env_broker = {"REDIS_URL": "redis://127.0.0.1:6379/9"}
    else:  # RabbitMQ carries the tasks; results come back through Redis
        env_broker = {"CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//", "REDIS_URL": private_redis}
    env = services.child_env(test_database_url, **env_broker)
    env.pop("CELERY_BROKER_URL", None) if broker != "rabbitmq" else None
    from designer.config import celery_redis_url

    saved = {k: os.environ.get(k) for k in ("REDIS_URL", "CELERY_BROKER_URL")}
    os.environ.update(env_broker)
    try:
        broker_url = env_broker.get("CELERY_BROKER_URL") or celery_redis_url()
        backend_url = celery_redis_url()
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    client = Celery(broker=broker_url, backend=backend_url)
    name = f"broker-{broker}-{uuid.uuid4().hex[:6]}"
    worker = services.start_worker(
        env, ("cpu",), concurrency=1, name=name, log_path=worker_log_dir / f"{name}.log"
    )
    try:
        services.wait_for_worker(client, name, proc=worker)
        token = uuid.uuid4().hex
        result = client.send_task("core.echo", args=[token], queue="cpu").get(timeout=30)
        assert result["echo"] == token
        assert result["worker"].startswith(name)
    finally:
        services.stop_process(worker)


def test_healthz_reports_worker_up_then_stopped_worker_down(
    private_redis, test_database_url, worker_log_dir
) -> None:
    env = services.child_env(test_database_url, REDIS_URL=private_redis)
    env.pop("CELERY_BROKER_URL", None)
    port = services.free_port()
    web = services.start_web(env, port, log_path=worker_log_dir / "health-web.log")
    name = f"health-{uuid.uuid4().hex[:6]}"
    worker = services.start_worker(
        env, ("cpu",), concurrency=1, name=name, log_path=worker_log_dir / f"{name}.log"
    )
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        deadline = time.monotonic() + 60
        response = httpx.get(url, timeout=10)
        while response.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            response = httpx.get(url, timeout=10)
        body = response.json()
        assert response.status_code == 200, body
        assert body["database"]["ok"] and body["broker"]["ok"]
        assert body["workers"]["count"] == 1 and body["workers"]["workers"][0].startswith(name)

        services.stop_process(worker)
        response = httpx.get(url, timeout=10)
        body = response.json()
        assert response.status_code == 503
        assert body["workers"]["ok"] is False and body["workers"]["count"] == 0
        assert "workers" in body["status"] and body["database"]["ok"] and body["broker"]["ok"]
    finally:
        services.stop_process(worker)
        services.stop_process(web)


def test_embedded_launcher_starts_and_stops_cleanly(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DESIGNER_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="designer.settings",
        PYTHONUNBUFFERED="1",
    )
    port = services.free_port()
    log = tmp_path / "launcher.log"
    with open(log, "wb") as out:
        launcher = subprocess.Popen(
            [sys.executable, "manage.py", "runembedded", "--port", str(port)],
            cwd=services.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        healthy = False
        while time.monotonic() < deadline and not healthy:
            time.sleep(0.5)
            assert launcher.poll() is None, log.read_text()
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
            except httpx.HTTPError:
                continue
        assert healthy, log.read_text()
        children = psutil.Process(launcher.pid).children(recursive=True)
        kinds = " ".join(" ".join(c.cmdline()) for c in children)
        assert "redis-server" in kinds and " worker " in kinds and " beat " in kinds and "uvicorn" in kinds
        assert "Sign in as 'admin' with password:" in log.read_text()

        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=60) == 0, log.read_text()
        _, alive = psutil.wait_procs(children, timeout=10)
        assert alive == [], [p.cmdline() for p in alive]
        assert not (tmp_path / "var" / "redis.sock").exists() or not embedded.unix_socket_answers(
            tmp_path / "var" / "redis.sock"
        )
    finally:
        if launcher.poll() is None:
            launcher.kill()
