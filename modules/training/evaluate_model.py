"""Evaluate Model: metrics and chart data for one scored dataset, or two side by side."""

from __future__ import annotations

from typing import Any

from modules.sdk import Category, DataTable, Module, ModuleError, Port, PortType, RunContext, register

from .metrics import evaluate


@register
class EvaluateModel(Module):
    """Measures how good the scores are, from the output of Score Model (or Cross Validate Model).

    The kind of model is read from the score columns. Two-class: AUC, accuracy, precision, recall, F1,
    log loss and the confusion counts at threshold 0.5, with ROC, precision-recall and lift curves and a
    table of every threshold from 0 to 1 for the threshold slider. Multiclass: overall accuracy, micro
    and macro precision and recall, and the confusion matrix. Regression: mean absolute error, root mean
    squared error, relative absolute and squared error, coefficient of determination, a residual
    histogram and predicted-vs-actual points. Quantile regression: the quantile loss of each quantile.
    Clustering: points and distances per cluster. Connect a second scored dataset to compare two models.
    """

    key = "model_scoring_evaluation.evaluate_model"
    title = "Evaluate Model"
    category = Category.MODEL_SCORING_EVALUATION
    training_only = True
    inputs = (
        Port("scored_dataset", "Scored dataset", PortType.DATASET),
        Port("scored_dataset_to_compare", "Scored dataset to compare", PortType.DATASET, optional=True),
    )
    outputs = (Port("evaluation_results", "Evaluation results", PortType.EVALUATION),)

    def run(
        self,
        ctx: RunContext,
        params: dict[str, Any],
        scored_dataset: DataTable,
        scored_dataset_to_compare: DataTable | None = None,
    ) -> dict[str, Any]:
        evaluation = evaluate(scored_dataset, "scored_dataset")
        if scored_dataset_to_compare is not None:
            other = evaluate(scored_dataset_to_compare, "scored_dataset_to_compare")
            if other.kind != evaluation.kind:
                raise ModuleError(
                    "evaluation_kind_mismatch",
                    f"The two scored datasets are of different kinds ({evaluation.kind} and {other.kind}); "
                    "compare models of the same kind.",
                    port="scored_dataset_to_compare",
                )
            evaluation.compared = other
        return {"evaluation_results": evaluation}
