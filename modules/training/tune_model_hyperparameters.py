"""Tune Model Hyperparameters: try a learner's settings from its sweep lists and keep the best."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    UINT32_MAX,
    Category,
    ChoiceParam,
    DataTable,
    IntParam,
    Learner,
    Module,
    Port,
    PortType,
    RunContext,
    Task,
    register,
    require_rows,
)

from .common import (
    cross_validated_scores,
    fit_and_score,
    fold_assignments,
    label_column_param,
    labelled_rows,
    require_learner,
    rows_with_label,
)
from .metrics import CLASSIFICATION_METRICS, REGRESSION_METRICS, evaluate, metric_key, scalar_metrics
from .sweeps import BAYESIAN_SWEEP, RANDOM_GRID, RANDOM_SWEEP, SWEEP_MODES, Point, make_sweep

MODE = "specify_parameter_sweeping_mode"
RANDOM_MODES = (RANDOM_SWEEP, RANDOM_GRID, BAYESIAN_SWEEP)
DEFAULT_TUNING_FOLDS = 3


@register
class TuneModelHyperparameters(Module):
    """Finds good settings for a learner by training it with many combinations and keeping the best.

    Create the learner in "Parameter Range" mode and list the values to try. Each combination is trained
    on the training dataset and measured on the validation dataset, or, when none is connected, by
    cross-validation on the training data (Partition and Sample's folds when present, else "Number of
    cross-validation folds"). Entire grid tries every combination; Random grid a random subset of them;
    Random sweep random values within each listed range; Bayesian sweep starts randomly, then picks each
    next combination where a Gaussian-process model of the results expects the biggest improvement.
    Outputs every run's settings and metrics (best first) and the best model trained on all the training
    data.
    """

    key = "model_training.tune_model_hyperparameters"
    title = "Tune Model Hyperparameters"
    category = Category.MODEL_TRAINING
    training_only = True
    inputs = (
        Port("untrained_model", "Untrained model", PortType.UNTRAINED_MODEL),
        Port("training_dataset", "Training dataset", PortType.DATASET),
        Port("optional_validation_dataset", "Optional validation dataset", PortType.DATASET, optional=True),
    )
    outputs = (
        Port("sweep_results", "Sweep results", PortType.DATASET),
        Port("trained_best_model", "Trained best model", PortType.TRAINED_MODEL),
    )
    params = (
        ChoiceParam(
            MODE,
            "Specify parameter sweeping mode",
            RANDOM_SWEEP,
            "How combinations of the learner's range values are chosen.",
            choices=SWEEP_MODES,
        ),
        IntParam(
            "maximum_number_of_runs_on_random_sweep",
            "Maximum number of runs on random sweep",
            5,
            "How many combinations to train.",
            min=1,
            max=10000,
            visible_when={MODE: RANDOM_MODES},
        ),
        IntParam(
            "random_seed",
            "Random seed",
            0,
            "Fixes which combinations are drawn and the cross-validation folds.",
            min=0,
            max=UINT32_MAX,
        ),
        label_column_param("training_dataset"),
        ChoiceParam(
            "metric_for_measuring_performance_for_classification",
            "Metric for measuring performance for classification",
            "Accuracy",
            "Used to rank runs of a classification learner (multiclass: macro averages).",
            choices=tuple(CLASSIFICATION_METRICS),
        ),
        ChoiceParam(
            "metric_for_measuring_performance_for_regression",
            "Metric for measuring performance for regression",
            "Mean absolute error",
            "Used to rank runs of a regression learner.",
            choices=tuple(REGRESSION_METRICS),
        ),
        IntParam(
            "number_of_cross_validation_folds",
            "Number of cross-validation folds",
            DEFAULT_TUNING_FOLDS,
            "Used only when no validation dataset is connected and the data has no fold assignments.",
            min=2,
            max=100,
        ),
    )

    def run(
        self,
        ctx: RunContext,
        params: dict[str, Any],
        untrained_model: Any,
        training_dataset: DataTable,
        optional_validation_dataset: DataTable | None = None,
    ) -> dict[str, Any]:
        learner = require_learner(untrained_model, "untrained_model", self.title)
        label, training = labelled_rows(training_dataset, params["label_column"], "training_dataset")
        measure = _Measure(ctx, learner, training, label, params, optional_validation_dataset)
        if learner.task == Task.REGRESSION:
            metric = params["metric_for_measuring_performance_for_regression"]
        else:
            metric = params["metric_for_measuring_performance_for_classification"]
        space = learner.sweep_space()
        if not space:
            ctx.logger.warning(
                "The learner was created with Single Parameter, so there is one setting to try."
            )
        runs = params["maximum_number_of_runs_on_random_sweep"]
        sweep = make_sweep(params[MODE], space, runs, params["random_seed"])
        history: list[tuple[Point, float | None]] = []
        records: list[dict[str, float | None]] = []
        while (point := sweep.propose(history)) is not None:
            ctx.progress(len(history) / max(sweep.runs, 1), f"run {len(history) + 1}")
            kind, metrics = measure(learner.with_params(**point) if point else learner)
            key, larger_is_better = metric_key(kind, metric)
            value = metrics.get(key)
            oriented = None if value is None else (value if larger_is_better else -value)
            history.append((point, oriented))
            records.append(metrics)
            ctx.logger.info("run %d: %s -> %s = %s", len(history), point, metric, value)
        order = _best_first([value for _, value in history])
        best_point = history[order[0]][0]
        model = (learner.with_params(**best_point) if best_point else learner).fit(ctx, training, label)
        return {
            "sweep_results": _results_table(learner, history, records, order),
            "trained_best_model": model,
        }


class _Measure:
    """Trains a candidate and returns (evaluation kind, scalar metrics) on the validation data or folds."""

    def __init__(
        self,
        ctx: RunContext,
        learner: Learner,
        training: DataTable,
        label: str,
        params: dict[str, Any],
        validation: DataTable | None,
    ) -> None:
        self.ctx = ctx
        self.training = training
        self.label = label
        self.validation = None
        self.folds: np.ndarray | None = None
        if validation is not None:
            self.validation = rows_with_label(validation, label)
            require_rows(self.validation, "optional_validation_dataset")
        else:
            self.folds = fold_assignments(
                training,
                label,
                learner.task,
                params["number_of_cross_validation_folds"],
                params["random_seed"],
            )

    def __call__(self, candidate: Learner) -> tuple[str, dict[str, float | None]]:
        if self.validation is not None:
            evaluation = evaluate(
                fit_and_score(self.ctx, candidate, self.training, self.validation, self.label)
            )
            return evaluation.kind, scalar_metrics(evaluation)
        assert self.folds is not None
        results = cross_validated_scores(self.ctx, candidate, self.training, self.label, self.folds, False)
        evaluations = [evaluate(scored) for _, _, scored in results]
        per_fold = pd.DataFrame([scalar_metrics(e) for e in evaluations], dtype=np.float64)
        averaged = {k: (None if np.isnan(v) else float(v)) for k, v in per_fold.mean().items()}
        return evaluations[0].kind, averaged


def _best_first(values: list[float | None]) -> list[int]:
    """Run indices by metric (oriented so larger is better), ties in run order, runs without a value last."""
    return sorted(range(len(values)), key=lambda i: (values[i] is None, -(values[i] or 0.0), i))


def _results_table(
    learner: Learner,
    history: list[tuple[Point, float | None]],
    records: list[dict[str, float | None]],
    order: list[int],
) -> DataTable:
    title = getattr(learner, "param_title", lambda name: name)
    rows = []
    for i in order:
        point = history[i][0]
        rows.append({"Run": i + 1, **{title(name): value for name, value in point.items()}, **records[i]})
    return DataTable(pd.DataFrame(rows))
