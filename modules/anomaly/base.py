"""What every anomaly detector shares: the untrained learner, the fitted model and its score columns.

A detector is unsupervised: it learns what normal rows look like from every feature column (a label
column, when one is marked, is ignored). Scoring gives the two columns Score Model appends for any
binary model, so Evaluate Model can compare them with a known anomaly label:

- ``Scored Labels``: 1 for an anomaly, 0 for a normal row;
- ``Scored Probabilities``: an anomaly score in [0, 1], higher meaning more anomalous. How each
  detector maps its raw score to [0, 1] is written in its module's help.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from modules.clustering.trainer_mode import SweepableLearner
from modules.sdk import (
    SCORED_LABELS,
    SCORED_PROBABILITIES,
    DataTable,
    FeatureEncoder,
    RunContext,
    Task,
    TrainedModel,
    require_rows,
)
from modules.training.learners import library_warnings_to_log


class AnomalyDetector(ABC):
    """A fitted detector over the encoded feature matrix."""

    @abstractmethod
    def anomaly_probability(self, matrix: np.ndarray) -> np.ndarray:
        """The anomaly score in [0, 1] of each row."""

    @abstractmethod
    def is_anomaly(self, matrix: np.ndarray) -> np.ndarray:
        """True for the rows the detector calls anomalies."""


@dataclass
class AnomalyLearner(SweepableLearner):
    """An untrained anomaly detector; Train Anomaly Detection Model (or Tune) fits it."""

    task = Task.ANOMALY

    def fit(self, ctx: RunContext, table: DataTable, label_column: str | None) -> AnomalyModel:
        require_rows(table)
        ignored = {c for c in (label_column, table.label_column) if c}
        features = table.feature_columns(exclude=ignored)
        encoder = FeatureEncoder(categorical="onehot").fit(table, features)
        matrix = encoder.transform(table.df)
        ctx.progress(0.1, "fitting the detector")
        with library_warnings_to_log(ctx.logger):
            detector = self.fit_detector(ctx, matrix, self.settings(ctx))
        return AnomalyModel(
            detector=detector,
            encoder=encoder,
            feature_columns=features,
            label_column=label_column or table.label_column,
            learner_key=self.module_key,
        )

    @abstractmethod
    def fit_detector(
        self, ctx: RunContext, matrix: np.ndarray, settings: dict[str, Any]
    ) -> AnomalyDetector: ...


@dataclass
class AnomalyModel(TrainedModel):
    detector: AnomalyDetector
    encoder: FeatureEncoder
    feature_columns: list[str]
    label_column: str | None = None
    learner_key: str = ""
    classes: list[Any] | None = None
    task = Task.ANOMALY

    def __post_init__(self) -> None:
        self.classes = [0, 1]

    def score(self, table: DataTable) -> pd.DataFrame:
        matrix = self.encoder.transform(table.df)
        return pd.DataFrame(
            {
                SCORED_LABELS: self.detector.is_anomaly(matrix).astype(np.int64),
                SCORED_PROBABILITIES: self.detector.anomaly_probability(matrix),
            },
            index=table.df.index,
        )
