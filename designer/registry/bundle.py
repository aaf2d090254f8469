"""Building the portable bundle of a model version (a zip; ``portable.py`` loads it).

Preferred content: the fitted inference pipeline that deploying the version's run would serve (the
deployments app's ``derive_inference_graph``: fitted transformations and the model bound, training-only
nodes removed), when that pipeline scores with this very model. Otherwise (the run cannot be deployed,
or it scores with another model) the bare model in the smallest graph that scores it: input -> Score
Model (or Assign Data to Clusters) -> output, with the model's feature columns as the input schema.

The sample request holds rows the run itself scored with this model where they can be traced, and
``expected_predictions.json`` what the run's scoring step gave for them; the bundle is checked against
them when it is built (``bundle.json`` says so under ``self_check``).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from designer.artifacts import store as artifacts
from designer.runs.models import DONE_STATUSES, Run
from modules.sdk import DataTable, ModuleError, PortType, codecs, get_module
from modules.web_service.endpoints import empty_table

from . import portable
from .models import ModelVersion
from .services import training_input

SAMPLE_ROWS = 3
PROTOTYPE_ROWS = 5
MATCH_ROWS = 2000  # training rows pushed through the pipeline to find ones the run scored
WEB_SERVICE_INPUT = "web_service.web_service_input"
WEB_SERVICE_OUTPUT = "web_service.web_service_output"
INPUT_NAME, OUTPUT_NAME = "WebServiceInput0", "WebServiceOutput0"
# The module that scores each kind of model, and its (model port, data port, output port).
SCORERS: dict[str, tuple[str, str, str, str]] = {
    PortType.TRAINED_MODEL: ("model_scoring_evaluation.score_model", "trained_model", "dataset", "scored_dataset"),
    PortType.TRAINED_CLUSTER_MODEL: (
        "model_scoring_evaluation.assign_data_to_clusters", "trained_model", "dataset", "results_dataset",
    ),
}  # fmt: skip


@dataclass
class Parts:
    kind: str  # inference_pipeline | model | model_file
    graph: dict[str, Any] | None
    input_schema: list[dict[str, str]]
    prototype: DataTable
    label_columns: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)
    expected: list[dict[str, Any]] | None = None
    expected_from: str = ""
    notes: list[str] = field(default_factory=list)


def _row_hashes(frame: pd.DataFrame) -> list[int]:
    return [int(h) for h in pd.util.hash_pandas_object(frame, index=False).to_numpy()]


def _records(table: DataTable, columns: list[str]) -> list[dict[str, Any]]:
    from designer.deployments.parity import source_records

    return source_records(table, [c for c in columns if c in table.df.columns])


def _score_records(table: DataTable, rows: list[int]) -> list[dict[str, Any]]:
    from designer.deployments.plan import column_values

    columns = [c for c in table.columns if table.meta[c].is_score]
    picked = table.df.iloc[rows].reset_index(drop=True)
    values = {c: column_values(picked[c]) for c in columns}
    return [{c: values[c][i] for c in columns} for i in range(len(rows))]


# --------------------------------------------------------------------------------------------------
# The fitted inference pipeline
# --------------------------------------------------------------------------------------------------


def pipeline_parts(version: ModelVersion, run: Run) -> Parts | str:
    """The deployable pipeline of the run when it scores with this model; else the reason it is not."""
    from designer.deployments import services as deployments
    from designer.deployments.derivation import DerivationRefused
    from designer.deployments.formats import RequestError, RowValidator
    from designer.deployments.plan import make_plan

    try:
        derived = deployments.derive_inference_graph(run)
    except DerivationRefused as exc:
        return f"No inference pipeline: {exc.message}"
    scorers = {
        node for node, ports in derived.bindings.items()
        if any(b.get("digest") == version.digest for b in ports.values())
    }  # fmt: skip
    if not scorers:
        return "No inference pipeline: deploying this run would score with another of its models."
    load = deployments.load_artifact
    source: DataTable = load(PortType.DATASET, derived.source["digest"])
    prototype = source.with_frame(source.df.head(PROTOTYPE_ROWS).reset_index(drop=True))
    plan = make_plan(derived.graph, load, prototype, derived.label_columns)
    spec = plan.inputs[0]
    candidates = source.with_frame(source.df.head(MATCH_ROWS).reset_index(drop=True))
    records = _records(candidates, [name for name, _ in spec.columns])
    try:
        batch = RowValidator(spec.name, spec.columns)(records)
    except RequestError as exc:
        return f"No inference pipeline: the training rows do not pass its input validation ({exc.message})."
    plan.resolve_placeholders({spec.name: batch})
    parts = Parts(
        kind="inference_pipeline",
        graph=derived.graph,
        input_schema=[{"name": n, "type": t} for n, t in spec.columns],
        prototype=spec.prototype,
        label_columns=list(derived.label_columns),
        placeholders=list(plan.placeholders),
        sample=records[:SAMPLE_ROWS],
        notes=list(derived.notes),
    )
    point = next((p for p in derived.parity_points if p["node"] in scorers), None)
    if point is not None:
        _trace_scored_rows(parts, plan, batch, records, point, version, load)
    return parts


def _trace_scored_rows(
    parts: Parts, plan: Any, batch: Any, records: list[dict[str, Any]], point: dict[str, Any],
    version: ModelVersion, load: Any,
) -> None:  # fmt: skip
    """Training rows whose way through the pipeline reaches the scoring step exactly as a row the run
    scored (matched on the model's features), and what the run predicted for them."""
    try:
        _, captured = plan.run_general({plan.inputs[0].name: batch}, capture=[point["node"]])
    except ModuleError:
        return
    plan_in: DataTable = captured[point["node"]][0][point["input_port"]]
    if len(plan_in) != batch.rows:  # rows were dropped on the way: positions no longer line up
        return
    run_in: DataTable = load(PortType.DATASET, point["run_input"])
    run_out: DataTable = load(PortType.DATASET, point["run_output"])
    features = version.summary.get("feature_columns") or plan_in.columns
    keys = [c for c in features if c in run_in.df.columns and c in plan_in.df.columns]
    if not keys:
        return
    scored: dict[int, int] = {}
    for position, digest in enumerate(_row_hashes(run_in.df[keys])):
        scored.setdefault(digest, position)
    picks: list[tuple[int, int]] = []
    for position, digest in enumerate(_row_hashes(plan_in.df[keys])):
        if digest in scored:
            picks.append((position, scored[digest]))
            if len(picks) == SAMPLE_ROWS:
                break
    if picks:
        parts.sample = [records[p] for p, _ in picks]
        parts.expected = _score_records(run_out, [r for _, r in picks])
        parts.expected_from = f"node '{point['node']}' of run {version.run_id}"


# --------------------------------------------------------------------------------------------------
# The bare model
# --------------------------------------------------------------------------------------------------


def model_parts(version: ModelVersion, run: Run | None) -> Parts:
    schema = list(version.input_schema)
    names = [c["name"] for c in schema]
    prototype = empty_table([(c["name"], c["type"]) for c in schema])
    training: DataTable | None = None
    step = run.steps.filter(node_id=version.node).first() if run is not None else None
    fed = training_input(run, step) if run is not None and step is not None else None
    digest = (fed[0].outputs or {}).get(fed[1]) if fed else None
    if digest:
        training = artifacts.load_value(PortType.DATASET, digest)
        if all(n in training.df.columns for n in names):
            prototype = training.with_frame(training.df[names].head(PROTOTYPE_ROWS).reset_index(drop=True))
    scorer = SCORERS.get(version.port_type)
    if scorer is None:
        return Parts(
            kind="model_file",
            graph=None,
            input_schema=schema,
            prototype=prototype,
            sample=_records(training.with_frame(training.df.head(SAMPLE_ROWS)), names) if training else [],
            notes=[f"No scoring graph for a {version.port_type}: the bundle holds the model file."],
        )
    module_key, model_port, data_port, out_port = scorer
    parts = Parts(
        kind="model",
        graph=_scoring_graph(version, schema, scorer),
        input_schema=schema,
        prototype=prototype,
        label_columns=[str(version.summary["label_column"])] if version.summary.get("label_column") else [],
    )
    if training is not None:
        parts.sample = _records(training.with_frame(training.df.head(SAMPLE_ROWS)), names)
    if run is None:
        return parts
    # What the run's own scoring step of this model read and gave (it keeps every row in order).
    for candidate in run.steps.filter(module_key=module_key, status__in=DONE_STATUSES).order_by("id"):
        upstream = candidate.upstream or {}
        if upstream.get(model_port) != [version.node, version.port] or data_port not in upstream:
            continue
        source = run.steps.filter(node_id=upstream[data_port][0]).first()
        data_digest = (source.outputs or {}).get(upstream[data_port][1]) if source else None
        out_digest = (candidate.outputs or {}).get(out_port)
        if not data_digest or not out_digest:
            continue
        data: DataTable = artifacts.load_value(PortType.DATASET, data_digest)
        if not all(n in data.df.columns for n in names):
            continue
        rows = list(range(min(SAMPLE_ROWS, len(data))))
        parts.sample = _records(data.with_frame(data.df.iloc[rows]), names)
        parts.expected = _score_records(artifacts.load_value(PortType.DATASET, out_digest), rows)
        parts.expected_from = f"node '{candidate.node_id}' of run {run.pk}"
        break
    return parts


def _scoring_graph(
    version: ModelVersion, schema: list[dict[str, str]], scorer: tuple[str, str, str, str]
) -> dict[str, Any]:
    module_key, model_port, data_port, out_port = scorer
    modules = {key: get_module(key) for key in (WEB_SERVICE_INPUT, module_key, WEB_SERVICE_OUTPUT)}
    return {
        "schema_version": 1,
        "nodes": [
            {"id": "input", "module": WEB_SERVICE_INPUT, "module_version": modules[WEB_SERVICE_INPUT].version,
             "params": {"name": INPUT_NAME, "schema": json.dumps(schema)}},
            {"id": "score", "module": module_key, "module_version": modules[module_key].version, "params": {}},
            {"id": "output", "module": WEB_SERVICE_OUTPUT,
             "module_version": modules[WEB_SERVICE_OUTPUT].version, "params": {"name": OUTPUT_NAME}},
        ],
        "edges": [
            {"source": "input", "source_port": "output_dataset", "target": "score", "target_port": data_port},
            {"source": "score", "source_port": out_port, "target": "output", "target_port": "dataset"},
        ],
        "ui": {},
        "bindings": {"score": {model_port: {"digest": version.digest, "type": version.port_type,
                                            "source": {"node": version.node, "port": version.port}}}},
    }  # fmt: skip


# --------------------------------------------------------------------------------------------------
# The archive
# --------------------------------------------------------------------------------------------------


def _file_for(port_type: str, digest: str) -> str:
    return f"artifacts/{digest}.{'arrow' if port_type == PortType.DATASET else 'pkl'}"


def _same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return len(a) == len(b) and all(
        x.keys() == y.keys() and all(type(x[k]) is type(y[k]) and x[k] == y[k] for k in x)
        for x, y in zip(a, b, strict=True)
    )


def build_bundle(version: ModelVersion) -> bytes:
    run = version.run
    notes: list[str] = []
    parts: Parts | None = None
    if run is not None:
        found = pipeline_parts(version, run)
        if isinstance(found, str):
            notes.append(found)
        else:
            parts = found
    else:
        notes.append("The run of this version was deleted: the bundle holds the bare model.")
    if parts is None:
        parts = model_parts(version, run)
    notes += parts.notes
    files: dict[str, bytes] = {portable.MODEL_FILE: artifacts.load_bytes(version.digest)}
    listed: dict[str, dict[str, str]] = {
        version.digest: {"file": portable.MODEL_FILE, "type": version.port_type}
    }
    if parts.graph is not None:
        for ports in (parts.graph.get("bindings") or {}).values():
            for binding in ports.values():
                digest, port_type = binding["digest"], binding["type"]
                if digest not in listed:
                    listed[digest] = {"file": _file_for(port_type, digest), "type": port_type}
                    files[listed[digest]["file"]] = artifacts.load_bytes(digest)
        files[portable.GRAPH_FILE] = json.dumps(parts.graph, indent=1).encode()
    files[portable.PROTOTYPE_FILE] = codecs.table_to_bytes(parts.prototype)
    files[portable.SCHEMA_FILE] = json.dumps(parts.input_schema, indent=1).encode()
    files[portable.SAMPLE_FILE] = json.dumps({"inputs": parts.sample}, indent=1).encode()
    if parts.expected is not None:
        files[portable.EXPECTED_FILE] = json.dumps(
            {"from": parts.expected_from, "predictions": parts.expected}, indent=1
        ).encode()
    manifest = _manifest(version, parts, listed, notes)
    files[portable.MANIFEST] = json.dumps(manifest, indent=1).encode()
    manifest["self_check"] = _self_check(files, parts)
    files[portable.MANIFEST] = json.dumps(manifest, indent=1).encode()
    files["README.md"] = readme(version, parts).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return buffer.getvalue()


def _manifest(
    version: ModelVersion, parts: Parts, listed: dict[str, dict[str, str]], notes: list[str]
) -> dict[str, Any]:
    from designer.runs.engine import library_versions

    return {
        "format": portable.BUNDLE_FORMAT,
        "format_version": portable.BUNDLE_FORMAT_VERSION,
        "kind": parts.kind,
        "model": {
            "name": version.model.name,
            "version": version.number,
            "file": portable.MODEL_FILE,
            "port_type": version.port_type,
            "digest": version.digest,
            "trained_by": {"node": version.node, "port": version.port, "module": version.module_key},
            "summary": version.summary,
        },
        "input": {"name": INPUT_NAME, "schema": parts.input_schema},
        "label_columns": parts.label_columns,
        "placeholders": parts.placeholders,
        "artifacts": listed,
        "metrics": version.metrics,
        "lineage": version.lineage,
        "notes": notes,
        "libraries": library_versions(),
        "built_at": datetime.now(UTC).isoformat(),
    }


def _self_check(files: dict[str, bytes], parts: Parts) -> dict[str, Any]:
    if parts.expected is None or parts.graph is None:
        return {"checked": False, "reason": "no rows the run scored with this model could be traced"}
    try:
        got = portable.ModelBundle(files).predict(parts.sample)
    except Exception as exc:  # recorded, not raised: the bundle is still the model's bytes
        return {"checked": True, "equal": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"checked": True, "rows": len(parts.sample), "equal": _same(got, parts.expected)}


def bundle_bytes(version: ModelVersion) -> bytes:
    """The version's bundle: built on first download, then kept in the artifact store."""
    if version.bundle_digest and artifacts.store().exists(version.bundle_digest):
        return artifacts.load_bytes(version.bundle_digest)
    data = build_bundle(version)
    digest = artifacts.save_bytes(data, "application/zip", "model_bundle")
    ModelVersion.objects.filter(pk=version.pk).update(bundle_digest=digest)
    return data


def bundle_filename(version: ModelVersion) -> str:
    return f"{version.model.name}-v{version.number}.zip"


def readme(version: ModelVersion, parts: Parts) -> str:
    what = {
        "inference_pipeline": "the fitted inference pipeline of the run (what deploying it would serve: its "
        "fitted transformations and the trained model bound, training-only nodes removed)",
        "model": "the trained model in the smallest pipeline that scores it (input -> "
        f"{get_module(SCORERS[version.port_type][0]).title} -> output)"
        if version.port_type in SCORERS
        else "the trained model",
        "model_file": "the trained model file (no scoring graph exists for this kind of model)",
    }[parts.kind]
    columns = "\n".join(f"- `{c['name']}` ({c['type']})" for c in parts.input_schema) or "- (none recorded)"
    return f"""# {version.model.name}, version {version.number}

Exported from the ML designer's model registry. This bundle holds {what}.

Trained by node `{version.node}` (`{version.module_key}`) of run `{version.run_id}`.

## Files

- `bundle.json`: the manifest (model, input schema, artifacts by digest, metrics, lineage, library
  versions, and `self_check`: whether the bundle reproduced the run's predictions when it was built).
- `model.pkl`: the trained model, pickled. **Never open it with `pickle.load`**: read it with the
  designer's allow-list loader (below), which refuses any object outside the designer's and its
  learning libraries' classes, so a tampered file cannot run code.
- `inference_graph.json`: the pipeline graph with its bindings (artifact digests, listed in
  `bundle.json` under `artifacts`; other bound artifacts are under `artifacts/`).
- `prototype.arrow`: a few training rows (Arrow IPC) that fix each input column's type.
- `input_schema.json`: the columns a request must carry:
{columns}
- `sample_request.json`: a request in the designer's format `{{"inputs": [rows]}}`.
- `expected_predictions.json` (when present): what the run's scoring step predicted for those rows.

## Load and score (Python, with the designer package installed; no server needed)

```python
import json
from designer.registry.portable import load_bundle

model = load_bundle("{bundle_filename(version)}")
rows = model.sample_request["inputs"]
print(model.predict(rows))   # the score columns of each row
print(model.score(rows))     # the request's columns with the scores
```

`predict` equals `expected_predictions.json` value for value: the same modules, fitted state and
model the run used.

## Only the model

```python
import zipfile
from modules.sdk import DataTable, codecs

with zipfile.ZipFile("{bundle_filename(version)}") as bundle:
    model = codecs.object_from_bytes(bundle.read("model.pkl"))   # the allow-list unpickler
    prototype = codecs.table_from_bytes(bundle.read("prototype.arrow"))
print(model.score(prototype))   # a table with the model's feature columns -> its score columns
```

The model reads its feature columns already transformed as in training; with an inference pipeline,
`predict` applies those transformations for you.
"""
