"""One-vs-All and One-vs-One: turn any two-class learner into a multiclass one."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from sklearn.multiclass import OneVsRestClassifier

from modules.sdk import Category, Learner, ModuleError, Port, PortType, RunContext, Task, register
from modules.sdk.module import Module
from modules.training.estimators import OneVsOneWithProbabilities
from modules.training.learners import (
    EstimatorLearner,
    FitSetup,
    TrainingData,
    resolve_seed,
    untrained_model_output,
)

BINARY_INPUT = "untrained_binary_classification_model"


class MulticlassWrapperLearner(EstimatorLearner):
    """A two-class learner applied one-vs-rest or one-vs-one; its settings and sweeps are the inner's."""

    def __init__(self, module_key: str, title: str, inner: EstimatorLearner, strategy: str) -> None:
        super().__init__(module_key, title, Task.MULTICLASS, {})
        self.inner = inner
        self.strategy = strategy
        self.encoding = inner.encoding  # type: ignore[misc]
        self.allow_missing = inner.allow_missing  # type: ignore[misc]

    def build_estimator(self, setup: FitSetup) -> Any:
        binary = self.inner.build_estimator(replace(setup, task=Task.BINARY, n_classes=2))
        if self.strategy == "one_vs_one":
            return OneVsOneWithProbabilities(binary)
        return OneVsRestClassifier(binary)

    def fit_setup(self, ctx: RunContext, data: TrainingData) -> FitSetup:
        return replace(super().fit_setup(ctx, data), seed=resolve_seed(self.inner.params, ctx))

    def compact(self, estimator: Any) -> Any:
        estimator.estimators_ = [self.inner.compact(binary) for binary in estimator.estimators_]
        return estimator

    def allow_unknown_levels(self) -> bool:
        return self.inner.allow_unknown_levels()

    def sweep_space(self) -> dict[str, list[Any]]:
        return self.inner.sweep_space()

    def with_params(self, **overrides: Any) -> MulticlassWrapperLearner:
        tuned = copy.copy(self)
        tuned.inner = self.inner.with_params(**overrides)
        return tuned

    def param_title(self, name: str) -> str:
        return self.inner.param_title(name)


class _MulticlassWrapperModule(Module):
    inputs = (
        Port(
            BINARY_INPUT,
            "Untrained binary classification model",
            PortType.UNTRAINED_MODEL,
            description="A two-class learner, such as Two-Class Logistic Regression.",
        ),
    )
    outputs = untrained_model_output()
    category = Category.CLASSIFICATION
    strategy: str

    def run(self, ctx: RunContext, params: dict[str, Any], **inputs: Learner) -> dict[str, Any]:
        inner = inputs[BINARY_INPUT]
        if not isinstance(inner, EstimatorLearner) or inner.task != Task.BINARY:
            raise ModuleError(
                "not_binary_learner",
                f"'{self.title}' needs a two-class learner (such as Two-Class Logistic Regression) on its "
                f"input; got '{getattr(inner, 'title', type(inner).__name__)}'.",
                port=BINARY_INPUT,
            )
        return {"untrained_model": MulticlassWrapperLearner(self.key, self.title, inner, self.strategy)}


@register
class OneVsAllMulticlass(_MulticlassWrapperModule):
    """Builds a multiclass model from a two-class learner: one model per class, that class against all
    the others (scikit-learn ``OneVsRestClassifier``).

    Scored Probabilities_<class> are the per-class models' probabilities, scaled to sum to one; the
    label is the most probable class. Tune Model Hyperparameters sweeps the two-class learner's ranges.
    """

    key = "classification.one_vs_all_multiclass"
    title = "One-vs-All Multiclass"
    strategy = "one_vs_all"


@register
class OneVsOneMulticlass(_MulticlassWrapperModule):
    """Builds a multiclass model from a two-class learner: one model per pair of classes, which vote
    (scikit-learn ``OneVsOneClassifier``).

    The label is the class with the most pairwise wins (ties broken by the models' confidence);
    Scored Probabilities_<class> is each class's share of those votes.
    """

    key = "classification.one_vs_one_multiclass"
    title = "One-vs-One Multiclass"
    strategy = "one_vs_one"
