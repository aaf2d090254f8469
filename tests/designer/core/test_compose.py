"""docker/compose.yaml is valid, and each service runs a command the test suite also runs."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from designer import embedded
from tests.services import ROOT

COMPOSE = ROOT / "docker" / "compose.yaml"


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_file_validates() -> None:
    cli = _compose_cli()
    if cli is None:
        pytest.skip(
            "neither `docker compose` nor `docker-compose` is installed (make test installs the latter)"
        )
    result = subprocess.run([*cli, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _python_m(command: list[str]) -> list[str]:
    """The tests start commands with this interpreter; the image's is plain `python`."""
    return ["python", *command[1:]]


def test_service_commands_are_the_tested_ones() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker-cpu", "worker-gpu", "scheduler"}
    assert services["web"]["command"] == _python_m(embedded.web_command("0.0.0.0", 8000))
    assert services["worker-cpu"]["command"] == _python_m(embedded.worker_command(("cpu",), name="cpu"))
    assert services["worker-gpu"]["command"] == _python_m(embedded.worker_command(("gpu",), 1, name="gpu"))
    assert services["scheduler"]["command"][:5] == _python_m(embedded.scheduler_command())[:5]
    gpu = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["capabilities"] == ["gpu"] and gpu["driver"] == "nvidia"
