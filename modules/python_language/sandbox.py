"""The sandbox for user code: the script's child process under bubblewrap (``bwrap``).

What the script gets (and nothing else):
- a read-only view of the system (``/usr`` and the ``/lib*``, ``/bin`` links), of a few files of ``/etc``
  the C library needs, of the Python environment (``sys.prefix``, ``sys.base_prefix``) and of the child
  program; no view of the project folder, ``var/`` (database file, secret key, artifact store), the home
  folder or other runs' folders;
- its step's private folder, read-write, at ``/job`` (its working and home folder), with two folders
  of it shown as ``/tmp`` and ``/dev/shm``, a minimal ``/dev`` and a ``/proc`` of its own PID
  namespace; the root and ``/dev`` are read-only so that nothing can be written anywhere else, and
  nothing is memory-backed (no tmpfs a script could fill);
- new namespaces for everything (no network at all, no view of the worker's processes, IPC, hostname),
  ``--die-with-parent``, ``--new-session``, a clean environment and a seccomp filter
  (``seccomp_filter.py``);
- resource limits: address space, CPU time, file size, processes (threads count too), open files, no
  core dumps; its oom_score_adj is raised so the kernel's OOM killer picks it before the worker. The
  wall-clock timeout, cancellation and a cap on the disk space used in ``/job`` are enforced from
  outside by the runner.

Two ways to start, chosen by who runs the worker:
- as an ordinary user (the Docker image, most installs): rootless bwrap, which puts the script in a new
  user namespace (``--unshare-all --disable-userns``); the limits are set by the child program inside
  it, so the process count is per sandbox rather than shared with the worker's own processes;
- as root (a developer's machine, CI): bwrap keeps root's view of the file system to set up the mounts
  and uses every namespace except a user namespace (mapping root into one would keep the script root
  for the kernel, and root is exempt from the process limit); the child program then switches to a
  user id of its own (``ROOT_UID_BASE`` + the calling thread's id, unique among concurrent sandboxes,
  unused by anything else) before any user code runs. New user namespaces stay refused by seccomp.

Whether bwrap can start here (installed, user namespaces allowed, this architecture's seccomp filter)
is checked once per runner with a real sandboxed start; when it cannot, ``ensure_available`` raises
``sandbox_unavailable`` with what to do. Nothing here imports Django: the designer builds the runner
from its settings with ``configured_runner`` and passes it to modules.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from modules.sdk import ModuleError

from .runner import CHILD_PROGRAM, ProcessOutcome, ScriptRunner, SubprocessRunner, supervise
from .seccomp_filter import UnsupportedArchitecture, seccomp_program

SANDBOX_WORKDIR = "/job"
SANDBOX_CHILD_PROGRAM = "/opt/designer/_child.py"
PRIVATE_TMP, PRIVATE_SHM = ".tmp", ".shm"  # in the step's folder, shown as /tmp and /dev/shm
ROOT_UID_BASE = 1_500_000_000
PROBE_TIMEOUT_SECONDS = 30.0
# What the C library and Python may read from /etc; the rest of it (passwd, hosts, ssl keys ...) stays out.
ETC_ENTRIES = ("alternatives", "ld.so.cache", "localtime")
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
MAX_WORKDIR_ENTRIES = 100_000
INSTALL_HINT = (
    "Ask the operator to install it (Debian/Ubuntu: apt-get install bubblewrap) and to allow user "
    "namespaces for it, or, only where running scripts without isolation is acceptable, to set "
    "DESIGNER_SANDBOX=none."
)


@dataclass(frozen=True)
class SandboxLimits:
    memory_mb: int = 4096  # address space of each process
    cpu_seconds: int | None = None  # None: the step's timeout times the CPU threads it may use, plus 5 s
    file_size_mb: int = 2048  # largest file a script may write
    disk_mb: int = 8192  # all it may keep in its folder at once
    processes: int = 128  # processes and threads
    open_files: int = 1024


class BubblewrapRunner:
    """Runs the child program in a bubblewrap sandbox; implements ``runner.ScriptRunner``."""

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        protected_paths: tuple[str, ...] = (),
        bwrap: str | None = None,
    ) -> None:
        self.limits = limits or SandboxLimits()
        # Paths that must never be visible inside (var/, the artifact store, the database file): a
        # Python environment that contains one of them is refused rather than bound.
        self.protected_paths = tuple(Path(p).resolve() for p in protected_paths)
        self.bwrap = shutil.which(bwrap or "bwrap")
        self.version = _bwrap_version(self.bwrap)
        self.as_root = os.geteuid() == 0
        self._problem: str | None = None
        self._probed = False
        self._probe_lock = threading.Lock()

    # -- availability -------------------------------------------------------------------------------

    def problem(self) -> str | None:
        """Why this runner cannot start a sandbox here (None when it can); probed once."""
        with self._probe_lock:
            if not self._probed:
                self._problem = self._probe()
                self._probed = True
            return self._problem

    def ensure_available(self) -> None:
        problem = self.problem()
        if problem is not None:
            raise ModuleError(
                "sandbox_unavailable",
                f"Python scripts run in a sandbox (bubblewrap), which cannot start on this machine: {problem}. "
                + INSTALL_HINT,
                hint=INSTALL_HINT,
            )

    def _probe(self) -> str | None:
        if self.bwrap is None:
            return "the bwrap program is not installed"
        try:
            seccomp_program()
        except UnsupportedArchitecture as exc:
            return str(exc)
        for path in self.bound_paths():
            for protected in self.protected_paths:
                if path == protected or path in protected.parents:
                    return f"{path}, which the sandbox shows, contains the protected path {protected}"
        with tempfile.TemporaryDirectory(
            prefix="designer-sandbox-probe-", ignore_cleanup_errors=True
        ) as folder:
            workdir = Path(folder)
            (workdir / "job.json").write_text(json.dumps({"mode": "probe"}))
            try:
                outcome = self.run(
                    workdir, timeout=PROBE_TIMEOUT_SECONDS, env=_probe_env(), cancel_event=None
                )
            except OSError as exc:
                return f"bwrap failed to start ({exc})"
            try:
                result = json.loads((workdir / "result.json").read_text())
            except (OSError, ValueError):
                detail = (outcome.stderr or outcome.stdout).strip().splitlines()
                reason = detail[-1] if detail else f"exit code {outcome.returncode}"
                return f"bwrap failed to start ({reason})"
        if self.as_root and result.get("uid") == 0:
            return "the sandboxed process kept root's user id"
        return None

    # -- running ------------------------------------------------------------------------------------

    def python_paths(self) -> list[Path]:
        """The Python installation to show read-only: the environment and the installation it is built on."""
        candidates = {
            Path(p).resolve() for p in (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix)
        }
        candidates.add(Path(sys.executable).resolve().parent.parent)
        for path in (Path(sys.prefix), Path(sys.base_prefix)):  # as named, when reached through links
            candidates.add(path.absolute())
        paths = sorted(p for p in candidates if p.is_dir() and p != Path("/"))
        # Paths inside /usr are already there; a path inside another one listed is bound with it.
        return [
            p for p in paths if Path("/usr") not in (p, *p.parents) and not any(q in p.parents for q in paths)
        ]

    def bound_paths(self) -> list[Path]:
        """Every host path shown inside besides the script's own folder (all read-only)."""
        paths = [Path("/usr"), *self.python_paths(), CHILD_PROGRAM.resolve()]
        paths += [
            Path("/") / n
            for n in SYSTEM_LINKS
            if (Path("/") / n).is_dir() and not (Path("/") / n).is_symlink()
        ]
        paths += [Path("/etc") / n for n in ETC_ENTRIES if (Path("/etc") / n).exists()]
        return [p.resolve() for p in paths]

    def command(self, workdir: Path, *, timeout: float, env: dict[str, str], seccomp_fd: int) -> list[str]:
        args = [self.bwrap or "bwrap", "--die-with-parent", "--new-session"]
        if self.as_root:
            args += [
                "--unshare-ipc",
                "--unshare-pid",
                "--unshare-net",
                "--unshare-uts",
                "--unshare-cgroup-try",
            ]
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            args += ["--unshare-all", "--unshare-user"]
            if self.version >= (0, 8):  # older ones lack it; seccomp refuses new user namespaces anyway
                args.append("--disable-userns")
        args += ["--hostname", "sandbox", "--ro-bind", "/usr", "/usr"]
        for name in SYSTEM_LINKS:
            path = Path("/") / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        for name in ETC_ENTRIES:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        # The script's /tmp and /dev/shm first: a Python environment that lives under /tmp (a checkout
        # in a temporary folder) is then mounted on top of them instead of being hidden by them.
        args += ["--proc", "/proc", "--dev", "/dev"]
        args += [
            "--bind",
            str(workdir / PRIVATE_TMP),
            "/tmp",
            "--bind",
            str(workdir / PRIVATE_SHM),
            "/dev/shm",
        ]
        # bwrap makes the folders leading to a mount point private (0700): the script's user could not
        # walk through them, so create them readable first.
        python_paths = self.python_paths()
        for folder in _ancestors([*python_paths, Path(SANDBOX_CHILD_PROGRAM)]):
            if folder not in (Path("/tmp"), Path("/dev"), Path("/dev/shm")):  # mounted above
                args += ["--perms", "0755", "--dir", str(folder)]
        for path in python_paths:
            args += ["--ro-bind", str(path), str(path)]
        args += ["--ro-bind", str(CHILD_PROGRAM), SANDBOX_CHILD_PROGRAM]
        # /tmp and /dev/shm are folders of the step's own folder, on disk: what a script keeps there
        # counts against its disk limit, and nothing it writes can take the machine's memory (tmpfs).
        # No --chdir: as root, bwrap has no right to enter a folder that the script's user owns; the
        # child program changes into it itself.
        args += ["--bind", str(workdir), SANDBOX_WORKDIR]
        args += ["--remount-ro", "/dev", "--remount-ro", "/"]
        args += ["--seccomp", str(seccomp_fd), "--"]
        args += [sys.executable, "-P", "-s", "-B", SANDBOX_CHILD_PROGRAM, SANDBOX_WORKDIR]
        for name, value in self.rlimits(timeout, env).items():
            args += ["--limit", f"{name}={value}"]
        return args

    def rlimits(self, timeout: float, env: dict[str, str]) -> dict[str, int]:
        return {
            "as": self.limits.memory_mb * 2**20,
            "cpu": self.cpu_seconds(timeout, env),
            "fsize": self.limits.file_size_mb * 2**20,
            "nproc": self.limits.processes,
            "nofile": self.limits.open_files,
            "core": 0,
        }

    def cpu_seconds(self, timeout: float, env: dict[str, str]) -> int:
        if self.limits.cpu_seconds is not None:
            return self.limits.cpu_seconds
        try:
            threads = max(1, int(env.get("OMP_NUM_THREADS", "1")))
        except ValueError:
            threads = 1
        return math.ceil(timeout * threads) + 5

    def run(
        self, workdir: Path, *, timeout: float, env: dict[str, str], cancel_event: threading.Event | None
    ) -> ProcessOutcome:
        inside_env = {key: value.replace(str(workdir), SANDBOX_WORKDIR) for key, value in env.items()}
        inside_env["PATH"] = f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"
        # There is no /etc/passwd inside: getpass.getuser() and friends read these first.
        inside_env.update(USER="sandbox", LOGNAME="sandbox")
        read_end, write_end = os.pipe()
        try:
            os.write(write_end, seccomp_program())  # a few hundred bytes: fits in the pipe's buffer
            os.close(write_end)
            write_end = -1
            for name in (PRIVATE_TMP, PRIVATE_SHM):
                (workdir / name).mkdir(mode=0o700, exist_ok=True)
            # Traversable by others (not listable): bwrap starts the program without the right to
            # override permissions, and a Python environment under /tmp is reached through this folder.
            # The step's folder around it stays private.
            (workdir / PRIVATE_TMP).chmod(0o711)
            command = self.command(workdir, timeout=timeout, env=env, seccomp_fd=read_end)
            if self.as_root:
                uid = ROOT_UID_BASE + threading.get_native_id()
                for folder in (workdir, workdir / PRIVATE_TMP, workdir / PRIVATE_SHM):
                    os.chown(folder, uid, uid)
                command += ["--become", str(uid)]
            outcome = supervise(
                command,
                workdir=workdir,
                env=inside_env,
                timeout=timeout,
                cancel_event=cancel_event,
                pass_fds=(read_end,),
                watchdog=lambda: self._disk_check(workdir),
            )
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        return self._explain(outcome, timeout, env)

    def _explain(self, outcome: ProcessOutcome, timeout: float, env: dict[str, str]) -> ProcessOutcome:
        """bwrap reports a child killed by signal N as exit code 128 + N; name the limit behind it."""
        code = outcome.returncode
        if code is None or code <= 128 or outcome.timed_out or outcome.cancelled or outcome.limit_exceeded:
            return outcome
        signal_number = code - 128
        limit = None
        if signal_number == 24:  # SIGXCPU
            limit = (
                f"it used more than {self.cpu_seconds(timeout, env)} seconds of CPU time, the sandbox's limit"
            )
        elif signal_number == 25:  # SIGXFSZ
            limit = f"it wrote a file larger than {self.limits.file_size_mb} MB, the sandbox's limit"
        return ProcessOutcome(
            -signal_number,
            stdout=outcome.stdout,
            stderr=outcome.stderr,
            limit_exceeded=limit,
        )

    def _disk_check(self, workdir: Path) -> str | None:
        """Stop a script that fills the disk with many files (each one is capped by the file size limit)."""
        total, entries = 0, 0
        pending = [str(workdir)]
        while pending:
            try:
                with os.scandir(pending.pop()) as listing:
                    for entry in listing:
                        entries += 1
                        if entries > MAX_WORKDIR_ENTRIES:
                            return f"it created more than {MAX_WORKDIR_ENTRIES} files"
                        info = entry.stat(follow_symlinks=False)
                        total += info.st_blocks * 512
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(entry.path)
            except OSError:
                continue
        if total > self.limits.disk_mb * 2**20:
            return f"it stored more than {self.limits.disk_mb} MB in its folder, the sandbox's limit"
        return None


def _bwrap_version(bwrap: str | None) -> tuple[int, ...]:
    """``bwrap --version`` as numbers ("bubblewrap 0.8.0" -> (0, 8, 0)); () when unknown."""
    if bwrap is None:
        return ()
    try:
        shown = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10).stdout
        return tuple(int(part) for part in shown.split()[-1].split("."))
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return ()


def _ancestors(paths: list[Path]) -> list[Path]:
    """The folders above ``paths`` (not / itself), parents first, each once."""
    found: list[Path] = []
    for path in paths:
        for folder in reversed(path.parents[:-1]):
            if folder not in found:
                found.append(folder)
    return found


def _probe_env() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}


log = logging.getLogger(__name__)
_UNSANDBOXED = SubprocessRunner()
_configured: dict[tuple[object, ...], ScriptRunner] = {}
_configured_lock = threading.Lock()


def configured_runner(
    mode: str = "bubblewrap",
    *,
    protected_paths: tuple[str, ...] | list[str] = (),
    **limits: int | None,
) -> ScriptRunner:
    """The runner for the platform's setting ``DESIGNER_SANDBOX``: ``"bubblewrap"`` (the default) or
    ``"none"``, the unsandboxed mode an operator must choose explicitly. ``limits`` are
    ``SandboxLimits`` fields. One runner per configuration, so availability is probed once per process."""
    mode = (mode or "bubblewrap").strip().lower()
    if mode == "none":
        with _configured_lock:
            if ("none",) not in _configured:
                log.warning("DESIGNER_SANDBOX=none: user Python scripts run WITHOUT any isolation")
                _configured[("none",)] = _UNSANDBOXED
        return _UNSANDBOXED
    if mode != "bubblewrap":
        raise ValueError(f"DESIGNER_SANDBOX must be 'bubblewrap' or 'none', not {mode!r}")
    settings = SandboxLimits(**{k: v for k, v in limits.items() if v is not None})  # type: ignore[arg-type]
    key = (settings, tuple(protected_paths))
    with _configured_lock:
        if key not in _configured:
            _configured[key] = BubblewrapRunner(settings, protected_paths=tuple(protected_paths))
        return _configured[key]
