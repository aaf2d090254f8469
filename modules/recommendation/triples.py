"""Reading user-item-rating triples, and the column names the recommender modules write.

As in the reference product, the columns are found by position: the first column holds user ids, the
second item ids and the third (when needed) numeric ratings; any further columns are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import DataTable, ModuleError, is_numeric

USER_COLUMN = "User"
ITEM_COLUMN = "Item"
RATING_COLUMN = "Rating"


RECOMMENDED_ITEM_PREFIX = "Recommended Item "


def recommended_item_column(rank: int) -> str:
    return f"{RECOMMENDED_ITEM_PREFIX}{rank}"


def predicted_rating_column(rank: int) -> str:
    return f"Predicted Rating {rank}"


@dataclass
class Triples:
    user_column: str
    item_column: str
    users: list[Any]
    items: list[Any]
    ratings: np.ndarray | None  # None when only user-item pairs were read


def read_triples(table: DataTable, port: str, *, with_ratings: bool) -> Triples:
    """The user ids, item ids and (optionally) ratings of ``table``, with beginner-friendly errors."""
    needed = 3 if with_ratings else 2
    if len(table.columns) < needed:
        shape = "user, item and rating" if with_ratings else "user and item"
        raise ModuleError(
            "too_few_columns",
            f"This input needs the {shape} columns, in that order (first column the user id, second the item "
            f"id{', third the rating' if with_ratings else ''}); the dataset has {len(table.columns)} column(s). "
            "Use Select Columns in Dataset to pick and order them.",
            port=port,
        )
    if len(table) == 0:
        raise ModuleError("empty_dataset", "The dataset has no rows.", port=port)
    user_column, item_column = table.columns[0], table.columns[1]
    for column in (user_column, item_column):
        _require_complete(table.df[column], column, port)
    ratings = None
    if with_ratings:
        rating_column = table.columns[2]
        series = table.df[rating_column]
        if not is_numeric(series):
            raise ModuleError(
                "not_numeric",
                f"The third column, '{rating_column}', must hold numeric ratings; it has values like "
                f"{str(series.dropna().iloc[0]) if series.notna().any() else 'nothing'!r}. Put the rating "
                "column third with Select Columns in Dataset, or convert it with Edit Metadata.",
                column=rating_column,
                port=port,
            )
        _require_complete(series, rating_column, port)
        ratings = series.to_numpy(dtype=np.float64)
    return Triples(
        user_column=user_column,
        item_column=item_column,
        users=table.df[user_column].tolist(),
        items=table.df[item_column].tolist(),
        ratings=ratings,
    )


def read_users(table: DataTable, port: str) -> list[Any]:
    """The distinct user ids of the first column, in order of first appearance."""
    if len(table.columns) == 0 or len(table) == 0:
        raise ModuleError("empty_dataset", "The dataset has no rows or no columns.", port=port)
    column = table.columns[0]
    _require_complete(table.df[column], column, port)
    return list(dict.fromkeys(table.df[column].tolist()))


def _require_complete(series: pd.Series, column: str, port: str) -> None:
    missing = int(series.isna().sum())
    if missing:
        raise ModuleError(
            "missing_values",
            f"Column '{column}' has {missing} missing value(s); every row needs a user, an item and a rating. "
            "Remove those rows with Clean Missing Data.",
            column=column,
            port=port,
        )
