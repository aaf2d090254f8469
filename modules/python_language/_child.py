"""The program that runs a user's Python script in its own process.

Started as ``python -P -s -B _child.py WORKDIR [--limit NAME=VALUE ...] [--become UID]`` by
``runner.py`` or the sandbox; it reads ``job.json`` from WORKDIR, loads the user's script as the module
``azureml_user_script``, calls it, and writes the results back into WORKDIR: tables as Arrow (Feather)
files, a pickled model for Create Python Model, figures as PNG, and ``result.json`` with either the
outputs or the user's error (type, message, line, and a traceback limited to the user's own files). It
imports nothing from the designer, so a sandbox only needs Python, pandas and pyarrow.

Under the sandbox, the resource limits (``--limit``) and the switch to an unprivileged user
(``--become``, when the worker runs as root) are applied first, before any user code or third-party
import: the limits must be set inside the sandbox's own user namespace so that the process count is
per sandbox rather than shared with the worker's user.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import json
import os
import pickle
import random
import sys
import traceback
from pathlib import Path
from typing import Any

USER_MODULE = "azureml_user_script"
LIMITS: dict[str, int] = {}  # what the sandbox set, to explain a MemoryError or a refused fork


class ScriptFailure(Exception):
    """A problem with what the script returned (not an exception raised inside it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def confine(options: list[str]) -> None:
    """Apply ``--limit NAME=VALUE`` (resource limits, soft = hard) and ``--become UID``."""
    import resource

    names = {
        "as": resource.RLIMIT_AS,
        "cpu": resource.RLIMIT_CPU,
        "fsize": resource.RLIMIT_FSIZE,
        "nproc": resource.RLIMIT_NPROC,
        "nofile": resource.RLIMIT_NOFILE,
        "core": resource.RLIMIT_CORE,
    }
    become = None
    pending = list(options)
    while pending:
        flag, value = pending.pop(0), pending.pop(0)
        if flag == "--limit":
            name, number = value.split("=", 1)
            LIMITS[name] = int(number)
        elif flag == "--become":
            become = int(value)
        else:
            raise SystemExit(f"unknown option {flag}")
    if LIMITS:
        # Under memory pressure the kernel should pick a script process, never the worker.
        with contextlib.suppress(OSError):
            Path("/proc/self/oom_score_adj").write_text("1000")
    for limit, amount in LIMITS.items():
        # CPU: SIGXCPU at the limit, SIGKILL a moment later should the script catch SIGXCPU.
        hard = amount + 2 if limit == "cpu" else amount
        resource.setrlimit(names[limit], (amount, hard))
    if become is not None:
        os.setgroups([])
        os.setresgid(become, become, become)
        os.setresuid(become, become, become)
        if os.getresuid() != (become,) * 3 or os.getresgid() != (become,) * 3:
            raise SystemExit("could not drop privileges")


def main(workdir: Path) -> int:
    job = json.loads((workdir / "job.json").read_text())
    parent = os.getpid()
    result: dict[str, Any]
    try:
        if job["mode"] == "probe":  # the sandbox's start-up check: no imports, no user code
            result = {"ok": True, "uid": os.getuid(), "limits": LIMITS}
        else:
            result = {"ok": True, **run_job(workdir, job)}
    except ScriptFailure as failure:
        result = {"ok": False, "error": {"code": failure.code, "message": failure.message}}
    except BaseException as exc:  # the user's code may raise anything, SystemExit included
        result = {"ok": False, "error": user_error(exc, workdir)}
    if os.getpid() != parent:  # a process the script forked got here: only the original one reports
        os._exit(1)
    (workdir / "result.json").write_text(json.dumps(result))
    return 0


def run_job(workdir: Path, job: dict[str, Any]) -> dict[str, Any]:
    seed = int(job["seed"])
    random.seed(seed)
    import numpy
    import pandas as pd

    numpy.random.seed(seed % 2**32)
    bundle = job.get("bundle_dir")
    if bundle:
        sys.path.insert(0, str(workdir / bundle))
    module = load_user_module(workdir / job["script_file"])
    inputs = {name: read_table(workdir / file) for name, file in job["inputs"].items()}
    mode = job["mode"]
    if mode == "execute":
        entry = getattr(module, "azureml_main", None)
        if not callable(entry):
            raise ScriptFailure(
                "missing_entry_point",
                "The script must define a function azureml_main(dataframe1=None, dataframe2=None).",
            )
        returned = entry(inputs.get("dataframe1"), inputs.get("dataframe2"))
        frames = returned_frames(returned, pd)
        outputs = {
            f"result{i + 1}": write_table(workdir, f"result{i + 1}.arrow", f, pd)
            for i, f in enumerate(frames)
        }
        return {"outputs": outputs, "figures": save_figures(workdir)}
    model_class = getattr(module, "AzureMLModel", None)
    if model_class is None:
        raise ScriptFailure(
            "missing_entry_point",
            "The script must define a class AzureMLModel with train(df_train, df_label) and predict(df).",
        )
    if mode == "train":
        model = model_class()
        labels = inputs["df_label"]
        model.train(inputs["df_train"], labels[labels.columns[0]])
        (workdir / job["state_file"]).write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        return {"outputs": {}}
    if mode == "predict":
        model = pickle.loads((workdir / job["state_file"]).read_bytes())
        predicted = model.predict(inputs["df"])
        if isinstance(predicted, pd.Series):
            predicted = predicted.to_frame("Scored Labels")
        if not isinstance(predicted, pd.DataFrame):
            raise ScriptFailure(
                "invalid_script_output",
                f"AzureMLModel.predict must return a pandas DataFrame; it returned {type(predicted).__name__}.",
            )
        return {"outputs": {"scores": write_table(workdir, "scores.arrow", predicted, pd)}}
    raise ScriptFailure("invalid_job", f"unknown mode {mode!r}")


def load_user_module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(USER_MODULE, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered before running so that pickle finds AzureMLModel as azureml_user_script.AzureMLModel.
    sys.modules[USER_MODULE] = module
    spec.loader.exec_module(module)
    return module


def read_table(path: Path) -> Any:
    import pyarrow.feather as feather

    return feather.read_table(str(path)).to_pandas()


def returned_frames(returned: Any, pd: Any) -> list[Any]:
    if returned is None:
        return []
    items = list(returned) if isinstance(returned, (tuple, list)) else [returned]
    if len(items) > 2:
        raise ScriptFailure(
            "invalid_script_output",
            f"azureml_main returned {len(items)} values; return one DataFrame or a tuple of at most two.",
        )
    frames = []
    for position, item in enumerate(items, start=1):
        if isinstance(item, pd.Series):
            item = item.to_frame()
        if item is not None and not isinstance(item, pd.DataFrame):
            raise ScriptFailure(
                "invalid_script_output",
                f"azureml_main must return pandas DataFrames; value {position} is a {type(item).__name__}.",
            )
        frames.append(item)
    return frames


def write_table(workdir: Path, name: str, frame: Any, pd: Any) -> str | None:
    """Write one returned frame; None stays None (the output is then an empty dataset)."""
    if frame is None:
        return None
    import pyarrow as pa
    import pyarrow.feather as feather

    # A named index (what groupby gives) holds data the user expects to see; an unnamed one is dropped.
    if any(level is not None for level in frame.index.names):
        frame = frame.reset_index()
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise ScriptFailure(
            "invalid_script_output",
            f"A returned DataFrame has a column that cannot be stored as a dataset ({exc}). Make each "
            "column hold one kind of value (numbers, text, dates or booleans).",
        ) from None
    feather.write_feather(table, str(workdir / name), compression="uncompressed")
    return name


def save_figures(workdir: Path) -> list[str]:
    """PNGs of the matplotlib figures the script left open (only when it used matplotlib)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return []
    folder = workdir / "figures"
    folder.mkdir(exist_ok=True)
    names = []
    for number in pyplot.get_fignums():
        name = f"figures/figure_{number}.png"
        pyplot.figure(number).savefig(workdir / name, format="png")
        names.append(name)
    return names


def user_error(exc: BaseException, workdir: Path) -> dict[str, Any]:
    """The error as the user should see it: their line number and message, none of our frames."""
    user_files = {str((workdir / "azureml_user_script.py").resolve())}
    bundle = workdir / "Script Bundle"

    def is_user_file(filename: str) -> bool:
        resolved = str(Path(filename).resolve())
        return resolved in user_files or resolved.startswith(str(bundle.resolve()) + "/")

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if is_user_file(f.filename)]
    line = frames[-1].lineno if frames else None
    if isinstance(exc, SyntaxError) and exc.filename and is_user_file(exc.filename):
        line = exc.lineno
    code = "script_error"
    if isinstance(exc, SyntaxError):
        message = f"SyntaxError: {exc.msg}"
    elif isinstance(exc, SystemExit):
        message = f"the script called exit({exc.code!r}); return from azureml_main instead"
    else:
        message = f"{type(exc).__name__}: {exc}"
        limit = limit_explanation(exc)
        if limit:
            code, message = "script_resource_limit", f"{message} ({limit})"
    shown = [
        f'  File "{"Script Bundle/" + Path(f.filename).name if f.filename.startswith(str(bundle)) else "script"}", '
        f"line {f.lineno}, in {f.name}\n    {f.line or ''}".rstrip()
        for f in frames
    ]
    return {"code": code, "message": message, "line": line, "traceback": "\n".join(shown)}


def limit_explanation(exc: BaseException) -> str | None:
    """Say which sandbox limit an error comes from, when it does."""
    if not LIMITS:
        return None
    if isinstance(exc, MemoryError) and "as" in LIMITS:
        return f"the sandbox allows a script at most {LIMITS['as'] // 2**20} MB of memory"
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG and "fsize" in LIMITS:
        return f"the sandbox allows files of at most {LIMITS['fsize'] // 2**20} MB"
    if "nproc" in LIMITS and (
        (isinstance(exc, OSError) and exc.errno == errno.EAGAIN)
        or (isinstance(exc, RuntimeError) and "can't start new thread" in str(exc))
    ):
        return f"the sandbox allows a script at most {LIMITS['nproc']} processes and threads"
    if isinstance(exc, OSError) and exc.errno == errno.EMFILE and "nofile" in LIMITS:
        return f"the sandbox allows a script at most {LIMITS['nofile']} open files"
    return None


if __name__ == "__main__":
    confine(sys.argv[2:])
    os.chdir(sys.argv[1])
    sys.exit(main(Path(sys.argv[1])))
