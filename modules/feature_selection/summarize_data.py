"""Summarize Data: one row of descriptive statistics per column of the input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import Category, DataTable, Module, Port, PortType, RunContext, column_kind, register

# Output columns in the reference product's order and spelling.
PERCENTILES = {"P0.5": 0.005, "P1": 0.01, "P5": 0.05, "P95": 0.95, "P99": 0.99, "P99.5": 0.995}
COUNT_COLUMNS = ("Count", "Unique Value Count", "Missing Value Count")
STATISTIC_COLUMNS = (
    "Min",
    "Max",
    "Mean",
    "Mean Deviation",
    "1st quantile",
    "Median",
    "3rd quantile",
    "Mode",
    "Range",
    "Sample Variance",
    "Sample Standard Deviation",
    "Sample Skewness",
    "Sample Kurtosis",
    *PERCENTILES,
)
# Statistics that are values of the column itself, so dates stay dates (written as ISO text).
POSITION_COLUMNS = ("Min", "Max", "Mean", "1st quantile", "Median", "3rd quantile", *PERCENTILES)


def _mode_text(series: pd.Series) -> str | None:
    """The most frequent value; several equally frequent ones are listed as {a, b}."""
    modes = series.mode(dropna=True)
    if len(modes) == 0:
        return None
    texts = [str(v) for v in modes]
    return texts[0] if len(texts) == 1 else "{" + ", ".join(texts) + "}"


def _quantiles(values: pd.Series) -> dict[str, Any]:
    levels = {"1st quantile": 0.25, "Median": 0.5, "3rd quantile": 0.75, **PERCENTILES}
    return {name: values.quantile(level) for name, level in levels.items()}


def numeric_statistics(series: pd.Series) -> dict[str, Any]:
    """Statistics of a numeric or true/false column (true = 1, false = 0), ignoring missing values."""
    values = pd.Series(series.to_numpy(dtype=np.float64, na_value=np.nan)).dropna()
    mean = values.mean()
    return {
        "Min": values.min(),
        "Max": values.max(),
        "Mean": mean,
        "Mean Deviation": (values - mean).abs().mean(),
        **_quantiles(values),
        "Mode": _mode_text(series),
        "Range": values.max() - values.min(),
        "Sample Variance": values.var(ddof=1),
        "Sample Standard Deviation": values.std(ddof=1),
        "Sample Skewness": values.skew(),
        "Sample Kurtosis": values.kurt(),
    }


def datetime_statistics(series: pd.Series) -> dict[str, Any]:
    """Dates: positions are dates; spreads other than skewness and kurtosis are not reported."""
    present = series.dropna()
    nanoseconds = pd.Series(present.dt.as_unit("ns").astype("int64").to_numpy(dtype=np.float64))
    return {
        "Min": present.min(),
        "Max": present.max(),
        "Mean": present.mean(),
        **_quantiles(present),
        "Mode": _mode_text(series),
        "Sample Skewness": nanoseconds.skew(),
        "Sample Kurtosis": nanoseconds.kurt(),
    }


def summarize_column(name: str, series: pd.Series) -> dict[str, Any]:
    row: dict[str, Any] = {
        "Feature": name,
        "Count": int(series.count()),
        "Unique Value Count": int(series.nunique(dropna=True)),
        "Missing Value Count": int(series.isna().sum()),
    }
    kind = column_kind(series)
    if kind in ("integer", "double", "boolean"):
        row.update(numeric_statistics(series))
    elif kind == "datetime":
        row.update(datetime_statistics(series))
    return row


def _as_output_column(values: pd.Series, name: str, as_text: bool) -> pd.Series:
    if name == "Mode" or as_text:

        def to_text(value: Any) -> str | None:
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                return None
            return value.isoformat() if isinstance(value, pd.Timestamp) else str(value)

        return values.map(to_text).astype(object)
    return pd.to_numeric(values, errors="coerce").astype("float64")


@register
class SummarizeData(Module):
    """Descriptive statistics for every column of a dataset, one row per column.

    Every column gets Count (values present), Unique Value Count and Missing Value Count. Numeric and
    true/false columns (true = 1) also get Min, Max, Mean, Mean Deviation (mean absolute deviation from
    the mean), the 1st quantile, Median and 3rd quantile, Mode (several equally frequent values are
    listed as {a, b}), Range, Sample Variance and Sample Standard Deviation (n - 1 denominator), Sample
    Skewness and Sample Kurtosis (bias-corrected; kurtosis is the excess over a normal distribution), and
    the percentiles P0.5, P1, P5, P95, P99 and P99.5 (linear interpolation, as pandas' quantile). Date
    columns get the position statistics as dates; when there is one, those columns are written as text.
    Missing values are ignored. Text columns get the counts only.
    """

    key = "statistical_functions.summarize_data"
    title = "Summarize Data"
    category = Category.STATISTICAL_FUNCTIONS
    inputs = (Port("input", "Input", PortType.DATASET),)
    outputs = (Port("result_dataset", "Result_dataset", PortType.DATASET),)

    def run(self, ctx: RunContext, params: dict[str, Any], input: DataTable) -> dict[str, Any]:
        rows = [summarize_column(name, input.df[name]) for name in input.columns]
        frame = pd.DataFrame(rows, columns=["Feature", *COUNT_COLUMNS, *STATISTIC_COLUMNS])
        has_dates = any(column_kind(input.df[c]) == "datetime" for c in input.columns)
        for name in STATISTIC_COLUMNS:
            frame[name] = _as_output_column(frame[name], name, has_dates and name in POSITION_COLUMNS)
        frame = frame.astype({c: "int64" for c in COUNT_COLUMNS})
        frame["Feature"] = frame["Feature"].astype(object)
        return {"result_dataset": DataTable(frame)}
