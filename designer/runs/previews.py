"""What the outputs drawer shows for a port: table previews with column statistics, chart data for
evaluations, a summary for models and transformations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from designer.artifacts import store as artifacts
from modules.sdk import DataTable, Evaluation, PortType, column_kind

PREVIEW_ROWS = 100
HISTOGRAM_BINS = 20
TOP_VALUES = 10


def _json_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if value is pd.NaT or (not isinstance(value, (str, bytes, list, dict)) and pd.isna(value)):
        return None
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def column_statistics(series: pd.Series) -> dict[str, Any]:
    kind = column_kind(series)
    stats: dict[str, Any] = {
        "type": kind,
        "count": int(series.notna().sum()),
        "missing": int(series.isna().sum()),
        "unique": int(series.nunique(dropna=True)),
    }
    if kind in ("integer", "double") and stats["count"]:
        values = series.dropna().astype("float64")
        stats.update(
            mean=_json_value(values.mean()),
            std=_json_value(values.std()),
            min=_json_value(values.min()),
            max=_json_value(values.max()),
            median=_json_value(values.median()),
        )
        finite = values[np.isfinite(values)]
        if len(finite):
            counts, edges = np.histogram(finite, bins=min(HISTOGRAM_BINS, max(1, stats["unique"])))
            stats["histogram"] = {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}
    else:
        top = series.dropna().astype(str).value_counts().head(TOP_VALUES)
        stats["top_values"] = [{"value": str(v), "count": int(c)} for v, c in top.items()]
        stats["histogram"] = {"labels": [str(v) for v in top.index], "counts": [int(c) for c in top.values]}
    return stats


def table_preview(table: DataTable, rows: int = PREVIEW_ROWS) -> dict[str, Any]:
    head = table.df.head(rows)
    return {
        "kind": "table",
        "rows": len(table),
        "columns": [{**meta, "stats": column_statistics(table.df[meta["name"]])} for meta in table.schema()],
        "data": [[_json_value(v) for v in row] for row in head.itertuples(index=False, name=None)],
    }


def port_preview(port_type: str, digest: str) -> dict[str, Any]:
    value = artifacts.load_value(port_type, digest)
    if port_type == PortType.DATASET:
        return table_preview(value)
    if port_type == PortType.EVALUATION and isinstance(value, Evaluation):
        return {"kind": "evaluation", **value.as_dict()}
    summary: dict[str, Any] = {"kind": "object", "type": type(value).__name__}
    for attribute in ("task", "feature_columns", "label_column", "classes", "learner_key", "title"):
        if hasattr(value, attribute):
            attr = getattr(value, attribute)
            summary[attribute] = (
                [_json_value(v) for v in attr] if isinstance(attr, (list, tuple)) else _json_value(attr)
            )
    return summary
