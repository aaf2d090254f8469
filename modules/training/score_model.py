"""Score Model: predict with a trained model and append the score columns."""

from __future__ import annotations

from typing import Any

from modules.sdk import BoolParam, Category, DataTable, Module, Port, PortType, RunContext, register

from .common import require_trained_model, with_scores


@register
class ScoreModel(Module):
    """Predicts with a trained model, adding the reference product's score columns to the dataset.

    Two-class models add ``Scored Labels`` and ``Scored Probabilities`` (the probability of the
    positive class: the second label value in sorted order). Multiclass models add
    ``Scored Probabilities_<class>`` for every class and ``Scored Labels``. Regression models add
    ``Scored Labels``. The label column, if present, is kept and marked as the label so Evaluate Model
    can compare. Uncheck "Append score columns to output" to output the score columns alone.
    """

    key = "model_scoring_evaluation.score_model"
    title = "Score Model"
    category = Category.MODEL_SCORING_EVALUATION
    inputs = (
        Port("trained_model", "Trained model", PortType.TRAINED_MODEL),
        Port("dataset", "Dataset", PortType.DATASET),
    )
    outputs = (Port("scored_dataset", "Scored dataset", PortType.DATASET),)
    params = (
        BoolParam(
            "append_score_columns_to_output",
            "Append score columns to output",
            True,
            "Keep the input columns and add the scores; unchecked outputs only the score columns.",
        ),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], trained_model: Any, dataset: DataTable
    ) -> dict[str, Any]:
        model = require_trained_model(trained_model, "trained_model", self.title)
        scores = model.score(dataset)
        append = params["append_score_columns_to_output"]
        return {"scored_dataset": with_scores(dataset, scores, model.label_column, append=append)}
