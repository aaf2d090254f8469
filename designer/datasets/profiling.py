"""A dataset version's profile: per-column statistics computed once, with pandas' own definitions.

Numbers are pandas' (``Series.mean``, ``std`` with ddof=1, ``quantile`` with linear interpolation), so
what the profile says is what a data scientist gets in a notebook on the same data.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import DataTable, column_kind

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HISTOGRAM_BINS = 20
TOP_VALUES = 10
PROFILE_FORMAT = 1


def json_scalar(value: Any) -> Any:
    """A JSON-safe scalar: NaN and infinities become null, numpy scalars plain numbers, times ISO text."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, pd.Timedelta):
        return str(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, str) else str(value)


def column_profile(series: pd.Series) -> dict[str, Any]:
    kind = column_kind(series)
    values = series.dropna()
    profile: dict[str, Any] = {
        "name": str(series.name),
        "type": kind,
        "count": int(values.size),
        "missing": int(series.size - values.size),
        "distinct": int(values.nunique()),
    }
    counts = values.value_counts(sort=True)
    counts = counts[counts > 0]  # a categorical column lists its unused categories too
    profile["top_values"] = [
        {"value": json_scalar(value), "count": int(count)} for value, count in counts.head(TOP_VALUES).items()
    ]
    if kind in ("integer", "double") and values.size:
        numbers = values.astype("float64")
        profile.update(
            mean=json_scalar(numbers.mean()),
            std=json_scalar(numbers.std()),
            min=json_scalar(values.min()),
            max=json_scalar(values.max()),
            quantiles={str(q): json_scalar(numbers.quantile(q)) for q in QUANTILES},
            histogram=_numeric_histogram(numbers, profile["distinct"]),
        )
    elif kind == "datetime" and values.size:
        nanos = values.astype("int64")
        profile.update(
            min=json_scalar(values.min()),
            max=json_scalar(values.max()),
            quantiles={str(q): json_scalar(values.quantile(q)) for q in QUANTILES},
        )
        histogram = _numeric_histogram(nanos.astype("float64"), profile["distinct"])
        if histogram:
            tz = getattr(values.dtype, "tz", None)
            unit = getattr(values.dtype, "unit", None) or np.datetime_data(values.dtype)[0]
            edges = pd.to_datetime(
                np.asarray(histogram["edges"]).astype("int64"), unit=unit, utc=tz is not None
            )
            histogram["edges"] = [e.isoformat() for e in (edges.tz_convert(tz) if tz is not None else edges)]
        profile["histogram"] = histogram
    else:
        # Text, categories and booleans: the bars are the most frequent values, and the rest together.
        top = counts.head(TOP_VALUES)
        other = int(counts.iloc[TOP_VALUES:].sum()) if counts.size > TOP_VALUES else 0
        profile["histogram"] = {
            "labels": [str(json_scalar(v)) for v in top.index],
            "counts": [int(c) for c in top.values],
            "other": other,
        }
        if kind == "string" and values.size:
            lengths = values.astype("str").str.len()
            profile["length"] = {
                "min": int(lengths.min()),
                "max": int(lengths.max()),
                "mean": float(lengths.mean()),
            }
    return profile


def _numeric_histogram(values: pd.Series, distinct: int) -> dict[str, Any] | None:
    finite = values[np.isfinite(values)]
    if finite.empty:
        return None
    bins = max(1, min(HISTOGRAM_BINS, distinct if len(finite) == len(values) else finite.nunique()))
    counts, edges = np.histogram(finite.to_numpy(), bins=bins)
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def profile_table(table: DataTable) -> dict[str, Any]:
    frame = table.df
    with np.errstate(invalid="ignore", over="ignore"):  # infinities: their statistics become null
        return _profile(table, frame)


def _profile(table: DataTable, frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "format": PROFILE_FORMAT,
        "rows": len(frame),
        "columns": [
            {**column_profile(frame[meta["name"]]), **{k: v for k, v in meta.items() if k.startswith("is_")}}
            for meta in table.schema()
        ],
    }
