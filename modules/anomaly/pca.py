"""PCA-Based Anomaly Detection: rows far from the principal subspace of normal data are anomalies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.utils.extmath import randomized_svd

from modules.clustering.trainer_mode import swept, trainer_mode_param
from modules.sdk import (
    BoolParam,
    Category,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    register,
)
from modules.training.learners import resolve_seed

from .base import AnomalyDetector, AnomalyLearner

MODULE_KEY = "anomaly_detection.pca_based_anomaly_detection"

# Tukey's "far out" fence: a training error above Q3 + 3 * IQR is an outlier among the training rows.
_FENCE_IQR_MULTIPLE = 3.0


@dataclass
class PcaDetector(AnomalyDetector):
    """Reconstruction error against a rank-k subspace, and the threshold learned on training rows."""

    mean: np.ndarray
    components: np.ndarray  # k x d, orthonormal rows
    threshold: float

    def reconstruction_error(self, matrix: np.ndarray) -> np.ndarray:
        centred = matrix - self.mean
        residual = centred - (centred @ self.components.T) @ self.components
        return np.einsum("ij,ij->i", residual, residual)

    def anomaly_probability(self, matrix: np.ndarray) -> np.ndarray:
        error = self.reconstruction_error(matrix)
        return error / (error + self.threshold)

    def is_anomaly(self, matrix: np.ndarray) -> np.ndarray:
        return self.reconstruction_error(matrix) > self.threshold


def error_threshold(training_errors: np.ndarray) -> float:
    q1, q3 = np.quantile(training_errors, [0.25, 0.75])
    fence = float(q3 + _FENCE_IQR_MULTIPLE * (q3 - q1))
    # Data that lies exactly in the subspace has zero error: keep the threshold positive.
    return max(fence, np.finfo(np.float64).tiny)


@dataclass
class PcaAnomalyLearner(AnomalyLearner):
    module_key = MODULE_KEY
    mode_param: ClassVar[str] = "training_mode"
    ranges: ClassVar[dict[str, str]] = {
        "number_of_components_to_use_in_pca": "range_for_number_of_pca_components",
        "oversampling_parameter_for_randomized_pca": "range_for_the_oversampling_parameter_used_in_randomized_pca",
    }

    def fit_detector(self, ctx: RunContext, matrix: np.ndarray, settings: dict[str, Any]) -> PcaDetector:
        components: int = settings["number_of_components_to_use_in_pca"]
        rows, features = matrix.shape
        if components > min(rows, features):
            raise ModuleError(
                "too_many_components",
                f"Number of components to use in PCA is {components}, but the data has only {features} feature "
                f"column(s) and {rows} row(s); it can be at most {min(rows, features)}.",
                parameter="number_of_components_to_use_in_pca",
            )
        if settings["enable_input_feature_mean_normalization"]:
            mean = matrix.mean(axis=0)
        else:
            mean = np.zeros(features)
        _, _, vt = randomized_svd(
            matrix - mean,
            components,
            n_oversamples=settings["oversampling_parameter_for_randomized_pca"],
            n_iter="auto",
            power_iteration_normalizer="auto",
            flip_sign=False,
            random_state=resolve_seed(settings, ctx),
        )
        # A contiguous copy: stored models must pickle to the same bytes after a round trip.
        detector = PcaDetector(mean=mean, components=np.ascontiguousarray(vt), threshold=1.0)
        detector.threshold = error_threshold(detector.reconstruction_error(matrix))
        return detector


COMPONENTS, RANGE_FOR_COMPONENTS = swept(
    IntParam(
        "number_of_components_to_use_in_pca",
        "Number of components to use in PCA",
        default=2,
        min=1,
        description="How many principal components describe normal data.",
    ),
    "range_for_number_of_pca_components",
    "Range for number of PCA components",
    "2; 4; 6; 8; 10",
    mode_param="training_mode",
)
OVERSAMPLING, RANGE_FOR_OVERSAMPLING = swept(
    IntParam(
        "oversampling_parameter_for_randomized_pca",
        "Oversampling parameter for randomized PCA",
        default=2,
        min=0,
        description="Extra random directions used by randomized PCA; more is slower and more exact.",
    ),
    "range_for_the_oversampling_parameter_used_in_randomized_pca",
    "Range for the oversampling parameter used in randomized PCA",
    "2; 4; 6; 8; 10",
    mode_param="training_mode",
)


@register
class PcaBasedAnomalyDetection(Module):
    """Configure a PCA-based anomaly detector, to train with Train Anomaly Detection Model.

    Training finds the few directions (principal components) that explain most of the variation of
    the training rows, which should be mostly normal. A row's raw anomaly score is its squared
    reconstruction error: the squared distance between the row and its projection onto those
    components (after subtracting the training mean when *mean normalization* is on). The threshold
    is Tukey's far-out fence of the training errors, Q3 + 3 × IQR. Scoring gives
    `Scored Labels` = 1 when the error is above the threshold, and
    `Scored Probabilities` = error / (error + threshold), which is 0.5 exactly at the threshold.
    The components are found by randomized SVD; the oversampling parameter adds that many extra
    random directions for accuracy.
    """

    key = MODULE_KEY
    title = "PCA-Based Anomaly Detection"
    category = Category.ANOMALY_DETECTION
    outputs = (Port("untrained_model", "Untrained model", PortType.UNTRAINED_MODEL),)
    params = (
        trainer_mode_param("training_mode", "Training mode"),
        COMPONENTS,
        OVERSAMPLING,
        BoolParam(
            "enable_input_feature_mean_normalization",
            "Enable input feature mean normalization",
            default=False,
            description="Subtract each feature's training mean before PCA (recommended).",
        ),
        RANGE_FOR_COMPONENTS,
        RANGE_FOR_OVERSAMPLING,
    )

    def run(self, ctx: RunContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"untrained_model": PcaAnomalyLearner(dict(params))}
