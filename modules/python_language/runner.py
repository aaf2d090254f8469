"""Running user Python code in a separate process, and turning its results into module outputs.

Two layers, so that isolation can be strengthened without touching the modules:
- a *runner* starts the child program (``_child.py``) on a prepared working folder and waits for it,
  enforcing the wall-clock timeout and cancellation. ``SubprocessRunner`` is a plain child process with
  a clean environment and no isolation; ``sandbox.BubblewrapRunner`` implements the same ``run`` inside
  a bubblewrap sandbox. The designer installs the configured one with ``set_default_runner`` and passes
  it in ``RunContext.services["python_script_runner"]``; plain library use gets ``SubprocessRunner``;
- ``run_python_script`` prepares the private folder (script, inputs as Arrow files, the unzipped script
  bundle, a pickled model), calls the runner, logs what the script printed and reads the results back,
  turning the script's own errors into a ModuleError that names the user's line.

Everything in the folder may have been rewritten by the script when it comes back, so results are read
defensively: only the expected names, never through a link, only regular files, with size caps.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import select
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from modules.sdk import CancelledError, ModuleError

CHILD_PROGRAM = Path(__file__).with_name("_child.py")
SCRIPT_FILE = "azureml_user_script.py"
BUNDLE_DIR = "Script Bundle"  # the folder name the reference product unzips bundles to
STATE_FILE = "model.pkl"
STDOUT_FILE, STDERR_FILE = "stdout.log", "stderr.log"

MAX_LOG_BYTES = 256 * 1024  # of each stream kept for the log and the Python device output
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
MAX_BUNDLE_FILES = 10_000
MAX_RESULT_JSON_BYTES = 16 * 2**20
MAX_FIGURES = 100
POLL_SECONDS = 0.05
# Error codes the child program may report; anything else it claims is reported as a script error.
CHILD_ERROR_CODES = {"script_error", "script_resource_limit", "missing_entry_point", "invalid_script_output"}
OUTPUT_FILES = {"result1": "result1.arrow", "result2": "result2.arrow", "scores": "scores.arrow"}
FIGURE_NAME = re.compile(r"figures/figure_[0-9]{1,9}\.png")


@dataclass(frozen=True)
class ProcessOutcome:
    returncode: int | None
    timed_out: bool = False
    cancelled: bool = False
    stdout: str = ""
    stderr: str = ""
    # Set by a runner that stopped the process for going over one of its limits: what was exceeded.
    limit_exceeded: str | None = None


class ScriptRunner(Protocol):
    def run(
        self, workdir: Path, *, timeout: float, env: dict[str, str], cancel_event: threading.Event | None
    ) -> ProcessOutcome:
        """Run the child program on ``workdir`` and wait for it (at most ``timeout`` seconds)."""
        ...

    def ensure_available(self) -> None:
        """Raise ModuleError (code ``sandbox_unavailable``) when scripts cannot be run this way here."""
        ...


class SubprocessRunner:
    """A plain child process: a clean environment, a private working folder, its own process group
    (so a timeout kills everything the script started). No file-system or network isolation: this is
    the unsandboxed mode, for library use and for operators who allow it explicitly."""

    def command(self, workdir: Path) -> list[str]:
        # -P: the child's own folder is not importable; -s: no user site-packages; -B: no .pyc files.
        return [sys.executable, "-P", "-s", "-B", str(CHILD_PROGRAM), str(workdir)]

    def ensure_available(self) -> None:
        return None

    def run(
        self, workdir: Path, *, timeout: float, env: dict[str, str], cancel_event: threading.Event | None
    ) -> ProcessOutcome:
        return supervise(
            self.command(workdir), workdir=workdir, env=env, timeout=timeout, cancel_event=cancel_event
        )


def supervise(
    command: list[str],
    *,
    workdir: Path,
    env: dict[str, str],
    timeout: float,
    cancel_event: threading.Event | None,
    pass_fds: tuple[int, ...] = (),
    watchdog: Any = None,
) -> ProcessOutcome:
    """Start ``command`` in its own session with stdout/stderr going to files in ``workdir``, and wait
    for it: kill its process group at the timeout, on cancellation, or when ``watchdog()`` (called about
    every half second) returns a reason. The logs are read back through the handles opened here, so a
    child that replaces the log files cannot make us read something else."""
    with open(workdir / STDOUT_FILE, "w+b") as out, open(workdir / STDERR_FILE, "w+b") as err:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            pass_fds=pass_fds,
        )
        timed_out = cancelled = False
        limit_exceeded: str | None = None
        deadline = time.monotonic() + timeout
        next_watch = time.monotonic() + 0.5
        wait = _exit_waiter(process)
        try:
            while process.poll() is None:
                now = time.monotonic()
                if cancel_event is not None and cancel_event.is_set():
                    cancelled = True
                elif now >= deadline:
                    timed_out = True
                elif watchdog is not None and now >= next_watch:
                    next_watch = now + 0.5
                    limit_exceeded = watchdog()
                if timed_out or cancelled or limit_exceeded:
                    _kill_group(process)
                    break
                wait(min(POLL_SECONDS, max(0.0, deadline - now)))
        finally:
            wait.close()
        return ProcessOutcome(
            process.returncode,
            timed_out=timed_out,
            cancelled=cancelled,
            stdout=_read_tail(out),
            stderr=_read_tail(err),
            limit_exceeded=limit_exceeded,
        )


class _ExitWaiter:
    """Sleeps until the process exits or ``seconds`` pass. A pidfd wakes up the moment the child ends
    (Popen.wait with a timeout polls with growing sleeps, which added up to 50 ms to every run)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.poller: select.poll | None = None
        self.pidfd = -1
        with contextlib.suppress(OSError, AttributeError):  # Linux before 5.3, other systems
            self.pidfd = os.pidfd_open(process.pid)
            self.poller = select.poll()
            self.poller.register(self.pidfd, select.POLLIN)

    def __call__(self, seconds: float) -> None:
        if self.poller is not None:
            self.poller.poll(seconds * 1000)
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(seconds)

    def close(self) -> None:
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1


def _exit_waiter(process: subprocess.Popen[bytes]) -> _ExitWaiter:
    return _ExitWaiter(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _read_tail(handle: IO[bytes]) -> str:
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - MAX_LOG_BYTES))
    text = handle.read(MAX_LOG_BYTES).decode("utf-8", errors="replace")
    return f"[... {size - MAX_LOG_BYTES} bytes cut ...]\n{text}" if size > MAX_LOG_BYTES else text


_default_runner: ScriptRunner = SubprocessRunner()


def default_runner() -> ScriptRunner:
    return _default_runner


def set_default_runner(runner: ScriptRunner) -> None:
    """Install another runner (e.g. a sandbox) for every script run that is not given one, notably the
    scoring of Create Python Model's trained models, which has no RunContext."""
    global _default_runner
    _default_runner = runner


def runner_for(services: dict[str, object]) -> ScriptRunner:
    """The runner the platform passed in ``RunContext.services``, else the default one."""
    runner = services.get("python_script_runner")
    return runner if runner is not None else default_runner()  # type: ignore[return-value]


@dataclass
class ScriptResult:
    tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    figures: list[tuple[str, bytes]] = field(default_factory=list)
    state: bytes | None = None
    stdout: str = ""
    stderr: str = ""


def run_python_script(
    mode: str,
    script: str,
    *,
    inputs: dict[str, pd.DataFrame],
    seed: int,
    timeout: float,
    logger: logging.Logger,
    cancel_event: threading.Event | None = None,
    bundle: bytes | None = None,
    state: bytes | None = None,
    runner: ScriptRunner | None = None,
    cpu_threads: int = 1,
) -> ScriptResult:
    """Run ``script`` in ``mode`` ("execute", "train" or "predict") in its own process.

    Raises ModuleError for the script's errors (code ``script_error`` with the user's line), a timeout
    (``script_timeout``), a process that died (``script_crashed``) and wrong return values.
    """
    runner = runner or default_runner()
    runner.ensure_available()
    # A killed sandbox's processes may still be exiting while the folder is removed: never fail on that.
    with tempfile.TemporaryDirectory(prefix="designer-python-", ignore_cleanup_errors=True) as folder:
        workdir = Path(folder)
        (workdir / SCRIPT_FILE).write_text(script, encoding="utf-8")
        for name, frame in inputs.items():
            _write_frame(workdir / f"{name}.arrow", frame)
        if bundle is not None:
            _unpack_bundle(bundle, workdir / BUNDLE_DIR)
        if state is not None:
            (workdir / STATE_FILE).write_bytes(state)
        job = {
            "mode": mode,
            "seed": seed,
            "script_file": SCRIPT_FILE,
            "inputs": {name: f"{name}.arrow" for name in inputs},
            "bundle_dir": BUNDLE_DIR if bundle is not None else None,
            "state_file": STATE_FILE,
        }
        (workdir / "job.json").write_text(json.dumps(job))
        outcome = runner.run(
            workdir,
            timeout=timeout,
            env=child_environment(workdir, seed, cpu_threads),
            cancel_event=cancel_event,
        )
        _log_streams(logger, outcome)
        result = _read_result(workdir, outcome, timeout)
        return ScriptResult(
            tables=_read_tables(workdir, result.get("outputs")),
            figures=_read_figures(workdir, result.get("figures")),
            state=read_child_file(workdir, STATE_FILE) if mode == "train" else None,
            stdout=outcome.stdout,
            stderr=outcome.stderr,
        )


def child_environment(workdir: Path, seed: int, cpu_threads: int) -> dict[str, str]:
    """Only what the child needs: nothing of the worker's environment (secrets, database URLs) leaks."""
    threads = str(max(1, cpu_threads))
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        # A fixed hash seed makes set and dict-of-set orders, and so results, repeatable.
        "PYTHONHASHSEED": str(seed % 2**32),
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(workdir / ".matplotlib"),
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        # joblib would otherwise count physical cores through /sys, which a sandbox does not show.
        "LOKY_MAX_CPU_COUNT": threads,
    }


def _write_frame(path: Path, frame: pd.DataFrame) -> None:
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ModuleError(
            "unsupported_column_type", f"An input column cannot be passed to Python: {exc}"
        ) from None
    feather.write_feather(table, str(path), compression="uncompressed")


def _unpack_bundle(bundle: bytes, target: Path) -> None:
    """Unzip the script bundle, refusing paths that would land outside its folder and zip bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(bundle))
    except zipfile.BadZipFile:
        raise ModuleError(
            "invalid_script_bundle", "The script bundle is not a zip file.", port="script_bundle"
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_BUNDLE_FILES or sum(m.file_size for m in members) > MAX_BUNDLE_BYTES:
            raise ModuleError(
                "invalid_script_bundle",
                f"The script bundle is too big (at most {MAX_BUNDLE_FILES} files and "
                f"{MAX_BUNDLE_BYTES // 2**20} MB unpacked).",
                port="script_bundle",
            )
        root = target.resolve()
        for member in members:
            destination = (target / member.filename).resolve()
            if destination != root and root not in destination.parents:
                raise ModuleError(
                    "invalid_script_bundle",
                    f"The script bundle contains '{member.filename}', which points outside the bundle.",
                    port="script_bundle",
                )
        target.mkdir()
        archive.extractall(target)


def _log_streams(logger: logging.Logger, outcome: ProcessOutcome) -> None:
    for line in outcome.stdout.splitlines():
        logger.info("[script stdout] %s", line)
    for line in outcome.stderr.splitlines():
        logger.warning("[script stderr] %s", line)


def _read_result(workdir: Path, outcome: ProcessOutcome, timeout: float) -> dict[str, Any]:
    if outcome.cancelled:
        raise CancelledError("the run was cancelled while the Python script ran")
    if outcome.timed_out:
        raise ModuleError(
            "script_timeout",
            f"The Python script was stopped after {timeout:g} seconds. Make it faster, or raise Timeout "
            "(seconds).",
            parameter="timeout_seconds",
        )
    if outcome.limit_exceeded:
        raise ModuleError(
            "script_resource_limit", f"The Python script was stopped: {outcome.limit_exceeded}."
        )
    try:
        raw = read_child_file(workdir, "result.json", max_bytes=MAX_RESULT_JSON_BYTES)
        result = json.loads(raw)
        if not isinstance(result, dict) or not isinstance(result.get("ok"), bool):
            raise ValueError("not a result")
    except (FileNotFoundError, ValueError):
        last_lines = "\n".join(outcome.stderr.strip().splitlines()[-5:])
        raise ModuleError(
            "script_crashed",
            f"The Python process ended without finishing (exit code {outcome.returncode}); it may have run out "
            f"of memory or exited on its own.{' Last output: ' + last_lines if last_lines else ''}",
        ) from None
    if result["ok"]:
        return result
    error = result.get("error")
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code")) if error.get("code") in CHILD_ERROR_CODES else "script_error"
    message = str(error.get("message", "unknown error"))
    line = error.get("line") if isinstance(error.get("line"), int) else None
    traceback_text = error.get("traceback") if isinstance(error.get("traceback"), str) else None
    if code in ("script_error", "script_resource_limit"):
        where = f" at line {line}" if line else ""
        raise ModuleError(
            code, f"Your Python script failed{where}: {message}"[:4000], hint=traceback_text or None
        )
    raise ModuleError(code, message[:4000])


def read_child_file(workdir: Path, name: str, *, max_bytes: int | None = None) -> bytes:
    """The bytes of ``workdir/name`` as the child left it: a regular file reached without following any
    link (a script could replace its result by a link to, say, the secret key, which this process, not
    the sandbox, can read), not a FIFO that would block us, at most ``max_bytes``."""
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ModuleError("invalid_script_output", f"The script's result names an invalid file ({name!r}).")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    folder = os.open(workdir, flags | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, flags | os.O_DIRECTORY, dir_fd=folder)
            os.close(folder)
            folder = inner
        fd = os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=folder)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ModuleError(
            "invalid_script_output", f"The script replaced its result file '{name}' with something else."
        ) from None
    finally:
        os.close(folder)
    with open(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ModuleError(
                "invalid_script_output", f"The script replaced its result file '{name}' with something else."
            )
        if max_bytes is not None and info.st_size > max_bytes:
            raise ModuleError("invalid_script_output", f"The script's result file '{name}' is too large.")
        return handle.read() if max_bytes is None else handle.read(max_bytes)


def _read_tables(workdir: Path, outputs: Any) -> dict[str, pd.DataFrame | None]:
    if not isinstance(outputs, dict):
        return {}
    tables: dict[str, pd.DataFrame | None] = {}
    for name, file in outputs.items():
        if name not in OUTPUT_FILES or file not in (None, OUTPUT_FILES[name]):
            raise ModuleError(
                "invalid_script_output", f"The script's result names an unexpected output ({name!r})."
            )
        if file is None:
            tables[name] = None
            continue
        data = read_child_file(workdir, file)
        try:
            tables[name] = feather.read_table(pa.BufferReader(data)).to_pandas()
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ModuleError(
                "invalid_script_output", f"The script's output {name} is not a readable table ({exc})."
            ) from None
    return tables


def _read_figures(workdir: Path, names: Any) -> list[tuple[str, bytes]]:
    if not isinstance(names, list):
        return []
    figures = []
    for name in names[:MAX_FIGURES]:
        if not isinstance(name, str) or not FIGURE_NAME.fullmatch(name):
            raise ModuleError(
                "invalid_script_output", f"The script's result names an unexpected figure ({name!r})."
            )
        figures.append((Path(name).name, read_child_file(workdir, name)))
    return figures
