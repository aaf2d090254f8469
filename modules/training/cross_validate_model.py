"""Cross Validate Model: train and score a learner on each fold, holding that fold out."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    FOLD_COLUMN,
    UINT32_MAX,
    Category,
    ColumnMeta,
    DataTable,
    IntParam,
    Module,
    Port,
    PortType,
    RunContext,
    register,
)

from .common import (
    cross_validated_scores,
    fold_assignments,
    label_column_param,
    labelled_rows,
    require_learner,
)
from .metrics import PROBABILITY_PREFIX, evaluate, scalar_metrics

DEFAULT_FOLDS = 10  # the reference product's fixed fold count


@register
class CrossValidateModel(Module):
    """Estimates how well a learner generalises: the data is split into folds, and for each fold a model
    is trained on all the other folds and scores the held-out one.

    Uses the folds from Partition and Sample ("Assign to Folds") when the dataset has them; otherwise a
    shuffled split into "Number of folds" folds (10 by default, stratified by the label for
    classification). Outputs every row scored by the model that did not see it, with its fold in
    ``Fold Assignments``, and a table of the metrics of each fold with their mean and standard deviation.
    """

    key = "model_scoring_evaluation.cross_validate_model"
    title = "Cross Validate Model"
    category = Category.MODEL_SCORING_EVALUATION
    training_only = True
    inputs = (
        Port("untrained_model", "Untrained model", PortType.UNTRAINED_MODEL),
        Port("dataset", "Dataset", PortType.DATASET),
    )
    outputs = (
        Port("scored_results", "Scored results", PortType.DATASET),
        Port("evaluation_results_by_fold", "Evaluation results by fold", PortType.DATASET),
    )
    params = (
        label_column_param("dataset"),
        IntParam(
            "random_seed", "Random seed", 0, "Fixes how rows are shuffled into folds.", min=0, max=UINT32_MAX
        ),
        IntParam(
            "number_of_folds",
            "Number of folds",
            DEFAULT_FOLDS,
            "Used when the dataset has no fold assignments from Partition and Sample.",
            min=2,
            max=100,
        ),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], untrained_model: Any, dataset: DataTable
    ) -> dict[str, Any]:
        learner = require_learner(untrained_model, "untrained_model", self.title)
        label, data = labelled_rows(dataset, params["label_column"], "dataset")
        folds = fold_assignments(data, label, learner.task, params["number_of_folds"], params["random_seed"])
        results = cross_validated_scores(ctx, learner, data, label, folds)
        return {
            "scored_results": _scored_results(data, folds, results),
            "evaluation_results_by_fold": _fold_table(learner, results),
        }


def _scored_results(
    data: DataTable, folds: np.ndarray, results: list[tuple[Any, np.ndarray, DataTable]]
) -> DataTable:
    frames = []
    for _, positions, scored in results:
        frames.append(scored.df.set_axis(positions, axis=0))
    df = pd.concat(frames).sort_index()
    # A fold's model may not have seen a rare class: it gave that class probability 0.
    probability_columns = [c for c in df.columns if c.startswith(PROBABILITY_PREFIX)]
    df[probability_columns] = df[probability_columns].fillna(0.0)
    if FOLD_COLUMN not in df.columns:
        df.insert(0, FOLD_COLUMN, folds)
    meta = {**results[0][2].meta, FOLD_COLUMN: ColumnMeta(is_feature=False)}
    return DataTable(df.reset_index(drop=True), meta)


def _fold_table(learner: Any, results: list[tuple[Any, np.ndarray, DataTable]]) -> DataTable:
    rows = []
    for _, positions, scored in results:
        metrics = scalar_metrics(evaluate(scored))
        metrics.pop("Number_of_Rows", None)
        rows.append({"Number of examples in fold": float(len(positions)), **metrics})
    table = pd.DataFrame(rows, dtype=np.float64)
    summary = pd.DataFrame([table.mean(), table.std(ddof=1)])
    out = pd.concat([table, summary], ignore_index=True)
    out.insert(0, "Model", getattr(learner, "title", learner.module_key))
    out.insert(0, "Fold Number", [str(fold) for fold, _, _ in results] + ["Mean", "Standard Deviation"])
    return DataTable(out)
