"""Isolation Forest: anomalies are the rows that random splits isolate quickly (scikit-learn's IsolationForest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.ensemble import IsolationForest as SkIsolationForest

from modules.clustering.trainer_mode import swept, trainer_mode_param
from modules.sdk import (
    BoolParam,
    Category,
    FloatParam,
    IntParam,
    Module,
    Port,
    PortType,
    RunContext,
    register,
)
from modules.training.learners import resolve_seed, seed_param

from .base import AnomalyDetector, AnomalyLearner

MODULE_KEY = "anomaly_detection.isolation_forest"


@dataclass
class IsolationForestDetector(AnomalyDetector):
    estimator: SkIsolationForest

    def anomaly_probability(self, matrix: np.ndarray) -> np.ndarray:
        # score_samples is minus the anomaly score s(x) = 2^(-E[path length] / c(n)) of Liu et al., in (0, 1].
        return -self.estimator.score_samples(matrix)

    def is_anomaly(self, matrix: np.ndarray) -> np.ndarray:
        return self.estimator.predict(matrix) == -1


@dataclass
class IsolationForestLearner(AnomalyLearner):
    module_key = MODULE_KEY
    ranges: ClassVar[dict[str, str]] = {
        "number_of_trees": "range_for_number_of_trees",
        "maximum_samples_per_tree": "range_for_maximum_samples_per_tree",
    }

    def fit_detector(
        self, ctx: RunContext, matrix: np.ndarray, settings: dict[str, Any]
    ) -> IsolationForestDetector:
        return IsolationForestDetector(
            build_isolation_forest(settings, resolve_seed(settings, ctx)).fit(matrix)
        )


def build_isolation_forest(settings: dict[str, Any], seed: int) -> SkIsolationForest:
    max_samples = settings["maximum_samples_per_tree"]
    contamination = settings["contamination"]
    return SkIsolationForest(
        n_estimators=settings["number_of_trees"],
        max_samples="auto" if max_samples is None else max_samples,
        contamination="auto" if contamination is None else contamination,
        max_features=settings["fraction_of_features_per_tree"],
        bootstrap=settings["bootstrap"],
        random_state=seed,
    )


NUMBER_OF_TREES, RANGE_FOR_NUMBER_OF_TREES = swept(
    IntParam(
        "number_of_trees", "Number of trees", default=100, min=1, description="How many isolation trees."
    ),
    "range_for_number_of_trees",
    "Range for number of trees",
    "50; 100; 200",
)
MAXIMUM_SAMPLES, RANGE_FOR_MAXIMUM_SAMPLES = swept(
    IntParam(
        "maximum_samples_per_tree",
        "Maximum samples per tree",
        default=None,
        optional=True,
        min=2,
        description="Rows drawn to grow each tree; empty means min(256, number of rows). More than the "
        "number of rows uses all rows.",
    ),
    "range_for_maximum_samples_per_tree",
    "Range for maximum samples per tree",
    "64; 128; 256",
)


@register
class IsolationForest(Module):
    """Configure an isolation forest, to train with Train Anomaly Detection Model.

    Each tree splits the data at random until every row is alone; anomalies, being few and different,
    are isolated after fewer splits. It needs no scaling and copes with many features.
    `Scored Probabilities` is the anomaly score of Liu, Ting and Zhou (2008),
    s = 2^(−average path length / c(n)), in (0, 1]: near 1 is clearly anomalous, at or below 0.5
    normal. `Scored Labels` is 1 when s > 0.5, or, when *Contamination* is set, for the most anomalous
    share of training rows given by it (the threshold is then learned from the training scores).
    """

    key = MODULE_KEY
    title = "Isolation Forest"
    category = Category.ANOMALY_DETECTION
    outputs = (Port("untrained_model", "Untrained model", PortType.UNTRAINED_MODEL),)
    params = (
        trainer_mode_param("create_trainer_mode", "Create trainer mode"),
        NUMBER_OF_TREES,
        RANGE_FOR_NUMBER_OF_TREES,
        MAXIMUM_SAMPLES,
        RANGE_FOR_MAXIMUM_SAMPLES,
        FloatParam(
            "contamination",
            "Contamination",
            default=None,
            optional=True,
            min=0.0,
            exclusive_min=True,
            max=0.5,
            description="Expected share of anomalies in the training data; empty uses the 0.5 score threshold.",
        ),
        FloatParam(
            "fraction_of_features_per_tree",
            "Fraction of features per tree",
            default=1.0,
            min=0.0,
            exclusive_min=True,
            max=1.0,
            description="Share of the feature columns each tree may split on.",
        ),
        BoolParam(
            "bootstrap", "Bootstrap", default=False, description="Draw each tree's rows with replacement."
        ),
        seed_param(),
    )

    def run(self, ctx: RunContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"untrained_model": IsolationForestLearner(dict(params))}
