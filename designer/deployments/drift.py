"""Input drift: the population stability index of each input column, requests against training data.

At deploy time each column's training distribution is summarised: numeric columns by the edges of their
deciles (ten bins of equal training share) and the share of missing values; text columns by the share of
their most frequent values, everything else pooled as "other". Requests are sampled as they arrive; PSI
is sum((a - e) * ln(a / e)) over the bins, with shares floored at 1e-4. Below 0.1 is usually read as
stable, 0.1 to 0.25 as a moderate shift, above 0.25 as a significant one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import DataTable

BINS = 10
TOP_LEVELS = 20
FLOOR = 1e-4
MISSING = "__missing__"
OTHER = "__other__"


def reference_distribution(table: DataTable, schema: list[dict[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in schema:
        name = column["name"]
        if name not in table.df.columns:
            continue
        series = table.df[name]
        if column["type"] in ("double", "integer"):
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            finite = values[np.isfinite(values)]
            if not len(finite):
                continue
            edges = np.unique(np.quantile(finite, np.linspace(0, 1, BINS + 1)[1:-1])).tolist()
            counts = _numeric_counts(values, edges)
            out[name] = {"kind": "numeric", "edges": edges, "shares": _shares(counts)}
        else:
            text = series.astype(object).where(series.notna(), None)
            counts_by_level = pd.Series([str(v) if v is not None else MISSING for v in text]).value_counts()
            levels = [lvl for lvl in counts_by_level.index[:TOP_LEVELS] if lvl != MISSING]
            out[name] = {
                "kind": "categorical",
                "levels": levels,
                "shares": _shares(_level_counts([None if v is None else str(v) for v in text], levels)),
            }
    return out


def _numeric_counts(values: np.ndarray, edges: list[float]) -> list[int]:
    missing = ~np.isfinite(values)
    bins = np.searchsorted(np.asarray(edges), values[~missing], side="right")
    counts = np.bincount(bins, minlength=len(edges) + 1).tolist()
    return [*counts, int(missing.sum())]


def _level_counts(values: list[Any], levels: list[str]) -> list[int]:
    index = {lvl: i for i, lvl in enumerate(levels)}
    counts = [0] * (len(levels) + 2)  # levels, other, missing
    for v in values:
        if v is None:
            counts[-1] += 1
        else:
            counts[index.get(v, len(levels))] += 1
    return counts


def _shares(counts: list[int]) -> list[float]:
    total = sum(counts)
    return [c / total for c in counts] if total else [0.0 for _ in counts]


def psi(expected: list[float], actual: list[float]) -> float:
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, FLOOR), max(a, FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def status_of(value: float) -> str:
    return "stable" if value < 0.1 else "moderate" if value < 0.25 else "significant"


def drift_report(reference: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PSI per reference column for the sampled request rows."""
    report = []
    for name, ref in reference.items():
        values = [row.get(name) for row in rows]
        if ref["kind"] == "numeric":
            numbers = np.array(
                [v if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan for v in values],
                dtype=np.float64,
            )
            counts = _numeric_counts(numbers, ref["edges"])
        else:
            counts = _level_counts(
                [None if v is None or isinstance(v, dict) else str(v) for v in values], ref["levels"]
            )
        value = psi(ref["shares"], _shares(counts)) if rows else 0.0
        report.append(
            {
                "name": name,
                "psi": round(value, 6),
                "status": status_of(value) if rows else "no data",
                "rows": len(rows),
            }
        )
    return sorted(report, key=lambda r: -r["psi"])
