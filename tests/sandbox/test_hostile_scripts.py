"""The hostile corpus: scripts that try to escape, spy or exhaust, each run through the real Execute
Python Script / Create Python Model modules with the bubblewrap sandbox.

Each one must be refused or killed, the step must fail with a clear ModuleError (or, where the attempt
is simply without effect, return nothing it should not have), nothing of the platform's secrets may
come back, no process may be left behind, and the calling process (standing in for the worker) must
go on serving: a legitimate script runs after every attempt.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from modules.python_language import runner as script_runner
from modules.python_language.create_python_model import PythonScriptLearner
from modules.python_language.sandbox import (
    ROOT_UID_BASE,
    SANDBOX_CHILD_PROGRAM,
    BubblewrapRunner,
    SandboxLimits,
)
from modules.sdk import DataTable, ModuleError, RunContext, get_module
from tests.modules import data

EXECUTE = "python_language.execute_python_script"
PROJECT_ROOT = Path(__file__).resolve().parents[2]

LIMITS = SandboxLimits(memory_mb=2048, file_size_mb=16, disk_mb=48, processes=32, open_files=256)
RUNNER = BubblewrapRunner(LIMITS)
PROBLEM = RUNNER.problem()
pytestmark = pytest.mark.skipif(
    PROBLEM is not None,
    reason=f"bubblewrap cannot run on this machine: {PROBLEM} (apt-get install bubblewrap)",
)

LEGIT = """
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    print("legit", len(dataframe1))
    return dataframe1.assign(doubled=dataframe1["alcohol"] * 2)
"""


def execute(script: str, *, runner: Any = RUNNER, timeout: int = 20, **inputs: Any) -> dict[str, Any]:
    ctx = RunContext(seed=3, services={"python_script_runner": runner})
    return get_module(EXECUTE).execute(ctx, {"python_script": script, "timeout_seconds": timeout}, **inputs)


def assert_still_serving() -> None:
    """The calling process (the worker) is alive and runs the next script normally."""
    out = execute(LEGIT, dataset1=data.wine())
    wine = data.wine().df
    pd.testing.assert_frame_equal(out["result_dataset"].df, wine.assign(doubled=wine["alcohol"] * 2))


def refused(script: str, **kwargs: Any) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        execute(script, **kwargs)
    assert_still_serving()
    return caught.value


def sandboxed_processes() -> list[int]:
    """Processes of this test's sandboxes still alive (as root each sandbox runs under its own user id)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            # The real user id (the /proc entry itself belongs to root once a process changed users).
            uid = int((entry / "status").read_text().split("\nUid:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue
        if SANDBOX_CHILD_PROGRAM.encode() in cmdline and (
            not RUNNER.as_root or uid == ROOT_UID_BASE + threading.get_native_id()
        ):
            found.append(int(entry.name))
    return found


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_until_gone(find: Any, *args: Any, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := find(*args)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture(autouse=True)
def no_sandbox_left_behind() -> Iterator[None]:
    yield
    assert wait_until_gone(sandboxed_processes) == [], "a sandboxed process outlived its step"


@pytest.fixture(scope="module")
def platform_secrets() -> Iterator[dict[str, Any]]:
    """A secret key file, a SQLite database and another run's artifact, laid out as under var/, plus
    another run's private script folder in the real temporary directory."""
    token = secrets.token_hex(16)
    var = PROJECT_ROOT / "var" / "test" / f"sandbox-corpus-{os.getpid()}"
    (var / "artifacts" / "ab").mkdir(parents=True)
    (var / "secret_key").write_text(f"key-{token}")
    (var / "secret_key").chmod(0o600)
    with sqlite3.connect(var / "designer.sqlite3") as db:
        db.execute("create table users (password text)")
        db.execute("insert into users values (?)", (f"db-{token}",))
    (var / "artifacts" / "ab" / "abcdef").write_text(f"artifact-{token}")
    other_run = Path(__import__("tempfile").mkdtemp(prefix="designer-python-"))
    (other_run / "input.arrow").write_text(f"other-run-{token}")
    try:
        yield {
            "token": token,
            "secret_key": var / "secret_key",
            "database": var / "designer.sqlite3",
            "artifact": var / "artifacts" / "ab" / "abcdef",
            "artifacts": var / "artifacts",
            "other_run": other_run / "input.arrow",
        }
    finally:
        shutil.rmtree(var, ignore_errors=True)
        shutil.rmtree(other_run, ignore_errors=True)


READ_ALL = """
import os
import pandas as pd

def read(path):
    if os.path.isdir(path):
        return "|".join(
            open(os.path.join(folder, name), "rb").read().decode(errors="replace")
            for folder, _, names in os.walk(path)
            for name in names
        )
    return open(path, "rb").read().decode(errors="replace")

def azureml_main(dataframe1=None, dataframe2=None):
    outcome = {}
    for path in PATHS:
        try:
            outcome[path] = read(path) or "empty"
        except OSError as exc:
            outcome[path] = type(exc).__name__
    return pd.DataFrame({"path": list(outcome), "outcome": list(outcome.values())})
"""


def test_platform_files_and_other_runs_are_invisible(platform_secrets: dict[str, Any]) -> None:
    """The secret key, the database file, the artifact store, another run's folder; and whatever the
    real var/ holds on this machine (secret key, database, artifacts, the embedded Redis's socket), the
    project's code and the home folder (which shows at most the way to the Python environment)."""
    shown = RUNNER.python_paths()
    home = [p for p in Path.home().iterdir() if not any(p == q or p in q.parents for q in shown)]
    paths = [
        str(platform_secrets[k]) for k in ("secret_key", "database", "artifact", "artifacts", "other_run")
    ]
    paths += [
        str(PROJECT_ROOT / name) for name in ("var", "var/secret_key", "var/designer.sqlite3", "designer")
    ]
    paths += ["/home", *(str(p) for p in home[:50])]
    out = execute(f"PATHS = {paths!r}\n" + READ_ALL)["result_dataset"].df.set_index("path")["outcome"]
    assert out.to_dict() == dict.fromkeys(paths, "FileNotFoundError")
    assert_still_serving()


def test_reading_the_secret_key_fails_the_step_clearly(platform_secrets: dict[str, Any]) -> None:
    script = f"""
def azureml_main(dataframe1=None, dataframe2=None):
    key = open({str(platform_secrets["secret_key"])!r}).read()
    raise ValueError(key)
"""
    error = refused(script)
    assert error.code == "script_error" and "line 3: FileNotFoundError" in error.message, error.message
    assert platform_secrets["token"] not in error.message + (error.hint or "")


def test_worker_environment_is_not_readable_through_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    token = secrets.token_hex(16)
    monkeypatch.setenv("DESIGNER_TEST_SECRET", token)
    script = f"""
import os
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    seen = []
    for pid in ({os.getpid()}, {os.getppid()}, 1):
        try:
            seen.append(open(f"/proc/{{pid}}/environ", "rb").read().decode(errors="replace"))
        except OSError as exc:
            seen.append(type(exc).__name__)
    seen.append(" ".join(os.listdir("/proc")))
    seen.append(repr(dict(os.environ)))
    return pd.DataFrame({{"seen": seen}})
"""
    out = execute(script)["result_dataset"].df
    assert token not in "".join(out["seen"])
    assert out["seen"].iloc[0] == "FileNotFoundError", "the worker's pid is not in the sandbox's /proc"
    assert_still_serving()


def test_no_network_at_all() -> None:
    """Redis and PostgreSQL on this machine's loopback, the outside world, IPv6, raw and netlink sockets
    and the embedded Redis's unix socket: all refused. Local socket pairs (multiprocessing) still work."""
    attempts = {
        "redis": ("AF_INET", ("127.0.0.1", 6379)),
        "postgres": ("AF_INET", ("127.0.0.1", 5432)),
        "outside": ("AF_INET", ("1.1.1.1", 53)),
        "ipv6": ("AF_INET6", ("::1", 6379)),
        "redis_unix_socket": ("AF_UNIX", str(PROJECT_ROOT / "var" / "redis.sock")),
    }
    script = f"""
import socket
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    outcome = {{}}
    for name, (family, address) in {attempts!r}.items():
        try:
            connection = socket.socket(getattr(socket, family), socket.SOCK_STREAM)
            connection.settimeout(2)
            connection.connect(address)
            outcome[name] = "connected"
        except OSError as exc:
            outcome[name] = type(exc).__name__
    for name in ("AF_NETLINK", "AF_PACKET"):
        try:
            socket.socket(getattr(socket, name), socket.SOCK_RAW)
            outcome[name] = "opened"
        except OSError as exc:
            outcome[name] = type(exc).__name__
    left, right = socket.socketpair()
    left.sendall(b"ok")
    outcome["socketpair"] = right.recv(2).decode()
    return pd.DataFrame({{"name": list(outcome), "outcome": list(outcome.values())}})
"""
    out = execute(script)["result_dataset"].df.set_index("name")["outcome"].to_dict()
    assert out == {
        "redis": "PermissionError",
        "postgres": "PermissionError",
        "outside": "PermissionError",
        "ipv6": "PermissionError",
        "redis_unix_socket": "FileNotFoundError",
        "AF_NETLINK": "PermissionError",
        "AF_PACKET": "PermissionError",
        "socketpair": "ok",
    }
    assert_still_serving()


def test_a_connection_to_redis_fails_the_step_clearly() -> None:
    script = """
import socket

def azureml_main(dataframe1=None, dataframe2=None):
    socket.create_connection(("127.0.0.1", 6379), timeout=2)
"""
    error = refused(script)
    assert error.code == "script_error" and "line 5: PermissionError" in error.message, error.message


def test_writes_outside_its_folder_are_refused() -> None:
    targets = [
        "/escape.txt",
        "/usr/escape.txt",
        "/dev/escape.txt",
        "/etc/escape.txt",
        SANDBOX_CHILD_PROGRAM,
        str(Path(script_runner.CHILD_PROGRAM)),
        str(Path(os.__file__)),  # the Python environment
        str(PROJECT_ROOT / "var" / "escape.txt"),
    ]
    script = f"""
import os
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    results = {{}}
    for path in {targets!r}:
        try:
            with open(path, "a") as handle:
                handle.write("pwned")
            results[path] = "written"
        except OSError as exc:
            results[path] = type(exc).__name__
    for path in ("/job/mine.txt", "/tmp/mine.txt", "/dev/shm/mine.txt"):  # its own places
        with open(path, "w") as handle:
            handle.write("fine")
        results[path] = "written"
    return pd.DataFrame({{"path": list(results), "result": list(results.values())}})
"""
    child_program = Path(script_runner.CHILD_PROGRAM).read_bytes()
    out = execute(script)["result_dataset"].df.set_index("path")["result"].to_dict()
    assert [p for p in targets if out[p] == "written"] == []
    assert all(out[p] == "written" for p in ("/job/mine.txt", "/tmp/mine.txt", "/dev/shm/mine.txt"))
    assert Path(script_runner.CHILD_PROGRAM).read_bytes() == child_program
    assert not Path("/escape.txt").exists() and not (PROJECT_ROOT / "var" / "escape.txt").exists()
    assert_still_serving()


def test_escape_system_calls_are_refused_by_seccomp() -> None:
    script = """
import ctypes, ctypes.util, os
import pandas as pd

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

def attempt(call):
    ctypes.set_errno(0)
    result = call()
    return "allowed" if result >= 0 else os.strerror(ctypes.get_errno())

def azureml_main(dataframe1=None, dataframe2=None):
    results = {
        "ptrace": attempt(lambda: libc.ptrace(0, 0, None, None)),  # PTRACE_TRACEME
        "unshare_user": attempt(lambda: libc.unshare(0x10000000)),
        "unshare_net": attempt(lambda: libc.unshare(0x40000000)),
        "mount": attempt(lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
        "keyctl": attempt(lambda: libc.syscall(250 if os.uname().machine == "x86_64" else 219, 0, 0)),
        "chroot": attempt(lambda: libc.chroot(b"/tmp")),
    }
    return pd.DataFrame({"call": list(results), "result": list(results.values())})
"""
    out = execute(script)["result_dataset"].df.set_index("call")["result"].to_dict()
    assert out == {name: "Operation not permitted" for name in out}, out


def test_fork_bomb_is_stopped_at_the_process_limit() -> None:
    script = """
import os

def azureml_main(dataframe1=None, dataframe2=None):
    while True:
        os.fork()
"""
    started = time.monotonic()
    error = refused(script)
    assert error.code == "script_resource_limit", error.message
    assert "at most 32 processes" in error.message and "line 6" in error.message
    assert time.monotonic() - started < 20


def test_threads_count_against_the_process_limit() -> None:
    script = """
import threading, time

def azureml_main(dataframe1=None, dataframe2=None):
    threads = [threading.Thread(target=time.sleep, args=(5,), daemon=True) for _ in range(200)]
    for thread in threads:
        thread.start()
"""
    error = refused(script)
    assert error.code == "script_resource_limit" and "processes and threads" in error.message


def test_allocating_past_the_memory_limit_fails_with_memory_error() -> None:
    script = """
import numpy as np

def azureml_main(dataframe1=None, dataframe2=None):
    blocks = []
    while True:
        blocks.append(np.empty(256 * 2**20, dtype=np.uint8))
"""
    error = refused(script)
    assert error.code == "script_resource_limit", error.message
    assert "MemoryError" in error.message and "2048 MB" in error.message and "line 7" in error.message


@pytest.mark.slow
def test_spinning_past_the_cpu_limit_is_killed() -> None:
    runner = BubblewrapRunner(SandboxLimits(memory_mb=2048, cpu_seconds=3))
    script = "def azureml_main(dataframe1=None, dataframe2=None):\n    while True:\n        pass\n"
    started = time.monotonic()
    with pytest.raises(ModuleError) as caught:
        execute(script, runner=runner, timeout=60)
    assert caught.value.code == "script_resource_limit"
    assert "more than 3 seconds of CPU time" in caught.value.message
    assert time.monotonic() - started < 15, "stopped by the CPU limit, long before the 60 s timeout"
    assert_still_serving()


def test_sleeping_past_the_wall_clock_is_killed_with_what_it_started_and_signal_handlers() -> None:
    marker = f"designer-sleeper-{secrets.token_hex(6)}"
    script = f"""
import signal, subprocess, sys, time

def azureml_main(dataframe1=None, dataframe2=None):
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "{marker}"], start_new_session=True)
    time.sleep(120)
"""
    started = time.monotonic()
    error = refused(script, timeout=2)
    assert error.code == "script_timeout" and error.parameter == "timeout_seconds"
    assert time.monotonic() - started < 15
    assert wait_until_gone(processes_with, marker) == []


def test_a_huge_file_stops_at_the_file_size_limit() -> None:
    script = """
def azureml_main(dataframe1=None, dataframe2=None):
    with open("huge.bin", "wb") as handle:
        for _ in range(64):
            handle.write(b"0" * 2**20)
"""
    error = refused(script)
    assert error.code == "script_resource_limit", error.message
    assert "File too large" in error.message and "16 MB" in error.message


def test_filling_the_disk_with_many_files_is_stopped() -> None:
    """Each file stays under the file size limit; together they pass the disk limit, wherever they
    are put (its folder, /tmp, /dev/shm: nothing is memory-backed)."""
    script = """
import time

def azureml_main(dataframe1=None, dataframe2=None):
    for number in range(10_000):
        folder = ("/job", "/tmp", "/dev/shm")[number % 3]
        with open(f"{folder}/part{number}.bin", "wb") as handle:
            handle.write(b"0" * 8 * 2**20)
        time.sleep(0.05)
"""
    error = refused(script)
    assert error.code == "script_resource_limit" and "48 MB" in error.message, error.message


def test_signalling_the_worker_is_without_effect() -> None:
    worker = os.getpid()
    script = f"""
import os, signal, time
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    results = {{"ppid": os.getppid()}}
    attempts = (
        ("parent", os.kill, os.getppid()),
        ("worker", os.kill, {worker}),
        ("worker_group", os.killpg, {os.getpgid(0)}),
        ("everyone", os.kill, -1),
    )
    for name, send, pid in attempts:
        try:
            send(pid, signal.SIGKILL)
            results[name] = "sent"
        except OSError as exc:
            results[name] = type(exc).__name__
    time.sleep(0.2)
    return pd.DataFrame([results])
"""
    out = execute(script)["result_dataset"].df.iloc[0].to_dict()
    # The sandbox has its own PID namespace: its parent is the sandbox's init (which ignores signals
    # from inside), the worker's pid does not exist there, and kill(-1) reaches only the sandbox.
    assert out["ppid"] in (0, 1) and out["worker"] == out["worker_group"] == "ProcessLookupError", out
    os.kill(worker, 0)
    assert_still_serving()


def test_no_process_outlives_a_finished_step() -> None:
    marker = f"designer-orphan-{secrets.token_hex(6)}"
    script = f"""
import os, subprocess, sys

def azureml_main(dataframe1=None, dataframe2=None):
    # A detached child, and a double-forked daemon, both meant to outlive the step.
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "{marker}"], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(120)", "{marker}"])
        os._exit(0)
    return dataframe1
"""
    out = execute(script, dataset1=data.wine())
    pd.testing.assert_frame_equal(out["result_dataset"].df, data.wine().df)
    assert wait_until_gone(processes_with, marker) == []
    assert_still_serving()


@pytest.mark.parametrize("replaced", ["result.json", "result1.arrow"])
def test_result_files_replaced_by_links_are_not_followed(
    platform_secrets: dict[str, Any], replaced: str
) -> None:
    """The script's folder is read by the worker afterwards, with the worker's rights: a result swapped
    for a link to a secret (dangling inside the sandbox, real outside) must not be read through."""
    script = f"""
import atexit, os

def swap():
    os.remove("{replaced}")
    os.symlink("{platform_secrets["secret_key"]}", "{replaced}")

atexit.register(swap)

def azureml_main(dataframe1=None, dataframe2=None):
    return dataframe1
"""
    error = refused(script, dataset1=data.wine())
    assert error.code == "invalid_script_output" and replaced in error.message
    assert platform_secrets["token"] not in error.message


def test_result_naming_other_files_is_refused() -> None:
    script = """
import atexit, json

def lie():
    json.dump({"ok": True, "outputs": {"result1": "../../../etc/passwd"}, "figures": ["/etc/shadow"]},
              open("result.json", "w"))

atexit.register(lie)

def azureml_main(dataframe1=None, dataframe2=None):
    return dataframe1
"""
    error = refused(script, dataset1=data.wine())
    assert error.code == "invalid_script_output"


def test_result_replaced_by_a_fifo_does_not_block_the_worker() -> None:
    script = """
import atexit, os

def swap():
    os.remove("result1.arrow")
    os.mkfifo("result1.arrow")

atexit.register(swap)

def azureml_main(dataframe1=None, dataframe2=None):
    return dataframe1
"""
    started = time.monotonic()
    error = refused(script, dataset1=data.wine())
    assert error.code == "invalid_script_output" and time.monotonic() - started < 15


def test_errors_keep_the_users_line_number_under_the_sandbox() -> None:
    script = (
        "import pandas as pd\n\ndef azureml_main(dataframe1=None, dataframe2=None):\n\n    return 1 / 0\n"
    )
    with pytest.raises(ModuleError) as caught:
        execute(script)
    error = caught.value
    assert error.code == "script_error"
    assert error.message.startswith("Your Python script failed at line 5: ZeroDivisionError"), error.message
    assert 'File "script", line 5, in azureml_main' in (error.hint or "")


def test_legitimate_script_with_bundle_and_printed_output() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("helpers.py", "def scale(df):\n    return df * 10\n")
    script = """
import helpers

def azureml_main(dataframe1=None, dataframe2=None):
    print("rows", len(dataframe1))
    return helpers.scale(dataframe1[["alcohol"]]), dataframe2.head(3)
"""
    out = execute(script, dataset1=data.wine(), dataset2=data.iris(), script_bundle=buffer.getvalue())
    pd.testing.assert_frame_equal(out["result_dataset"].df, data.wine().df[["alcohol"]] * 10)
    pd.testing.assert_frame_equal(out["result_dataset2"].df, data.iris().df.head(3))
    device = out["python_device"].df
    assert device.loc[device["Kind"] == "stdout", "Content"].tolist() == ["rows 178\n"]


MEAN_MODEL = """
import pandas as pd

class AzureMLModel:
    def __init__(self):
        self.centres = None

    def train(self, df_train, df_label):
        self.centres = df_train.groupby(df_label.values).mean()

    def predict(self, df):
        distances = pd.DataFrame({c: ((df - row) ** 2).sum(axis=1) for c, row in self.centres.iterrows()})
        return pd.DataFrame({"Scored Labels": distances.idxmin(axis=1)})
"""


def test_python_model_trains_and_scores_under_the_sandbox() -> None:
    """Training gets the runner from the context; scoring (no context: a deployment, Score Model) uses
    the default runner, which the designer sets to the sandbox at start-up."""
    frame = data.iris().df.sample(frac=1.0, random_state=0).reset_index(drop=True)
    train = DataTable(frame.iloc[:100].reset_index(drop=True))
    test = DataTable(frame.iloc[100:].drop(columns=["species"]).reset_index(drop=True))
    ctx = RunContext(services={"python_script_runner": RUNNER})
    learner = get_module("python_language.create_python_model").execute(ctx, {"python_script": MEAN_MODEL})
    assert isinstance(learner["untrained_model"], PythonScriptLearner)
    model = learner["untrained_model"].fit(ctx, train, "species")
    previous = script_runner.default_runner()
    script_runner.set_default_runner(RUNNER)
    calls = []
    original_run = RUNNER.run

    def counting_run(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original_run(*args, **kwargs)

    RUNNER.run = counting_run  # type: ignore[method-assign]
    try:
        scores = model.score(test)
    finally:
        script_runner.set_default_runner(previous)
        del RUNNER.run
    assert calls == [1], "scoring went through the sandbox"
    features = [c for c in train.columns if c != "species"]
    centres = train.df.groupby("species")[features].mean()
    distances = pd.DataFrame(
        {c: ((test.df[features] - row) ** 2).sum(axis=1) for c, row in centres.iterrows()}
    )
    assert scores["Scored Labels"].tolist() == distances.idxmin(axis=1).tolist()


def test_python_model_state_swapped_for_a_link_is_refused(platform_secrets: dict[str, Any]) -> None:
    """The trained state is read back from the script's folder: a link there must not smuggle a file
    of the worker's into the model (and so into the next script that unpickles it)."""
    script = (
        MEAN_MODEL
        + f"""
import atexit, os

def swap():
    os.remove("model.pkl")
    os.symlink("{platform_secrets["secret_key"]}", "model.pkl")

atexit.register(swap)
"""
    )
    train = data.iris()
    ctx = RunContext(services={"python_script_runner": RUNNER})
    with pytest.raises(ModuleError) as caught:
        PythonScriptLearner(script, 20).fit(ctx, train, "species")
    assert caught.value.code == "invalid_script_output" and "model.pkl" in caught.value.message
    assert_still_serving()


@pytest.mark.slow
def test_concurrent_sandboxes_do_not_share_limits_or_files() -> None:
    """A fork bomb in one sandbox does not stop another one running at the same time (each has its own
    process count), and neither sees the other's folder."""
    bomb = "import os\n\ndef azureml_main(dataframe1=None, dataframe2=None):\n    while True:\n        os.fork()\n"
    patient = """
import os, time
import pandas as pd

def azureml_main(dataframe1=None, dataframe2=None):
    time.sleep(0.5)
    import threading
    threads = [threading.Thread(target=time.sleep, args=(0.2,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return pd.DataFrame({"files": [" ".join(sorted(os.listdir("/tmp")))]})
"""
    outcome: dict[str, Any] = {}

    def run_patient() -> None:
        try:
            outcome["out"] = execute(patient)["result_dataset"].df
        except Exception as exc:  # reported below
            outcome["error"] = exc

    thread = threading.Thread(target=run_patient)
    thread.start()
    with pytest.raises(ModuleError):
        execute(bomb)
    thread.join()
    assert "error" not in outcome, outcome.get("error")
    # The private /tmp holds nothing of the other sandbox; only the mount points of a Python
    # environment that itself lives under /tmp (a checkout in a temporary folder) appear there.
    environment = {Path(sys.prefix).absolute(), Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    mount_points = sorted({p.parts[2] for p in environment if len(p.parts) > 2 and p.parts[1] == "tmp"})
    assert outcome["out"]["files"].tolist() == [" ".join(mount_points)]
