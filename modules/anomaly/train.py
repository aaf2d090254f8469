"""Train Anomaly Detection Model: fit an anomaly detector on (mostly normal) data, without labels."""

from __future__ import annotations

from typing import Any

from modules.sdk import Category, DataTable, Module, ModuleError, Port, PortType, RunContext, register

from .base import AnomalyLearner


@register
class TrainAnomalyDetectionModel(Module):
    """Train an anomaly detector (PCA-Based Anomaly Detection, One-Class Support Vector Machine or
    Isolation Forest) on a dataset.

    Training is unsupervised: every feature column is used and a label column, if the data has one, is
    ignored (it stays useful for Evaluate Model afterwards). Train on data that is mostly normal. Score
    the trained model with Score Model to get `Scored Labels` (1 = anomaly) and `Scored Probabilities`
    (an anomaly score between 0 and 1).
    """

    key = "model_training.train_anomaly_detection_model"
    title = "Train Anomaly Detection Model"
    category = Category.MODEL_TRAINING
    training_only = True
    inputs = (
        Port("untrained_model", "Untrained model", PortType.UNTRAINED_MODEL),
        Port("dataset", "Dataset", PortType.DATASET),
    )
    outputs = (Port("trained_model", "Trained model", PortType.TRAINED_MODEL),)

    def run(
        self, ctx: RunContext, params: dict[str, Any], untrained_model: Any, dataset: DataTable
    ) -> dict[str, Any]:
        if not isinstance(untrained_model, AnomalyLearner):
            raise ModuleError(
                "wrong_input",
                "Train Anomaly Detection Model trains anomaly detectors (PCA-Based Anomaly Detection, "
                "One-Class Support Vector Machine, Isolation Forest). To train a classifier or a regressor, "
                "use Train Model.",
                port="untrained_model",
            )
        return {"trained_model": untrained_model.fit(ctx, dataset, dataset.label_column)}
