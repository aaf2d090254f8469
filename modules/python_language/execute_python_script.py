"""Execute Python Script: run the user's ``azureml_main`` on up to two datasets in a separate process."""

from __future__ import annotations

import base64
from typing import Any

import pandas as pd

from modules.sdk import (
    BoolParam,
    Category,
    DataTable,
    IntParam,
    Module,
    Port,
    PortType,
    RunContext,
    TextParam,
    register,
)

from .runner import ScriptResult, run_python_script, runner_for

DEFAULT_SCRIPT = """\
# The script MUST contain a function named azureml_main,
# which is the entry point for this module.
#
# The entry point function must have two input arguments:
#   Param<dataframe1>: a pandas.DataFrame (or None when Dataset1 is not connected)
#   Param<dataframe2>: a pandas.DataFrame (or None when Dataset2 is not connected)
# Files of a zip connected to Script bundle are in the folder "Script Bundle", which is importable.
import pandas as pd


def azureml_main(dataframe1=None, dataframe2=None):
    # Execution logic goes here
    print(f"Input pandas.DataFrame #1: {dataframe1}")

    # Return value must be a sequence of up to two pandas.DataFrame
    return (dataframe1,)
"""

TIMEOUT_PARAM = IntParam(
    "timeout_seconds",
    "Timeout (seconds)",
    default=600,
    min=1,
    max=86_400,
    advanced=True,
    description="The script is stopped, and the module fails, when it runs longer than this.",
)


def carried_table(frame: pd.DataFrame | None, *sources: DataTable | None) -> DataTable:
    """A returned frame as a dataset, keeping the metadata (label, categorical ...) of same-named input
    columns; a missing frame is an empty dataset."""
    if frame is None:
        return DataTable(pd.DataFrame())
    meta = {}
    for source in reversed([s for s in sources if s is not None]):
        meta.update(source.meta)
    return DataTable(frame, meta)


def device_table(result: ScriptResult) -> DataTable:
    """What the reference's "Python device" showed: printed output and the figures the script drew."""
    rows = [
        (stream, stream, text)
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr))
        if text
    ]
    rows += [
        ("figure", name, "data:image/png;base64," + base64.b64encode(png).decode("ascii"))
        for name, png in result.figures
    ]
    return DataTable(pd.DataFrame(rows, columns=["Kind", "Name", "Content"], dtype=object))


@register
class ExecutePythonScript(Module):
    """Run your own Python (pandas) code on up to two datasets.

    The script defines ``azureml_main(dataframe1=None, dataframe2=None)``, which receives the connected
    datasets as pandas DataFrames and returns a DataFrame or a tuple of up to two (they become Result
    dataset and Result dataset2; a missing one is an empty dataset). Columns that keep their names keep
    their metadata (label, categorical). A zip connected to Script bundle is unpacked into the folder
    "Script Bundle" and put on the import path, so its modules can be imported.

    The script runs in a separate Python process with the run's random seed applied to ``random`` and
    ``numpy.random``, and is stopped after Timeout (seconds). On the designer it runs in a sandbox: no
    network, no files but its own folder (and the installed Python packages, read-only), and limits on
    memory, CPU time, file sizes and processes; it can import the packages installed with the product
    (pandas, numpy, scikit-learn, scipy, lightgbm, xgboost, matplotlib when installed, ...). What it prints goes to the run log, and
    Python device lists it together with any matplotlib figures left open. When it fails, the error
    names the line of your script and the message.

    Deterministic: when checked (the default), a rerun with the same script, inputs and seed reuses the
    previous results. Uncheck it when the script reads the clock, unseeded randomness or outside data.
    """

    key = "python_language.execute_python_script"
    title = "Execute Python Script"
    category = Category.PYTHON_LANGUAGE
    inputs = (
        Port("dataset1", "Dataset1", PortType.DATASET, optional=True),
        Port("dataset2", "Dataset2", PortType.DATASET, optional=True),
        Port("script_bundle", "Script bundle", PortType.SCRIPT_BUNDLE, optional=True),
    )
    outputs = (
        Port("result_dataset", "Result dataset", PortType.DATASET),
        Port("result_dataset2", "Result dataset2", PortType.DATASET),
        Port(
            "python_device",
            "Python device",
            PortType.DATASET,
            optional=True,
            description="Printed output and matplotlib figures (PNG data URIs).",
        ),
    )
    params = (
        TextParam("python_script", "Python script", default=DEFAULT_SCRIPT, language="python"),
        TIMEOUT_PARAM,
        BoolParam(
            "deterministic",
            "Deterministic",
            default=True,
            advanced=True,
            description="Reuse cached results when the script, inputs and seed are unchanged.",
        ),
    )

    @classmethod
    def is_deterministic(cls, params: dict[str, Any]) -> bool:
        return bool(params.get("deterministic", True))

    def run(
        self,
        ctx: RunContext,
        params: dict[str, Any],
        dataset1: DataTable | None = None,
        dataset2: DataTable | None = None,
        script_bundle: bytes | None = None,
    ) -> dict[str, Any]:
        inputs = {
            name: table.df
            for name, table in (("dataframe1", dataset1), ("dataframe2", dataset2))
            if table is not None
        }
        result = run_python_script(
            "execute",
            params["python_script"],
            inputs=inputs,
            seed=ctx.seed,
            timeout=params["timeout_seconds"],
            logger=ctx.logger,
            cancel_event=ctx.cancel_event,
            bundle=script_bundle,
            runner=runner_for(ctx.services),
            cpu_threads=ctx.cpu_budget,
        )
        return {
            "result_dataset": carried_table(result.tables.get("result1"), dataset1, dataset2),
            "result_dataset2": carried_table(result.tables.get("result2"), dataset1, dataset2),
            "python_device": device_table(result),
        }
