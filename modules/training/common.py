"""Helpers the training, scoring and evaluation modules share: label lookup, input checks, score columns
and fold assignment."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

from modules.sdk import (
    FOLD_COLUMN,
    ColumnMeta,
    ColumnsParam,
    DataTable,
    Learner,
    ModuleError,
    Task,
    TrainedModel,
    column_kind,
    require_rows,
    resolve_columns,
)


def label_column_param(port: str) -> ColumnsParam:
    return ColumnsParam(
        "label_column",
        "Label column",
        description="The column to predict. Leave empty to use the column marked as the label with Edit "
        "Metadata.",
        port=port,
        single=True,
        optional=True,
    )


def resolve_label(table: DataTable, selection: dict[str, Any] | None) -> str | None:
    """The chosen label column, else the one Edit Metadata marked as label (None when neither)."""
    if selection is None:
        return table.label_column
    columns = resolve_columns(table, selection, "label_column")
    if len(columns) != 1:
        raise ModuleError(
            "invalid_parameter",
            f"'Label column' must pick exactly one column; it picks {len(columns)}.",
            parameter="label_column",
        )
    return columns[0]


def require_learner(value: Any, port: str, module_title: str) -> Learner:
    if not isinstance(value, Learner):
        raise ModuleError(
            "wrong_input",
            f"'{module_title}' needs an untrained model (a learner module such as Two-Class Boosted "
            "Decision Tree) on this input.",
            port=port,
        )
    return value


def require_trained_model(value: Any, port: str, module_title: str) -> TrainedModel:
    if not isinstance(value, TrainedModel):
        raise ModuleError(
            "wrong_input",
            f"'{module_title}' needs a trained model (the output of Train Model or Tune Model "
            "Hyperparameters) on this input.",
            port=port,
        )
    return value


def with_scores(
    table: DataTable, scores: pd.DataFrame, label_column: str | None, append: bool = True
) -> DataTable:
    """The table with score columns appended (replacing same-named older ones), marked as scores, and
    the model's label column marked as the label so Evaluate Model finds the true values."""
    scores = scores.reset_index(drop=True)
    if append:
        base = table.df.drop(columns=[c for c in scores.columns if c in table.df.columns]).reset_index(
            drop=True
        )
        df = pd.concat([base, scores], axis=1)
    else:
        df = scores.copy()
    meta = {c: m for c, m in table.meta.items() if c in df.columns and c not in scores.columns}
    for column in scores.columns:
        meta[column] = ColumnMeta(
            is_feature=False,
            is_score=True,
            categorical=column_kind(scores[column]) in ("string", "categorical"),
        )
    if label_column and label_column in meta:
        for column, column_meta in meta.items():
            if column_meta.is_label != (column == label_column):
                meta[column] = replace(column_meta, is_label=column == label_column)
    return DataTable(df, meta)


def labelled_rows(table: DataTable, selection: dict[str, Any] | None, port: str) -> tuple[str, DataTable]:
    """The label column (chosen or marked) and the rows that have a label; errors when there are none."""
    label = resolve_label(table, selection)
    if not label:
        raise ModuleError(
            "missing_label",
            "Choose the Label column, or mark one as the label with Edit Metadata.",
            parameter="label_column",
        )
    rows = rows_with_label(table, label)
    require_rows(rows, port)
    return label, rows


def rows_with_label(table: DataTable, label_column: str | None) -> DataTable:
    """Rows whose label is known (training and evaluating both ignore the others)."""
    if not label_column:
        return table
    table.require_columns([label_column], parameter="label_column")
    known = table.df[label_column].notna()
    if known.all():
        return table
    return table.with_frame(table.df[known].reset_index(drop=True))


def fold_assignments(
    table: DataTable, label_column: str | None, task: Task, folds: int, seed: int
) -> np.ndarray:
    """Each row's fold: the Partition and Sample fold column when present, else a shuffled k-fold split
    (stratified by the label for classification, when every class has at least ``folds`` rows)."""
    if FOLD_COLUMN in table.df.columns:
        assigned = table.df[FOLD_COLUMN]
        if assigned.isna().any():
            raise ModuleError(
                "missing_values",
                f"Some rows have no '{FOLD_COLUMN}'. Assign every row to a fold with Partition and Sample.",
                column=FOLD_COLUMN,
            )
        if assigned.nunique() < 2:
            raise ModuleError(
                "too_few_folds",
                f"'{FOLD_COLUMN}' has a single fold; cross-validation needs at least two.",
                column=FOLD_COLUMN,
            )
        return assigned.to_numpy()
    n_rows = len(table)
    if n_rows < folds:
        raise ModuleError(
            "too_few_rows",
            f"Cross-validation into {folds} folds needs at least {folds} rows with a label; there are {n_rows}.",
        )
    out = np.empty(n_rows, dtype=np.int64)
    splitter: KFold | StratifiedKFold = KFold(folds, shuffle=True, random_state=seed)
    labels = table.df[label_column] if label_column else None
    if labels is not None and task in (Task.BINARY, Task.MULTICLASS) and labels.value_counts().min() >= folds:
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for fold, (_, test) in enumerate(splitter.split(np.zeros(n_rows), labels)):
        out[test] = fold
    return out


def fit_and_score(
    ctx: Any, learner: Learner, train: DataTable, test: DataTable, label: str | None
) -> DataTable:
    """Train on ``train``, score ``test``: the test rows with score columns, label marked."""
    model = learner.fit(ctx, train, label)
    return with_scores(test, model.score(test), model.label_column or label)


def cross_validated_scores(
    ctx: Any,
    learner: Learner,
    data: DataTable,
    label: str | None,
    folds: np.ndarray,
    report_progress: bool = True,
) -> list[tuple[Any, np.ndarray, DataTable]]:
    """For each fold (in sorted order): its value, its row positions, and its rows scored by a model
    trained on all the other folds."""
    out = []
    values = sorted(pd.unique(folds).tolist())
    for i, fold in enumerate(values):
        if report_progress:
            ctx.progress(i / len(values), f"fold {fold}")
        ctx.check_cancelled()
        held_out = folds == fold
        train = data.with_frame(data.df[~held_out].reset_index(drop=True))
        test = data.with_frame(data.df[held_out].reset_index(drop=True))
        out.append((fold, np.flatnonzero(held_out), fit_and_score(ctx, learner, train, test, label)))
    return out
