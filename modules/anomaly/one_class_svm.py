"""One-Class Support Vector Machine: a boundary around normal data, learned by scikit-learn's OneClassSVM."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit
from sklearn.svm import OneClassSVM

from modules.clustering.trainer_mode import swept, trainer_mode_param
from modules.sdk import (
    Category,
    ChoiceParam,
    FloatParam,
    IntParam,
    Module,
    Port,
    PortType,
    RunContext,
    register,
)

from .base import AnomalyDetector, AnomalyLearner

MODULE_KEY = "anomaly_detection.one_class_support_vector_machine"

KERNELS = {"RBF": "rbf", "Linear": "linear", "Polynomial": "poly", "Sigmoid": "sigmoid"}


@dataclass
class OneClassSvmDetector(AnomalyDetector):
    estimator: OneClassSVM
    # Spread (standard deviation) of the training rows' decision values: the unit of the logistic map.
    scale: float

    def anomaly_probability(self, matrix: np.ndarray) -> np.ndarray:
        return expit(-self.estimator.decision_function(matrix) / self.scale)

    def is_anomaly(self, matrix: np.ndarray) -> np.ndarray:
        return self.estimator.predict(matrix) == -1


@dataclass
class OneClassSvmLearner(AnomalyLearner):
    module_key = MODULE_KEY
    ranges: ClassVar[dict[str, str]] = {"eta": "range_for_eta", "epsilon": "range_for_epsilon"}

    def fit_detector(
        self, ctx: RunContext, matrix: np.ndarray, settings: dict[str, Any]
    ) -> OneClassSvmDetector:
        estimator = build_one_class_svm(settings).fit(matrix)
        spread = float(np.std(estimator.decision_function(matrix)))
        return OneClassSvmDetector(estimator, scale=spread if spread > 0 else 1.0)


def build_one_class_svm(settings: dict[str, Any]) -> OneClassSVM:
    gamma = settings["gamma"]
    return OneClassSVM(
        kernel=KERNELS[settings["kernel_type"]],
        nu=settings["eta"],
        tol=settings["epsilon"],
        gamma="scale" if gamma is None else gamma,
        degree=settings["degree"],
        coef0=settings["coef0"],
    )


_ETA = FloatParam(
    "eta",
    "η (nu)",
    default=0.1,
    min=0.0,
    exclusive_min=True,
    max=1.0,
    description="Upper bound on the share of training rows treated as outliers (0 < η ≤ 1).",
)
_EPSILON = FloatParam(
    "epsilon",
    "ε (epsilon)",
    default=0.001,
    min=0.0,
    exclusive_min=True,
    description="Stopping tolerance of the optimiser.",
)
ETA, RANGE_FOR_ETA = swept(_ETA, "range_for_eta", "Range for η", "0.01; 0.1; 0.5")
EPSILON, RANGE_FOR_EPSILON = swept(_EPSILON, "range_for_epsilon", "Range for ε", "0.0001; 0.001; 0.01")


@register
class OneClassSupportVectorMachine(Module):
    """Configure a one-class support vector machine, to train with Train Anomaly Detection Model.

    It learns a boundary that encloses the training rows (mostly normal data); rows outside it are
    anomalies. *η* bounds the share of training rows allowed outside the boundary; *ε* is the stopping
    tolerance. The RBF kernel draws flexible boundaries; its *Gamma* (empty = 1 / (features × variance))
    sets how tightly they follow the data, so scale features with Normalize Data first.
    Scoring gives `Scored Labels` = 1 outside the boundary and
    `Scored Probabilities` = 1 / (1 + exp(d / σ)), where d is the model's decision value (positive
    inside the boundary) and σ the standard deviation of d over the training rows; it is 0.5 exactly
    on the boundary.
    """

    key = MODULE_KEY
    title = "One-Class Support Vector Machine"
    category = Category.ANOMALY_DETECTION
    outputs = (Port("untrained_model", "Untrained model", PortType.UNTRAINED_MODEL),)
    params = (
        trainer_mode_param("create_trainer_mode", "Create trainer mode"),
        ETA,
        EPSILON,
        RANGE_FOR_ETA,
        RANGE_FOR_EPSILON,
        ChoiceParam("kernel_type", "Kernel type", default="RBF", choices=tuple(KERNELS)),
        FloatParam(
            "gamma",
            "Gamma",
            default=None,
            optional=True,
            min=0.0,
            exclusive_min=True,
            description="Kernel coefficient; empty means 1 / (number of features × feature variance).",
            visible_when={"kernel_type": ("RBF", "Polynomial", "Sigmoid")},
        ),
        IntParam(
            "degree",
            "Degree",
            default=3,
            min=1,
            description="Degree of the polynomial kernel.",
            visible_when={"kernel_type": ("Polynomial",)},
        ),
        FloatParam(
            "coef0",
            "Coef0",
            default=0.0,
            description="Constant term of the polynomial and sigmoid kernels.",
            visible_when={"kernel_type": ("Polynomial", "Sigmoid")},
        ),
    )

    def run(self, ctx: RunContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"untrained_model": OneClassSvmLearner(dict(params))}
