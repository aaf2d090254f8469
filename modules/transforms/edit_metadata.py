"""Edit Metadata: change the selected columns' data type, categorical flag, role (feature, label ...) and names."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    Category,
    ChoiceParam,
    ColumnMeta,
    ColumnsParam,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    StringParam,
    column_kind,
    register,
    resolve_columns,
)

# Words read as booleans (lower-cased), here and by Clean Missing Data's replacement values.
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})


@register
class EditMetadata(Module):
    """Change how the selected columns are treated by the modules that follow.

    - **Data type**: convert to String, Integer, Double, Boolean, DateTime or TimeSpan. A value that
      cannot be converted stops the run with the column and the value named (an Integer column with
      missing values stays Integer, holding missing values). Booleans read true/false, yes/no, 1/0.
      **DateTime format** is a Python ``strftime`` pattern such as ``%d/%m/%Y`` (empty: detect it);
      **TimeSpan Format** is the unit of plain numbers (``s``, ``ms``, ``min``, ``h``, ``D``; empty: text
      like ``1 days 02:00:00``).
    - **Categorical**: make the columns categorical (their values are categories, even numbers) or not.
    - **Fields**: make the columns features, make one column the **Label** (the column a model learns to
      predict; any previous label stops being one), or clear the feature, label or score role.
    - **New column names**: comma-separated new names, one per selected column, in order.
    """

    key = "data_transformation.edit_metadata"
    title = "Edit Metadata"
    category = Category.DATA_TRANSFORMATION
    inputs = (Port("dataset", "Dataset", PortType.DATASET),)
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    params = (
        ColumnsParam("column", "Column", port="dataset"),
        ChoiceParam(
            "data_type",
            "Data type",
            default="Unchanged",
            choices=("Unchanged", "String", "Integer", "Double", "Boolean", "DateTime", "TimeSpan"),
        ),
        ChoiceParam(
            "categorical",
            "Categorical",
            default="Unchanged",
            choices=("Unchanged", "Make Categorical", "Make non-categorical"),
        ),
        ChoiceParam(
            "fields",
            "Fields",
            default="Unchanged",
            choices=("Unchanged", "Features", "Label", "Clear feature", "Clear label", "Clear score"),
        ),
        StringParam("new_column_names", "New column names", optional=True),
        StringParam(
            "datetime_format", "DateTime format", optional=True, visible_when={"data_type": ("DateTime",)}
        ),
        StringParam(
            "timespan_format", "TimeSpan Format", optional=True, visible_when={"data_type": ("TimeSpan",)}
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any], dataset: DataTable) -> dict[str, Any]:
        columns = resolve_columns(dataset, params["column"], "column")
        new_names = _new_names(params["new_column_names"], columns)
        frame = dataset.df.copy()
        meta = dict(dataset.meta)
        if params["data_type"] != "Unchanged":
            for column in columns:
                frame[column] = convert_column(
                    frame[column],
                    params["data_type"],
                    column,
                    datetime_format=params["datetime_format"],
                    timespan_format=params["timespan_format"],
                )
        for column in columns:
            meta[column] = _with_categorical(meta[column], params["categorical"])
            if params["categorical"] == "Make non-categorical" and isinstance(
                frame[column].dtype, pd.CategoricalDtype
            ):
                frame[column] = frame[column].astype(frame[column].cat.categories.dtype)
        meta = _with_fields(meta, columns, params["fields"])
        if new_names:
            frame = frame.rename(columns=new_names)
            meta = {new_names.get(c, c): m for c, m in meta.items()}
        return {"results_dataset": DataTable(frame, meta)}


def _new_names(text: str | None, columns: list[str]) -> dict[str, str]:
    if text is None or not text.strip():
        return {}
    names = [n.strip() for n in text.split(",")]
    if len(names) != len(columns) or not all(names):
        raise ModuleError(
            "column_count_mismatch",
            f"{len(columns)} column(s) are selected but {len(names)} new name(s) are given"
            f"{' (one is empty)' if not all(names) else ''}. Give one name per selected column, separated by "
            "commas, in the order of the selection.",
            parameter="new_column_names",
        )
    return dict(zip(columns, names, strict=True))


def _with_categorical(meta: ColumnMeta, choice: str) -> ColumnMeta:
    if choice == "Make Categorical":
        return replace(meta, categorical=True)
    if choice == "Make non-categorical":
        return replace(meta, categorical=False)
    return meta


def _with_fields(meta: dict[str, ColumnMeta], columns: list[str], choice: str) -> dict[str, ColumnMeta]:
    meta = dict(meta)
    if choice == "Label":
        if len(columns) != 1:
            raise ModuleError(
                "one_label_only",
                f"A dataset has one label column, but {len(columns)} columns are selected. Select only the "
                "column to predict.",
                parameter="column",
            )
        for other, other_meta in meta.items():
            if other_meta.is_label:
                meta[other] = replace(other_meta, is_label=False)
    changes = {
        "Features": {"is_feature": True, "is_label": False, "is_score": False},
        "Label": {"is_label": True, "is_feature": False, "is_score": False},
        "Clear feature": {"is_feature": False},
        "Clear label": {"is_label": False},
        "Clear score": {"is_score": False},
    }.get(choice)
    if changes:
        for column in columns:
            meta[column] = replace(meta[column], **changes)
    return meta


def convert_column(
    series: pd.Series,
    data_type: str,
    column: str,
    *,
    datetime_format: str | None = None,
    timespan_format: str | None = None,
) -> pd.Series:
    """``series`` as ``data_type``; a value that cannot convert raises ``cannot_convert`` naming it."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(series.cat.categories.dtype)
    present = series.notna()
    if data_type == "String":
        return series.astype("str").where(present)
    if data_type == "Double":
        return _to_numbers(series, column, data_type)
    if data_type == "Integer":
        numbers = _to_numbers(series, column, data_type)
        fractional = present & (np.mod(numbers.fillna(0), 1) != 0)
        if fractional.any():
            raise _cannot_convert(column, series[fractional].iloc[0], "Integer", "it is not a whole number")
        return numbers.astype("int64") if present.all() else numbers.astype("Int64")
    if data_type == "Boolean":
        return _to_booleans(series, column)
    if data_type == "DateTime":
        return _to_datetimes(series, column, datetime_format or None)
    return _to_timespans(series, column, timespan_format or None)


def _cannot_convert(column: str, value: Any, data_type: str, why: str = "") -> ModuleError:
    return ModuleError(
        "cannot_convert",
        f"Column '{column}' cannot become {data_type}: the value {str(value)!r} cannot be converted"
        f"{f' ({why})' if why else ''}. Fix or remove such values (Clean Missing Data, Convert to Dataset), "
        "or choose another data type.",
        column=column,
        parameter="data_type",
    )


def _to_numbers(series: pd.Series, column: str, data_type: str) -> pd.Series:
    kind = column_kind(series)
    if kind in ("integer", "double", "boolean"):
        return series.astype("float64")
    if kind == "datetime":
        raise _cannot_convert(
            column, series.dropna().iloc[0] if series.notna().any() else "", data_type, "a date"
        )
    numbers = pd.to_numeric(series.astype("str").str.strip().where(series.notna()), errors="coerce")
    bad = numbers.isna() & series.notna()
    if bad.any():
        raise _cannot_convert(column, series[bad].iloc[0], data_type)
    return numbers.astype("float64")


def _to_booleans(series: pd.Series, column: str) -> pd.Series:
    kind = column_kind(series)
    present = series.notna()
    if kind == "boolean":
        return series
    if kind in ("integer", "double"):
        bad = present & ~series.isin([0, 1])
        if bad.any():
            raise _cannot_convert(column, series[bad].iloc[0], "Boolean", "only 0 and 1 are booleans")
        result = series == 1
    else:
        lowered = series.astype("str").str.strip().str.lower()
        bad = present & ~lowered.isin(TRUE_WORDS | FALSE_WORDS)
        if bad.any():
            raise _cannot_convert(column, series[bad].iloc[0], "Boolean", "use true/false, yes/no or 1/0")
        result = lowered.isin(TRUE_WORDS)
    return result.astype("bool") if present.all() else result.astype("boolean").mask(~present)


def _to_datetimes(series: pd.Series, column: str, datetime_format: str | None) -> pd.Series:
    kind = column_kind(series)
    if kind == "datetime":
        return series
    if kind in ("integer", "double", "boolean"):
        raise _cannot_convert(
            column,
            series.dropna().iloc[0] if series.notna().any() else "",
            "DateTime",
            "numbers are not dates",
        )
    text = series.astype("str").str.strip().where(series.notna())
    converted = pd.to_datetime(text, format=datetime_format, errors="coerce")
    bad = converted.isna() & series.notna()
    if bad.any():
        why = f"it does not match {datetime_format!r}" if datetime_format else "it is not a recognisable date"
        raise _cannot_convert(column, series[bad].iloc[0], "DateTime", why)
    return converted


def _to_timespans(series: pd.Series, column: str, unit: str | None) -> pd.Series:
    kind = column_kind(series)
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return series
    try:
        if kind in ("integer", "double"):
            return pd.to_timedelta(series, unit=unit or "s")
        text = series.astype("str").str.strip().where(series.notna())
        converted = pd.to_timedelta(text, errors="coerce")
    except ValueError as exc:  # an unknown unit
        raise ModuleError(
            "invalid_parameter",
            f"'TimeSpan Format' must be a unit like s, ms, min, h or D ({exc}).",
            parameter="timespan_format",
        ) from None
    bad = converted.isna() & series.notna()
    if bad.any():
        raise _cannot_convert(column, series[bad].iloc[0], "TimeSpan", "write it like '1 days 02:30:00'")
    return converted
