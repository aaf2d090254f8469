"""The dataset that flows between modules: a DataFrame plus per-column metadata.

Metadata follows what Edit Metadata sets in the reference product: whether a column is a feature, the
label, a score column, and whether it is categorical. It travels with the table (it is stored in the
Arrow schema metadata), so Train Model can find the label that Edit Metadata marked upstream.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd

from .errors import ModuleError


@dataclass(frozen=True)
class ColumnMeta:
    is_feature: bool = True
    is_label: bool = False
    is_score: bool = False
    categorical: bool = False


@dataclass
class DataTable:
    df: pd.DataFrame
    meta: dict[str, ColumnMeta] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.df, pd.DataFrame):
            raise TypeError("DataTable needs a pandas DataFrame")
        if self.df.columns.has_duplicates:
            dupes = sorted({str(c) for c in self.df.columns[self.df.columns.duplicated()]})
            raise ModuleError(
                "duplicate_columns",
                f"The dataset has more than one column named {', '.join(repr(d) for d in dupes)}; "
                "rename them with Edit Metadata so each name is unique.",
                column=dupes[0],
            )
        self.df.columns = [str(c) for c in self.df.columns]
        # Keep metadata only for columns that exist; new columns get the default (a plain feature,
        # categorical when its values are text or pandas says it is categorical).
        self.meta = {c: self.meta.get(c) or default_meta_for(self.df[c]) for c in self.df.columns}

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_frame(cls, df: pd.DataFrame, like: DataTable | None = None) -> DataTable:
        """Wrap ``df``, carrying over the metadata of same-named columns from ``like``."""
        return cls(df, dict(like.meta) if like is not None else {})

    def with_frame(self, df: pd.DataFrame) -> DataTable:
        return DataTable.from_frame(df, like=self)

    def with_meta(self, column: str, **changes: Any) -> DataTable:
        meta = dict(self.meta)
        meta[column] = replace(meta[column], **changes)
        return DataTable(self.df, meta)

    # -- queries ------------------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        return list(self.df.columns)

    @property
    def label_column(self) -> str | None:
        labels = [c for c, m in self.meta.items() if m.is_label]
        return labels[0] if labels else None

    def feature_columns(self, exclude: set[str] | None = None) -> list[str]:
        exclude = exclude or set()
        return [
            c
            for c, m in self.meta.items()
            if m.is_feature and not m.is_label and not m.is_score and c not in exclude
        ]

    def require_columns(self, columns: list[str], *, parameter: str | None = None) -> None:
        missing = [c for c in columns if c not in self.meta]
        if missing:
            raise ModuleError(
                "missing_column",
                f"Column {missing[0]!r} is not in the input dataset. Available columns: "
                f"{', '.join(self.columns[:20])}{' ...' if len(self.columns) > 20 else ''}.",
                column=missing[0],
                parameter=parameter,
            )

    def __len__(self) -> int:
        return len(self.df)

    # -- serialisation of the metadata --------------------------------------------------------
    def meta_json(self) -> str:
        return json.dumps({c: asdict(m) for c, m in self.meta.items()}, sort_keys=True)

    @staticmethod
    def meta_from_json(text: str | bytes | None) -> dict[str, ColumnMeta]:
        if not text:
            return {}
        return {c: ColumnMeta(**m) for c, m in json.loads(text).items()}

    def schema(self) -> list[dict[str, Any]]:
        """Column names, types and flags: what the canvas's column pickers show."""
        return [{"name": c, "type": column_kind(self.df[c]), **asdict(self.meta[c])} for c in self.df.columns]


def column_kind(series: pd.Series) -> str:
    """A small, stable type vocabulary for column pickers and schemas."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "double"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    return "string"


def is_numeric(series: pd.Series) -> bool:
    return column_kind(series) in ("integer", "double", "boolean")


def default_meta_for(series: pd.Series) -> ColumnMeta:
    return ColumnMeta(categorical=column_kind(series) in ("string", "categorical"))


_KIND_DTYPES = {"boolean": "bool", "integer": "int64", "double": "float64", "datetime": "datetime64[ns]"}


def table_from_schema(schema: list[dict[str, Any]]) -> DataTable:
    """An empty table with the columns, types and flags of a design-time schema, so that column rules
    ("all numeric", "all features") resolve at design time exactly as they will at run time."""
    frame = pd.DataFrame(
        {c["name"]: pd.Series([], dtype=_KIND_DTYPES.get(c.get("type", ""), "object")) for c in schema}
    )
    meta = {
        c["name"]: ColumnMeta(
            is_feature=c.get("is_feature", True),
            is_label=c.get("is_label", False),
            is_score=c.get("is_score", False),
            categorical=c.get("categorical", False),
        )
        for c in schema
    }
    return DataTable(frame, meta)
