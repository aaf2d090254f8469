"""Train Model: fit an untrained model (a learner) on a labelled dataset."""

from __future__ import annotations

from typing import Any

from modules.sdk import (
    BoolParam,
    Category,
    DataTable,
    Module,
    Port,
    PortType,
    RunContext,
    TrainedModel,
    register,
)

from .common import label_column_param, require_learner, resolve_label, rows_with_label
from .importance import EXPLAINABLE_TASKS, default_metric, permutation_importances
from .learners import as_stored

# Explanations score every feature on a sample of the training rows; this keeps them quick.
EXPLANATION_ROWS = 1000


@register
class TrainModel(Module):
    """Trains a learner on a dataset to give a trained model for Score Model.

    Connect a learner (for example Two-Class Boosted Decision Tree) on the left and labelled data on the
    right. The label column is the one you pick, or else the column marked as label with Edit Metadata.
    Rows without a label are ignored. Every other feature column is used to learn from. With "Model
    explanations" checked, the model also records how much each feature matters (permutation
    importance on up to 1000 training rows).
    """

    key = "model_training.train_model"
    title = "Train Model"
    category = Category.MODEL_TRAINING
    training_only = True
    inputs = (
        Port("untrained_model", "Untrained model", PortType.UNTRAINED_MODEL),
        Port("dataset", "Dataset", PortType.DATASET),
    )
    outputs = (Port("trained_model", "Trained model", PortType.TRAINED_MODEL),)
    params = (
        label_column_param("dataset"),
        BoolParam(
            "model_explanations",
            "Model explanations",
            False,
            "Also measure how much each feature matters to the trained model.",
            optional=True,
        ),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], untrained_model: Any, dataset: DataTable
    ) -> dict[str, Any]:
        learner = require_learner(untrained_model, "untrained_model", self.title)
        label = resolve_label(dataset, params["label_column"])
        ctx.progress(0.05, "training")
        model = learner.fit(ctx, dataset, label)
        if params["model_explanations"]:
            model = with_explanations(ctx, model, dataset)
        ctx.progress(1.0, "trained")
        return {"trained_model": model}


def with_explanations(ctx: RunContext, model: TrainedModel, dataset: DataTable) -> TrainedModel:
    """The model with ``explanations``: each feature's permutation importance on training rows."""
    if not (model.label_column and model.task in EXPLAINABLE_TASKS):
        ctx.logger.warning("Model explanations need a model that predicts a label; none were computed.")
        return model
    seed = ctx.seed % 2**32
    sample = rows_with_label(dataset, model.label_column)
    if len(sample) > EXPLANATION_ROWS:
        sample = sample.with_frame(sample.df.sample(n=EXPLANATION_ROWS, random_state=seed))
    metric = default_metric(model)
    model.explanations = {  # type: ignore[attr-defined]
        "method": "permutation_feature_importance",
        "metric": metric,
        "rows": len(sample),
        "importances": dict(permutation_importances(model, sample, metric, seed)),
    }
    return as_stored(model)
