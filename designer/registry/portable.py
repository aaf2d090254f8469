"""Load a model bundle downloaded from the registry and score rows with it, outside the server.

Needs the designer package installed (its ``modules`` library and the deployments' inference plan), not
Django, a database or a worker::

    from designer.registry.portable import load_bundle

    model = load_bundle("churn-classifier-v2.zip")
    rows = model.sample_request["inputs"]
    model.predict(rows)          # the score columns of each row, as the run's Score Model gave them

Every stored object is read with the allow-list unpickler (``modules.sdk.codecs``): an archive whose
pickles name anything outside the allow-list (``os.system``, ``builtins.eval`` ...) is refused, never run.
A bundle holds an inference graph (graph JSON with bound artifacts, as a deployment would serve it, or
for a bare model the smallest one: input -> Score Model -> output), the input schema, a few training
rows that fix the column types, a sample request and, when the run scored those rows, what it predicted.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import IO, Any

from modules.sdk import DataTable, codecs

BUNDLE_FORMAT = "designer-model-bundle"
BUNDLE_FORMAT_VERSION = 1
MANIFEST = "bundle.json"
MODEL_FILE = "model.pkl"
GRAPH_FILE = "inference_graph.json"
PROTOTYPE_FILE = "prototype.arrow"
SCHEMA_FILE = "input_schema.json"
SAMPLE_FILE = "sample_request.json"
EXPECTED_FILE = "expected_predictions.json"


class BundleError(Exception):
    pass


class ModelBundle:
    """A loaded bundle: ``predict`` and ``score`` take rows as JSON objects (column: value)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        if MANIFEST not in files:
            raise BundleError(f"Not a model bundle: there is no {MANIFEST} in it.")
        self.manifest: dict[str, Any] = json.loads(files[MANIFEST])
        if self.manifest.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"Not a model bundle: {MANIFEST} does not say format {BUNDLE_FORMAT!r}.")
        if int(self.manifest.get("format_version", 0)) > BUNDLE_FORMAT_VERSION:
            raise BundleError(
                f"This bundle has format version {self.manifest['format_version']}; this designer reads "
                f"up to {BUNDLE_FORMAT_VERSION}. Upgrade the designer package."
            )
        self._files = files
        self.input_schema: list[dict[str, str]] = json.loads(files[SCHEMA_FILE])
        self.sample_request: dict[str, Any] = json.loads(files[SAMPLE_FILE]) if SAMPLE_FILE in files else {}
        self.expected_predictions: list[dict[str, Any]] | None = (
            json.loads(files[EXPECTED_FILE])["predictions"] if EXPECTED_FILE in files else None
        )
        self._plan: Any = None
        self._model: Any = None

    # -- what is inside ------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def model(self) -> Any:
        """The trained model object (decoded with the allow-list unpickler)."""
        if self._model is None:
            self._model = codecs.decode(self.manifest["model"]["port_type"], self._files[MODEL_FILE])
        return self._model

    def _load(self, port_type: str, digest: str) -> Any:
        entry = self.manifest["artifacts"].get(digest)
        if entry is None:
            raise BundleError(f"The bundle lacks the artifact {digest} that its graph binds.")
        if entry["file"] == MODEL_FILE:
            return self.model
        return codecs.decode(port_type, self._files[entry["file"]])

    def plan(self) -> Any:
        """The inference plan (built once): the same object a deployed endpoint scores with."""
        if self._plan is None:
            if GRAPH_FILE not in self._files:
                raise BundleError(
                    "This bundle holds the model file only (no scoring graph for its kind of model): load "
                    "it with `bundle.model` and score it the way its pipeline did."
                )
            from designer.deployments.plan import make_plan

            prototype: DataTable = codecs.table_from_bytes(self._files[PROTOTYPE_FILE])
            self._plan = make_plan(
                json.loads(self._files[GRAPH_FILE]),
                self._load,
                prototype,
                self.manifest.get("label_columns") or [],
                self.manifest.get("placeholders") or [],
            )
        return self._plan

    # -- scoring -------------------------------------------------------------------------------------
    def _reply(self, rows: list[dict[str, Any]]) -> Any:
        from designer.deployments.formats import RequestError, RowValidator

        plan = self.plan()
        spec = plan.inputs[0]
        try:
            batch = RowValidator(spec.name, spec.columns)(rows)
        except RequestError as exc:
            raise BundleError(exc.message) from None
        replies, _ = plan.run_general({spec.name: batch})
        return replies[plan.outputs[0]]

    def predict(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The score columns (Scored Labels, Scored Probabilities ...) of each row."""
        reply = self._reply(rows)
        return reply.records(reply.scores or None)

    def score(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every column of the reply (the request's columns and the scores), row by row."""
        return self._reply(rows).records()


def read_files(source: str | Path | bytes | IO[bytes]) -> dict[str, bytes]:
    data = source if isinstance(source, bytes) else None
    if isinstance(source, (str, Path)):
        data = Path(source).read_bytes()
    stream: IO[bytes] = io.BytesIO(data) if data is not None else source  # type: ignore[assignment]
    try:
        with zipfile.ZipFile(stream) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except zipfile.BadZipFile:
        raise BundleError("Not a model bundle: the file is not a zip archive.") from None


def load_bundle(source: str | Path | bytes | IO[bytes]) -> ModelBundle:
    """A bundle from a path, its bytes or an open binary file."""
    return ModelBundle(read_files(source))
