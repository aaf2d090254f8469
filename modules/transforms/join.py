"""Join Data: combine two datasets row by row on matching key columns, as a database join does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    ColumnsParam,
    DataTable,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    column_kind,
    register,
    resolve_columns,
)

INNER, LEFT_OUTER, FULL_OUTER, LEFT_SEMI = (
    "Inner Join",
    "Left Outer Join",
    "Full Outer Join",
    "Left Semi-Join",
)
JOIN_TYPES = (INNER, LEFT_OUTER, FULL_OUTER, LEFT_SEMI)
LEFT_KEYS, RIGHT_KEYS = "join_key_columns_for_left_dataset", "join_key_columns_for_right_dataset"
# Row number that stands for "no row on this side" (outer joins).
NO_ROW = -1


def _right_suffix(left: list[str], right: list[str]) -> str:
    """'_R', or '_R1', '_R2' ... : the first suffix that makes no right column name collide."""
    taken = set(left) | set(right)
    suffix, number = "_R", 1
    while any(f"{name}{suffix}" in taken for name in right):
        suffix, number = f"_R{number}", number + 1
    return suffix


def _comparable_keys(frame: pd.DataFrame, keys: list[str], match_case: bool) -> pd.DataFrame:
    """The key columns, renamed to positions, with text upper-cased when case must not matter."""
    columns = {}
    for position, name in enumerate(keys):
        series = frame[name]
        if not match_case and column_kind(series) in ("string", "categorical"):
            series = series.astype(object).map(lambda v: v.upper() if isinstance(v, str) else v)
        columns[f"key{position}"] = series.reset_index(drop=True)
    return pd.DataFrame(columns)


def matching_rows(
    left: pd.DataFrame, right: pd.DataFrame, left_keys: list[str], right_keys: list[str], match_case: bool
) -> pd.DataFrame:
    """Pairs (left row, right row) whose keys are all equal, sorted by left row then right row.

    A missing key matches nothing (as in SQL), unlike pandas.merge, which matches missing with missing.
    """
    left_frame = _comparable_keys(left, left_keys, match_case).assign(left_row=np.arange(len(left)))
    right_frame = _comparable_keys(right, right_keys, match_case).assign(right_row=np.arange(len(right)))
    key_names = [f"key{i}" for i in range(len(left_keys))]
    left_frame = left_frame.dropna(subset=key_names)
    right_frame = right_frame.dropna(subset=key_names)
    try:
        pairs = left_frame.merge(right_frame, on=key_names, how="inner")[["left_row", "right_row"]]
    except (ValueError, TypeError):
        described = ", ".join(
            f"{a} ({column_kind(left[a])}) with {b} ({column_kind(right[b])})"
            for a, b in zip(left_keys, right_keys, strict=True)
        )
        raise ModuleError(
            "incompatible_key_types",
            f"The key columns cannot be compared: {described}. Make the key types match with Edit Metadata.",
            parameter=RIGHT_KEYS,
        ) from None
    return pairs.sort_values(["left_row", "right_row"], kind="stable").reset_index(drop=True)


def _rows_or_blank(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame``'s rows in that order; NO_ROW gives a row of missing values."""
    return frame.reset_index(drop=True).reindex(rows).reset_index(drop=True)


@register
class JoinData(Module):
    """Join two datasets on key columns.

    Pick the same number of key columns on each side; a left row matches a right row when every key pair
    is equal (text compared ignoring case when "Match case" is cleared). Missing keys never match.

    - **Inner Join**: one row per matching pair.
    - **Left Outer Join**: also keeps left rows without a match (right columns missing).
    - **Full Outer Join**: also keeps right rows without a match, after the others.
    - **Left Semi-Join**: the left rows that have at least one match, left columns only.

    Rows come out in left-table order (and right-table order within one left row). Right columns whose
    names are already taken get the suffix ``_R`` (``_R1``, ``_R2`` ... if that is taken too). Clear
    "Keep right key columns" to drop the right-hand key columns.
    """

    key = "data_transformation.join_data"
    title = "Join Data"
    category = Category.DATA_TRANSFORMATION
    inputs = (
        Port("left_dataset", "Left dataset", PortType.DATASET),
        Port("right_dataset", "Right dataset", PortType.DATASET),
    )
    outputs = (Port("results_dataset", "Results dataset", PortType.DATASET),)
    params = (
        ColumnsParam(LEFT_KEYS, "Join key columns for left dataset", port="left_dataset"),
        ColumnsParam(RIGHT_KEYS, "Join key columns for right dataset", port="right_dataset"),
        BoolParam("match_case", "Match case", default=True),
        ChoiceParam("join_type", "Join type", default=INNER, choices=JOIN_TYPES),
        BoolParam(
            "keep_right_key_columns_in_joined_table",
            "Keep right key columns in joined table",
            default=True,
            visible_when={"join_type": (INNER, LEFT_OUTER, FULL_OUTER)},
        ),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], left_dataset: DataTable, right_dataset: DataTable
    ) -> dict[str, Any]:
        left_keys = resolve_columns(left_dataset, params[LEFT_KEYS], LEFT_KEYS)
        right_keys = resolve_columns(right_dataset, params[RIGHT_KEYS], RIGHT_KEYS)
        if not left_keys or not right_keys or len(left_keys) != len(right_keys):
            raise ModuleError(
                "key_count_mismatch",
                f"Pick the same number of key columns on both sides (at least one); the left selection has "
                f"{len(left_keys)} and the right selection has {len(right_keys)}.",
                parameter=RIGHT_KEYS,
            )
        join_type = params["join_type"]
        pairs = matching_rows(left_dataset.df, right_dataset.df, left_keys, right_keys, params["match_case"])
        left_rows, right_rows = pairs["left_row"].to_numpy(), pairs["right_row"].to_numpy()
        if join_type == LEFT_SEMI:
            kept = np.unique(left_rows)
            frame = left_dataset.df.iloc[kept].reset_index(drop=True)
            return {"results_dataset": DataTable.from_frame(frame, like=left_dataset)}
        if join_type in (LEFT_OUTER, FULL_OUTER):
            unmatched_left = np.setdiff1d(np.arange(len(left_dataset)), left_rows)
            order = np.argsort(np.concatenate([left_rows, unmatched_left]), kind="stable")
            left_rows = np.concatenate([left_rows, unmatched_left])[order]
            right_rows = np.concatenate([right_rows, np.full(len(unmatched_left), NO_ROW)])[order]
        if join_type == FULL_OUTER:
            unmatched_right = np.setdiff1d(np.arange(len(right_dataset)), right_rows)
            left_rows = np.concatenate([left_rows, np.full(len(unmatched_right), NO_ROW)])
            right_rows = np.concatenate([right_rows, unmatched_right])
        right_frame = right_dataset.df
        if not params["keep_right_key_columns_in_joined_table"] and join_type != LEFT_SEMI:
            right_frame = right_frame.drop(columns=right_keys)
        return {
            "results_dataset": self._combine(left_dataset, right_dataset, right_frame, left_rows, right_rows)
        }

    @staticmethod
    def _combine(
        left: DataTable,
        right: DataTable,
        right_frame: pd.DataFrame,
        left_rows: np.ndarray,
        right_rows: np.ndarray,
    ) -> DataTable:
        suffix = _right_suffix(left.columns, right.columns)
        renamed = {c: f"{c}{suffix}" if c in left.meta else c for c in right_frame.columns}
        left_part = _rows_or_blank(left.df, left_rows)
        right_part = _rows_or_blank(right_frame, right_rows).rename(columns=renamed)
        meta = dict(left.meta)
        meta.update({renamed[c]: right.meta[c] for c in right_frame.columns})
        return DataTable(pd.concat([left_part, right_part], axis=1), meta)
