"""Export Data: save a pipeline's table as a new dataset version or as a file.

It has no output port (as in the reference product): what it produces is the saved dataset or file,
whose reference is written to the step's log. Being a side effect, it is removed from inference
pipelines, and it runs again on every submission when "Regenerate output" is checked.
"""

from __future__ import annotations

import posixpath
from typing import Any

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    StringParam,
    register,
)

from .parsing import table_to_bytes
from .services import DATASETS, FILES, DatasetStore, FileStore, require_service

TO_DATASET = "New dataset version"
TO_FILE = "File"
FILE_FORMATS = {"CSV": ".csv", "TSV": ".tsv", "Parquet": ".parquet"}


@register
class ExportData(Module):
    """Save the dataset outside the pipeline.

    - **New dataset version**: register the table (with its column types, labels and features) as the
      next version of the dataset named **Dataset name**, to reuse in other pipelines with Import Data.
    - **File**: write a CSV, TSV or Parquet file at **Path** in the workspace's file area. The path is
      relative (like ``exports/scores.csv``); absolute paths, ``..`` and URLs are refused.

    The saved dataset version or file is shown in the step's log.
    """

    key = "data_input_output.export_data"
    title = "Export Data"
    category = Category.DATA_INPUT_OUTPUT
    deterministic = False
    training_only = True
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = ()
    params = (
        ChoiceParam("destination", "Destination", default=TO_DATASET, choices=(TO_DATASET, TO_FILE)),
        StringParam(
            "dataset_name", "Dataset name", max_length=200, visible_when={"destination": (TO_DATASET,)}
        ),
        StringParam(
            "path",
            "Path",
            description="Relative path of the file, like exports/scores.csv.",
            max_length=500,
            visible_when={"destination": (TO_FILE,)},
        ),
        ChoiceParam(
            "file_format",
            "File format",
            default="CSV",
            choices=tuple(FILE_FORMATS),
            visible_when={"destination": (TO_FILE,)},
        ),
        BoolParam(
            "regenerate_output",
            "Regenerate output",
            default=False,
            description="Export again on every run even when the data did not change.",
        ),
    )

    @classmethod
    def is_deterministic(cls, params: dict[str, Any]) -> bool:
        # Reusing the previous result means not exporting the same data twice.
        return not params.get("regenerate_output")

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        if params["destination"] == TO_DATASET:
            name = (params["dataset_name"] or "").strip()
            if not name:
                raise ModuleError(
                    "missing_parameter", "Give the name of the dataset to save to.", parameter="dataset_name"
                )
            store: DatasetStore = require_service(ctx, DATASETS, "dataset store")
            reference = store.save(DataTable.from_frame(dataset.df.copy(), like=dataset), name)
        else:
            path = clean_relative_path(params["path"] or "", FILE_FORMATS[params["file_format"]])
            files: FileStore = require_service(ctx, FILES, "file store")
            reference = files.save(path, table_to_bytes(dataset, params["file_format"]))
        ctx.logger.info(
            "Exported %d rows and %d columns to %s.", len(dataset), len(dataset.columns), reference
        )
        return {}


def clean_relative_path(path: str, extension: str) -> str:
    """A normalised relative POSIX path, refusing anything that could leave the file area."""
    path = path.strip()
    if not path:
        raise ModuleError("missing_parameter", "Give the path of the file to write.", parameter="path")
    if "://" in path or path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":") or "\\" in path:
        raise ModuleError(
            "invalid_path",
            f"'{path}' is not a relative path. Write it like exports/scores{extension}, without a leading "
            "slash, drive letter, backslashes or URL.",
            parameter="path",
        )
    normalised = posixpath.normpath(path)
    if normalised == "." or normalised.startswith("..") or any(p == ".." for p in path.split("/")):
        raise ModuleError(
            "invalid_path", f"'{path}' must stay inside the file area: remove '..'.", parameter="path"
        )
    if not posixpath.splitext(normalised)[1]:
        normalised += extension
    return normalised
