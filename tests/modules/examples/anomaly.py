"""Conformance examples for the anomaly detectors and Train Anomaly Detection Model."""

from __future__ import annotations

from modules.anomaly.pca import PcaBasedAnomalyDetection
from modules.sdk import DataTable, RunContext
from tests.modules import data
from tests.modules.examples import Example


def labelled_breast_cancer(rows: int = 200) -> DataTable:
    table = data.breast_cancer().with_meta("diagnosis", is_label=True)
    return table.with_frame(table.df.head(rows).copy())


EXAMPLES = {
    "anomaly_detection.pca_based_anomaly_detection": Example(),
    "anomaly_detection.one_class_support_vector_machine": Example(params={"eta": 0.05}),
    "anomaly_detection.isolation_forest": Example(params={"number_of_trees": 20}),
    "model_training.train_anomaly_detection_model": Example(
        inputs=lambda: {
            "untrained_model": PcaBasedAnomalyDetection.execute(
                RunContext(), {"enable_input_feature_mean_normalization": True}
            )["untrained_model"],
            "dataset": labelled_breast_cancer(),
        },
    ),
}
