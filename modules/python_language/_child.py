"""The program that runs a user's Python script in its own process.

Started as ``python -P -s -B _child.py WORKDIR`` by ``runner.py``; it reads ``job.json`` from WORKDIR,
loads the user's script as the module ``azureml_user_script``, calls it, and writes the results back
into WORKDIR: tables as Arrow (Feather) files, a pickled model for Create Python Model, figures as PNG,
and ``result.json`` with either the outputs or the user's error (type, message, line, and a traceback
limited to the user's own files). It imports nothing from the designer, so a sandbox only needs
Python, pandas and pyarrow.
"""

from __future__ import annotations

import importlib.util
import json
import pickle
import random
import sys
import traceback
from pathlib import Path
from typing import Any

USER_MODULE = "azureml_user_script"


class ScriptFailure(Exception):
    """A problem with what the script returned (not an exception raised inside it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def main(workdir: Path) -> int:
    job = json.loads((workdir / "job.json").read_text())
    result: dict[str, Any]
    try:
        result = {"ok": True, **run_job(workdir, job)}
    except ScriptFailure as failure:
        result = {"ok": False, "error": {"code": failure.code, "message": failure.message}}
    except BaseException as exc:  # the user's code may raise anything, SystemExit included
        result = {"ok": False, "error": user_error(exc, workdir)}
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
    if isinstance(exc, SyntaxError):
        message = f"SyntaxError: {exc.msg}"
    elif isinstance(exc, SystemExit):
        message = f"the script called exit({exc.code!r}); return from azureml_main instead"
    else:
        message = f"{type(exc).__name__}: {exc}"
    shown = [
        f'  File "{"Script Bundle/" + Path(f.filename).name if f.filename.startswith(str(bundle)) else "script"}", '
        f"line {f.lineno}, in {f.name}\n    {f.line or ''}".rstrip()
        for f in frames
    ]
    return {"code": "script_error", "message": message, "line": line, "traceback": "\n".join(shown)}


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
