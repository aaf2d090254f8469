"""Contracts for what flows on model, transformation and evaluation ports.

Every learner, transform and evaluator implements these, so Train Model, Score Model, Tune, Cross
Validate, Apply Transformation and the deployment's inference plan can treat them uniformly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from .context import RunContext
from .table import DataTable

SCORED_LABELS = "Scored Labels"
SCORED_PROBABILITIES = "Scored Probabilities"
ASSIGNMENTS = "Assignments"
# The fold number of each row: written by Partition and Sample ("Assign to Folds") and by Cross Validate
# Model's scored results, read by Cross Validate Model and Tune Model Hyperparameters. Never a feature.
FOLD_COLUMN = "Fold Assignments"


def scored_probability_column(cls_value: Any) -> str:
    return f"{SCORED_PROBABILITIES}_{cls_value}"


def cluster_distance_column(k: int) -> str:
    return f"DistancesToClusterCenter no.{k}"


class Task(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"
    ANOMALY = "anomaly"
    CLUSTERING = "clustering"
    RECOMMENDER = "recommender"
    CUSTOM = "custom"  # Create Python Model: the script decides


class Transformation(ABC):
    """A fitted transformation: state learned on training data, applied identically at scoring."""

    title: str = "Transformation"

    @property
    @abstractmethod
    def input_columns(self) -> list[str]:
        """Columns the transformation reads (what a Web Service Input must ask for)."""

    @abstractmethod
    def apply(self, table: DataTable) -> DataTable: ...


class Learner(ABC):
    """An untrained model: a learner's parameters, ready to be fitted by Train Model."""

    task: Task
    module_key: str
    params: dict[str, Any]

    @abstractmethod
    def fit(self, ctx: RunContext, table: DataTable, label_column: str | None) -> TrainedModel: ...

    def sweep_space(self) -> dict[str, list[Any]]:
        """Parameter name -> candidate values, when created in 'Parameter Range' mode."""
        return {}

    def with_params(self, **overrides: Any) -> Learner:
        """A copy with some parameters replaced (used by Tune Model Hyperparameters)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be tuned")


class TrainedModel(ABC):
    """A fitted model. ``score`` returns only the score columns; Score Model appends them."""

    task: Task
    feature_columns: list[str]
    label_column: str | None = None
    classes: list[Any] | None = None
    learner_key: str = ""

    @abstractmethod
    def score(self, table: DataTable) -> pd.DataFrame: ...


@dataclass
class Evaluation:
    """What an Evaluate module outputs: metrics, chart data and the kind that tells the UI how to draw it.

    ``kind`` is one of binary, multiclass, regression, clustering, recommender, or a custom string.
    ``compared`` holds the second input's evaluation when two scored datasets are compared.
    """

    kind: str
    metrics: dict[str, Any]
    charts: dict[str, Any] = field(default_factory=dict)
    compared: Evaluation | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "metrics": self.metrics, "charts": self.charts}
        if self.compared is not None:
            out["compared"] = self.compared.as_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        compared = data.get("compared")
        return cls(
            kind=data["kind"],
            metrics=data["metrics"],
            charts=data.get("charts", {}),
            compared=cls.from_dict(compared) if compared else None,
        )
