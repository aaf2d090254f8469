"""Train/serve parity: before an endpoint version goes live, it must give exactly what the run gave.

The training data source's rows go through the plan as requests would (to JSON and back, validated
against the input schema). The plan's input to each scoring step is matched, row by row, to what the
scoring step received in the run (on the model's feature columns, value for value); for every matched
row, the plan's score columns must equal the run's bit for bit. Rows of the run that no plan row
reproduces are differences too (a transformation that did not replay), unless the run made rows up
(SMOTE) or the source was sampled. Then the fast path must equal the general path on the same rows, or
it is turned off for this version.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import orjson
import pandas as pd

from modules.sdk import DataTable, ModuleError

from .formats import RequestError, RowValidator
from .plan import Batch, Fallback, InferencePlan, Reply, column_values

MAX_SOURCE_ROWS = 20_000
MAX_SHOWN = 10
ROW_MAKING_MODULES = {"data_transformation.smote"}


def source_records(table: DataTable, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as a client would send them: plain JSON values, null for missing (through JSON and back)."""
    data = {c: column_values(table.df[c]) for c in columns}
    rows = [dict(zip(columns, values, strict=True)) for values in zip(*data.values(), strict=True)]
    return orjson.loads(orjson.dumps(rows))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def replies_equal(a: Reply, b: Reply) -> tuple[bool, str]:
    for name in a:
        x, y = a[name], b.get(name)
        if y is None or x.columns != y.columns or x.rows != y.rows:
            return False, f"output {name}: columns or row counts differ"
        for column in x.columns:
            for row, (u, v) in enumerate(zip(x.values(column), y.values(column), strict=True)):
                if not (u is None and v is None) and not (type(u) is type(v) and u == v):
                    return False, f"output {name}, row {row}, column {column!r}: {u!r} != {v!r}"
    return True, ""


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def check_parity(
    plan: InferencePlan,
    inference: dict[str, Any],
    load: Any,
    *,
    max_rows: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    started = time.perf_counter()
    report: dict[str, Any] = {
        "ok": False,
        "rows_compared": 0,
        "rows_unmatched": 0,
        "differences": [],
        "fast_path": {"enabled": False, "note": plan.fast_note},
    }
    spec = plan.inputs[0]
    source: DataTable = load("dataset", inference["source"]["digest"])
    sampled = len(source) > MAX_SOURCE_ROWS
    if sampled:
        source = source.with_frame(source.df.sample(n=MAX_SOURCE_ROWS, random_state=seed).sort_index())
    report["source_rows"] = len(source)
    columns = [name for name, _ in spec.columns]
    try:
        batch = RowValidator(spec.name, spec.columns)(source_records(source, columns))
    except RequestError as exc:
        report["message"] = (
            f"The training rows do not pass the endpoint's own input validation: {exc.message}"
        )
        return _done(report, started)
    batches = {spec.name: batch}
    before = list(plan.placeholders)
    plan.resolve_placeholders(batches)
    if plan.placeholders != before and plan.fast_note != "not compiled":
        plan.compile_fast_path()  # the label placeholders are columns of the compiled program too
    points = inference.get("parity_points") or []
    try:
        general, captured = plan.run_general(batches, capture=[p["node"] for p in points])
    except ModuleError as exc:
        report["message"] = f"Scoring the training rows through the inference graph failed: {exc.message}"
        return _done(report, started)
    tolerate_unmatched = sampled or any(
        r.get("module") in ROW_MAKING_MODULES for r in inference.get("removed", [])
    )
    if not points:
        report["message"] = "The run recorded no scored data to compare with."
        return _done(report, started)
    problems = []
    for point in points:
        problems += _compare_point(plan, point, captured, load, report, tolerate_unmatched, max_rows)
    report["differences"] = problems[:MAX_SHOWN]
    report["rows_with_differences"] = len({(p["node"], p["row"]) for p in problems})
    if problems:
        first = problems[0]
        report["message"] = (
            f"{report['rows_with_differences']} row(s) differ from the run; the first: row {first['row']} "
            f"of '{first['node']}', {first['detail']}"
        )
        return _done(report, started)
    if report["rows_compared"] == 0:
        report["message"] = "None of the rows the run scored could be traced back to its data source."
        return _done(report, started)
    report["ok"] = True
    report["message"] = f"{report['rows_compared']} row(s) scored exactly as in the run."
    _check_fast_path(plan, batch, general, report)
    return _done(report, started)


def _done(report: dict[str, Any], started: float) -> dict[str, Any]:
    report["seconds"] = round(time.perf_counter() - started, 4)
    return report


def _compare_point(
    plan: InferencePlan,
    point: dict[str, Any],
    captured: dict[str, Any],
    load: Any,
    report: dict[str, Any],
    tolerate_unmatched: bool,
    max_rows: int,
) -> list[dict[str, Any]]:
    node = point["node"]
    if node not in captured:
        return [{"node": node, "row": 0, "detail": "the scoring step did not run"}]
    inputs, outputs = captured[node]
    plan_in: DataTable = inputs[point["input_port"]]
    plan_out: DataTable = outputs[point["output_port"]]
    run_in: DataTable = load("dataset", point["run_input"])
    run_out: DataTable = load("dataset", point["run_output"])
    model = next((v for k, v in plan.bound.items() if k[0] == node and hasattr(v, "feature_columns")), None)
    keys = [c for c in (getattr(model, "feature_columns", None) or plan_in.columns) if c in run_in.df.columns]
    keys = [c for c in keys if c in plan_in.df.columns]
    if not keys:
        return [{"node": node, "row": 0, "detail": "no feature columns to match rows on"}]
    plan_index: dict[int, int] = {}
    for position, digest in enumerate(_row_hashes(plan_in.df[keys])):
        plan_index.setdefault(int(digest), position)
    matches, unmatched = [], []
    for position, digest in enumerate(_row_hashes(run_in.df[keys])):
        found = plan_index.get(int(digest))
        if found is None:
            unmatched.append(position)
        else:
            matches.append((position, found))
    report["rows_unmatched"] += len(unmatched)
    problems: list[dict[str, Any]] = []
    if unmatched and not tolerate_unmatched:
        for position in unmatched[:MAX_SHOWN]:
            values = {c: _plain(run_in.df[c].iloc[position]) for c in keys[:8]}
            problems.append(
                {
                    "node": node,
                    "row": position,
                    "detail": "the inference graph produced no row with this row's features "
                    f"(first values: {values})",
                    "input": values,
                }
            )
    score_columns = [c for c in run_out.columns if run_out.meta[c].is_score]
    missing = [c for c in score_columns if c not in plan_out.df.columns]
    if missing:
        return [*problems, {"node": node, "row": 0, "detail": f"the score column {missing[0]!r} is missing"}]
    matches = matches[:max_rows]
    report["rows_compared"] += len(matches)
    run_rows = [m[0] for m in matches]
    plan_rows = [m[1] for m in matches]
    for column in score_columns:
        expected = column_values(run_out.df[column].iloc[run_rows].reset_index(drop=True))
        got = column_values(plan_out.df[column].iloc[plan_rows].reset_index(drop=True))
        for (run_row, _), e, g in zip(matches, expected, got, strict=True):
            if not (e is None and g is None) and not (type(e) is type(g) and e == g):
                problems.append(
                    {
                        "node": node,
                        "row": run_row,
                        "column": column,
                        "expected": e,
                        "got": g,
                        "detail": f"column {column!r}: the run gave {e!r}, the endpoint {g!r}",
                        "input": {c: _plain(run_in.df[c].iloc[run_row]) for c in keys[:8]},
                    }
                )
    return problems


def _check_fast_path(plan: InferencePlan, batch: Batch, general: Reply, report: dict[str, Any]) -> None:
    if plan.fast is None:
        report["fast_path"] = {"enabled": False, "note": plan.fast_note}
        return
    try:
        fast = plan.fast.run(batch)
        same, detail = replies_equal(general, fast)
        # Single rows too: what one-row requests will take.
        for i in range(min(batch.rows, 3)):
            if not same:
                break
            one = Batch(1, {c: [v[i]] for c, v in batch.columns.items()})
            same, detail = replies_equal(plan.run_general({plan.fast.input_name: one})[0], plan.fast.run(one))
    except Fallback as exc:
        same, detail = True, f"the training rows take the general path ({exc})"
    except Exception as exc:  # the general path is the reference: any fast-path failure turns it off
        same, detail = False, f"{type(exc).__name__}: {exc}"
    if same:
        report["fast_path"] = {"enabled": True, "note": detail or "identical to the general path"}
    else:
        plan.disable_fast_path(f"differs from the general path ({detail})")
        report["fast_path"] = {"enabled": False, "note": plan.fast_note}
