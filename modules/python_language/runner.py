"""Running user Python code in a separate process, and turning its results into module outputs.

Two layers, so that isolation can be strengthened without touching the modules:
- a *runner* starts the child program (``_child.py``) on a prepared working folder and waits for it,
  enforcing the wall-clock timeout and cancellation. ``SubprocessRunner`` is a plain child process with
  a clean environment; a sandboxing runner (bubblewrap, containers ...) implements the same ``run``
  and is installed with ``set_default_runner`` or passed in ``RunContext.services["python_script_runner"]``;
- ``run_python_script`` prepares the private folder (script, inputs as Arrow files, the unzipped script
  bundle, a pickled model), calls the runner, logs what the script printed and reads the results back,
  turning the script's own errors into a ModuleError that names the user's line.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

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
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class ProcessOutcome:
    returncode: int | None
    timed_out: bool = False
    cancelled: bool = False
    stdout: str = ""
    stderr: str = ""


class ScriptRunner(Protocol):
    def run(
        self, workdir: Path, *, timeout: float, env: dict[str, str], cancel_event: threading.Event | None
    ) -> ProcessOutcome:
        """Run the child program on ``workdir`` and wait for it (at most ``timeout`` seconds)."""
        ...


class SubprocessRunner:
    """A plain child process: a clean environment, a private working folder, its own process group
    (so a timeout kills everything the script started). No file-system or network isolation."""

    def command(self, workdir: Path) -> list[str]:
        # -P: the child's own folder is not importable; -s: no user site-packages; -B: no .pyc files.
        return [sys.executable, "-P", "-s", "-B", str(CHILD_PROGRAM), str(workdir)]

    def run(
        self, workdir: Path, *, timeout: float, env: dict[str, str], cancel_event: threading.Event | None
    ) -> ProcessOutcome:
        with open(workdir / STDOUT_FILE, "wb") as out, open(workdir / STDERR_FILE, "wb") as err:
            process = subprocess.Popen(
                self.command(workdir),
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            timed_out = cancelled = False
            deadline = time.monotonic() + timeout
            while process.poll() is None:
                if cancel_event is not None and cancel_event.is_set():
                    cancelled = True
                elif time.monotonic() >= deadline:
                    timed_out = True
                if timed_out or cancelled:
                    _kill_group(process)
                    break
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(POLL_SECONDS)
        return ProcessOutcome(
            process.returncode,
            timed_out=timed_out,
            cancelled=cancelled,
            stdout=_read_tail(workdir / STDOUT_FILE),
            stderr=_read_tail(workdir / STDERR_FILE),
        )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _read_tail(path: Path) -> str:
    if not path.exists():
        return ""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        if size > MAX_LOG_BYTES:
            handle.seek(size - MAX_LOG_BYTES)
        text = handle.read().decode("utf-8", errors="replace")
    return f"[... {size - MAX_LOG_BYTES} bytes cut ...]\n{text}" if size > MAX_LOG_BYTES else text


_default_runner: ScriptRunner = SubprocessRunner()


def default_runner() -> ScriptRunner:
    return _default_runner


def set_default_runner(runner: ScriptRunner) -> None:
    """Install another runner (e.g. a sandbox) for every script run that is not given one."""
    global _default_runner
    _default_runner = runner


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
    with tempfile.TemporaryDirectory(prefix="designer-python-") as folder:
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
        outcome = (runner or default_runner()).run(
            workdir,
            timeout=timeout,
            env=child_environment(workdir, seed, cpu_threads),
            cancel_event=cancel_event,
        )
        _log_streams(logger, outcome)
        result = _read_result(workdir, outcome, timeout)
        return ScriptResult(
            tables={
                name: (None if file is None else feather.read_table(str(workdir / file)).to_pandas())
                for name, file in result.get("outputs", {}).items()
            },
            figures=[(Path(name).name, (workdir / name).read_bytes()) for name in result.get("figures", [])],
            state=(workdir / STATE_FILE).read_bytes() if mode == "train" else None,
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
    result_file = workdir / "result.json"
    if not result_file.exists():
        last_lines = "\n".join(outcome.stderr.strip().splitlines()[-5:])
        raise ModuleError(
            "script_crashed",
            f"The Python process ended without finishing (exit code {outcome.returncode}); it may have run out "
            f"of memory or exited on its own.{' Last output: ' + last_lines if last_lines else ''}",
        )
    result: dict[str, Any] = json.loads(result_file.read_text())
    if result["ok"]:
        return result
    error = result["error"]
    if error["code"] == "script_error":
        where = f" at line {error['line']}" if error.get("line") else ""
        raise ModuleError(
            "script_error",
            f"Your Python script failed{where}: {error['message']}"[:4000],
            hint=error.get("traceback") or None,
        )
    raise ModuleError(error["code"], error["message"])
