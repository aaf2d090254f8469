"""Row selection shared by Split Data, Partition and Sample and SMOTE: strata, seeded draws, slicing.

Every random choice here goes through a ``numpy.random.RandomState`` seeded with the module's own
"Random seed" parameter, so a split is reproducible and matches scikit-learn and pandas called with
``random_state=seed`` (the tests check that row for row).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import DataTable, ModuleError, resolve_columns


def single_column(table: DataTable, selection: dict[str, Any] | None, parameter: str, title: str) -> str:
    """The one column a single-column picker names, or a clear error."""
    columns = resolve_columns(table, selection, parameter)
    if len(columns) != 1:
        raise ModuleError(
            "single_column_required",
            f"'{title}' must pick exactly one column; it picks {len(columns)}.",
            parameter=parameter,
        )
    return columns[0]


def strata_codes(series: pd.Series) -> np.ndarray:
    """One integer per row naming its stratum, numbered in order of first appearance.

    Missing values form a stratum of their own (pandas' ``groupby(sort=False, dropna=False)`` order).
    """
    codes, _ = pd.factorize(series, sort=False, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64)


def stratum_members(codes: np.ndarray) -> list[np.ndarray]:
    """Row positions of each stratum, strata in code order, rows in table order."""
    order = np.argsort(codes, kind="stable")
    boundaries = np.flatnonzero(np.diff(codes[order])) + 1
    return np.split(order, boundaries) if len(order) else []


def draw_fraction(
    groups: list[np.ndarray], fraction: float, rng: np.random.RandomState | None
) -> tuple[np.ndarray, np.ndarray]:
    """Pick ``round(fraction * size)`` rows from each group.

    Randomized (``rng`` given): each group in turn draws a permutation of its rows and takes its
    first rows, exactly like ``DataFrame.groupby(sort=False, dropna=False).sample(frac=...,
    random_state=rng)``; the chosen rows come in drawn order, the others in table order.
    Not randomized: the first rows of each group in table order.
    Returns (chosen positions, remaining positions).
    """
    chosen: list[np.ndarray] = []
    remaining: list[np.ndarray] = []
    for members in groups:
        count = round(fraction * len(members))
        order = rng.permutation(len(members)) if rng is not None else np.arange(len(members))
        chosen.append(members[order[:count]])
        remaining.append(members[order[count:]])
    picked = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
    rest = np.concatenate(remaining) if remaining else np.empty(0, dtype=np.int64)
    if rng is None:
        picked = np.sort(picked)
    return picked, np.sort(rest)


def take_rows(table: DataTable, positions: np.ndarray, drop: list[str] | None = None) -> DataTable:
    """The rows at ``positions`` (in that order), renumbered, keeping the column metadata."""
    frame = table.df.iloc[positions]
    if drop:
        frame = frame.drop(columns=drop)
    return DataTable.from_frame(frame.reset_index(drop=True), like=table)


def check_rows(table: DataTable, port: str, title: str) -> None:
    if len(table) == 0:
        raise ModuleError(
            "empty_dataset",
            f"The '{title}' input has no rows. Check the modules upstream (a filter or split may have "
            "removed every row).",
            port=port,
        )
