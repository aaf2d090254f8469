"""What every learner module shares: its common parameters, fitting through the FeatureEncoder, and the
fitted model that writes the reference product's score columns.

A learner module (Two-Class Boosted Decision Tree, Linear Regression ...) declares its parameters and an
``EstimatorLearner`` subclass that turns them into a scikit-learn-compatible estimator. Everything else
(label checks, encoding, seeds, warnings, scoring, sweeps) lives here once.
"""

from __future__ import annotations

import copy
import pickle
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from logging import Logger
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from modules.sdk import (
    FOLD_COLUMN,
    SCORED_LABELS,
    SCORED_PROBABILITIES,
    UINT32_MAX,
    BoolParam,
    ChoiceParam,
    DataTable,
    FeatureEncoder,
    IntParam,
    Learner,
    Module,
    ModuleError,
    Param,
    Port,
    PortType,
    RunContext,
    SweepParam,
    Task,
    TrainedModel,
    column_kind,
    require_rows,
    scored_probability_column,
)

TRAINER_MODE = "create_trainer_mode"
SINGLE_PARAMETER = "Single Parameter"
PARAMETER_RANGE = "Parameter Range"
RANGE_SUFFIX = "_range"
SEED = "random_number_seed"
# Learners call it "Allow unknown categorical levels"; forests "... values for categorical features".
ALLOW_UNKNOWN = ("allow_unknown_categorical_levels", "allow_unknown_values_for_categorical_features")

# Quantile regression's score columns, as the reference product names them.
QUANTILE_COLUMN_PREFIX = "Scores for quantile :"

# More classes than this is a continuous value picked as a label by mistake, not a classification task.
MAX_CLASSES = 1000


def snake(title: str) -> str:
    """The parameter/port name for a reference title: "Learning rate" -> "learning_rate"."""
    return re.sub(r"[^0-9a-z]+", "_", title.lower()).strip("_")


def quantile_column(quantile: float) -> str:
    return f"{QUANTILE_COLUMN_PREFIX}{quantile:g}"


# -- parameters every learner declares ------------------------------------------------------------------
def trainer_mode_param(**visible_when: tuple[Any, ...]) -> ChoiceParam:
    return ChoiceParam(
        TRAINER_MODE,
        "Create trainer mode",
        default=SINGLE_PARAMETER,
        choices=(SINGLE_PARAMETER, PARAMETER_RANGE),
        description="Single Parameter: one value per setting. Parameter Range: a list of values per "
        "setting for Tune Model Hyperparameters to try (Train Model then uses the single-value defaults).",
        visible_when=visible_when,
    )


def hyperparameter(single: Param, sweep_default: str) -> tuple[Param, SweepParam]:
    """A tunable setting: its single value (Single Parameter mode) and its sweep list (Parameter Range)."""
    extra = dict(single.visible_when)
    single_value = replace(single, visible_when={**extra, TRAINER_MODE: (SINGLE_PARAMETER,)})
    sweep = SweepParam(
        single.name + RANGE_SUFFIX,
        single.title,
        default=sweep_default,
        description=f"Values of '{single.title}' to try, separated by semicolons.",
        of=replace(single, visible_when={}),
        visible_when={**extra, TRAINER_MODE: (PARAMETER_RANGE,)},
    )
    return single_value, sweep


def seed_param(**visible_when: tuple[Any, ...]) -> IntParam:
    return IntParam(
        SEED,
        "Random number seed",
        default=None,
        optional=True,
        min=0,
        max=UINT32_MAX,
        description="Fixes the randomness so training gives the same model each time. Leave empty to use "
        "the run's seed.",
        visible_when=visible_when,
    )


def allow_unknown_param(title: str = "Allow unknown categorical levels") -> BoolParam:
    return BoolParam(
        snake(title),
        title,
        default=True,
        advanced=True,
        description="When checked, a category not seen in training is scored like a missing value; when "
        "unchecked, scoring such a row is an error.",
    )


def untrained_model_output() -> tuple[Port, ...]:
    return (Port("untrained_model", "Untrained model", PortType.UNTRAINED_MODEL),)


def resolve_seed(params: dict[str, Any], ctx: RunContext) -> int:
    seed = params.get(SEED)
    return int(seed) if seed is not None else int(ctx.seed) % (UINT32_MAX + 1)


def as_stored(value: Any) -> Any:
    """The value as it comes back from the artifact store (one pickle round trip).

    Pickle shares an object wherever it is referenced twice, including strings that Python interned
    (a library's ``"binary"`` and our ``Task.BINARY``); loaded objects no longer share them. After one
    round trip the pickled bytes are stable, so a freshly trained model and the same model loaded from
    the store have the same content digest (which caching and train/serve parity compare).
    """
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


@contextmanager
def library_warnings_to_log(logger: Logger) -> Iterator[None]:
    """Libraries warn about convergence and the like; users see that in the step log, not stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for message in dict.fromkeys(str(w.message).strip() for w in caught):
        if "categorical_feature keyword has been found" in message:
            continue  # LightGBM's notice that it takes categorical columns from the constructor: expected
        logger.warning(message)


# -- preparing the training rows ------------------------------------------------------------------------
@dataclass
class TrainingData:
    X: np.ndarray
    y: np.ndarray  # class codes 0..k-1 for classification, floats for regression
    classes: list[Any] | None
    encoder: FeatureEncoder
    label_column: str


def sort_key(value: Any) -> tuple[str, Any]:
    """Sorts mixed-type labels deterministically (the same rule as FeatureEncoder's categories)."""
    return (str(type(value)), value)


def prepare_training_data(
    table: DataTable,
    label_column: str | None,
    task: Task,
    learner_title: str,
    encoder: FeatureEncoder,
) -> TrainingData:
    require_rows(table, "dataset")
    if not label_column:
        raise ModuleError(
            "missing_label",
            f"'{learner_title}' needs to know which column to predict. Choose the Label column in Train "
            "Model, or mark one as the label with Edit Metadata.",
            parameter="label_column",
        )
    table.require_columns([label_column], parameter="label_column")
    label = table.df[label_column]
    known = label.notna().to_numpy()
    if not known.any():
        raise ModuleError(
            "all_missing_column",
            f"The label column '{label_column}' has no values, so there is nothing to learn from.",
            column=label_column,
        )
    rows = table.df[known] if not known.all() else table.df
    features = table.feature_columns(exclude={label_column, FOLD_COLUMN})
    encoder.fit(DataTable.from_frame(rows, like=table), features)
    X = encoder.transform(rows)
    if task == Task.REGRESSION:
        y = numeric_label(rows[label_column], label_column)
        return TrainingData(X, y, None, encoder, label_column)
    classes = sorted(pd.unique(rows[label_column]).tolist(), key=sort_key)
    check_class_count(classes, task, label_column, learner_title)
    codes = pd.Index(classes).get_indexer(rows[label_column])
    return TrainingData(X, codes.astype(np.int64), classes, encoder, label_column)


def numeric_label(series: pd.Series, column: str) -> np.ndarray:
    if column_kind(series) in ("integer", "double", "boolean"):
        return series.to_numpy(dtype=np.float64)
    converted = pd.to_numeric(series, errors="coerce")
    if converted.isna().any():
        bad = series[converted.isna()].iloc[0]
        raise ModuleError(
            "not_numeric",
            f"The label column '{column}' has text values like {str(bad)!r}, but a regression model "
            "predicts numbers. Pick a numeric label, or use a classification learner.",
            column=column,
        )
    return converted.to_numpy(dtype=np.float64)


def check_class_count(classes: list[Any], task: Task, label_column: str, learner_title: str) -> None:
    shown = ", ".join(str(c) for c in classes[:5]) + (" ..." if len(classes) > 5 else "")
    if len(classes) < 2:
        raise ModuleError(
            "single_class_label",
            f"The label column '{label_column}' has only one value ({shown}), so there is nothing to tell "
            "apart. Check the label column and any filtering or splitting upstream.",
            column=label_column,
        )
    if task == Task.BINARY and len(classes) > 2:
        raise ModuleError(
            "too_many_classes",
            f"'{learner_title}' tells two classes apart, but the label column '{label_column}' has "
            f"{len(classes)} values ({shown}). Use a multiclass learner, or One-vs-All Multiclass.",
            column=label_column,
        )
    if len(classes) > MAX_CLASSES:
        raise ModuleError(
            "too_many_classes",
            f"The label column '{label_column}' has {len(classes)} distinct values, which looks like a "
            "continuous number rather than classes. Use a regression learner to predict it.",
            column=label_column,
        )


# -- the learner ----------------------------------------------------------------------------------------
@dataclass
class FitSetup:
    """What a learner needs, beyond its parameters, to build its estimator."""

    seed: int
    device: str
    n_jobs: int
    n_rows: int
    n_features: int
    n_classes: int  # 0 for regression
    categorical_indices: list[int]
    task: Task


class EstimatorLearner(Learner):
    """An untrained model: a module's validated parameters, fitted by building a library estimator.

    Subclasses set ``encoding`` ("onehot" for linear models, networks and SVMs; "ordinal" for boosted
    trees, which split on category codes natively) and ``allow_missing`` (learners that handle missing
    values themselves), and implement ``build_estimator``.
    """

    encoding: ClassVar[str] = "onehot"
    allow_missing: ClassVar[bool] = False
    model_class: ClassVar[type[EstimatorModel]]

    def __init__(
        self,
        module_key: str,
        title: str,
        task: Task,
        params: dict[str, Any],
        sweep: dict[str, list[Any]] | None = None,
        titles: dict[str, str] | None = None,
    ) -> None:
        self.module_key = module_key
        self.title = title
        self.task = task
        self.params = dict(params)
        self.sweep = dict(sweep or {})
        self.titles = dict(titles or {})

    # Subclasses implement this one method.
    def build_estimator(self, setup: FitSetup) -> Any:
        raise NotImplementedError

    def check_label(self, data: TrainingData) -> None:
        """Learner-specific label checks (e.g. Poisson counts must not be negative)."""

    def allow_unknown_levels(self) -> bool:
        return all(self.params.get(name, True) for name in ALLOW_UNKNOWN)

    def compact(self, estimator: Any) -> Any:
        """The fitted estimator as stored in the model (e.g. LightGBM's native booster, without its
        scikit-learn wrapper): what is smallest and fastest to score and pickles identically."""
        return estimator

    def model_options(self) -> dict[str, Any]:
        """Extra keyword arguments for ``model_class`` (e.g. the quantiles to estimate)."""
        return {}

    def sweep_space(self) -> dict[str, list[Any]]:
        return {name: list(values) for name, values in self.sweep.items()}

    def with_params(self, **overrides: Any) -> EstimatorLearner:
        unknown = set(overrides) - set(self.params)
        if unknown:
            raise ValueError(f"{self.title} has no parameter {sorted(unknown)[0]!r}")
        tuned = copy.copy(self)
        tuned.params = {**self.params, **overrides}
        if TRAINER_MODE in tuned.params:
            tuned.params[TRAINER_MODE] = SINGLE_PARAMETER
        return tuned

    def param_title(self, name: str) -> str:
        return self.titles.get(name, name)

    def make_encoder(self) -> FeatureEncoder:
        return FeatureEncoder(categorical=self.encoding, allow_missing=self.allow_missing)

    def fit(self, ctx: RunContext, table: DataTable, label_column: str | None) -> EstimatorModel:
        if self.params.get(TRAINER_MODE) == PARAMETER_RANGE:
            ctx.logger.warning(
                "'%s' was created in Parameter Range mode; Train Model uses its single-value defaults. "
                "Connect it to Tune Model Hyperparameters to try the ranges.",
                self.title,
            )
        data = prepare_training_data(table, label_column, self.task, self.title, self.make_encoder())
        self.check_label(data)
        setup = self.fit_setup(ctx, data)
        estimator = self.build_estimator(setup)
        with library_warnings_to_log(ctx.logger):
            estimator.fit(data.X, data.y)
        return as_stored(self.make_model(data, estimator))

    def fit_setup(self, ctx: RunContext, data: TrainingData) -> FitSetup:
        encoder = data.encoder
        return FitSetup(
            seed=resolve_seed(self.params, ctx),
            device=ctx.device,
            n_jobs=max(1, int(ctx.cpu_budget)),
            n_rows=len(data.y),
            n_features=data.X.shape[1],
            n_classes=len(data.classes or []),
            categorical_indices=[i for i, c in enumerate(encoder.columns) if c in encoder.categories]
            if encoder.categorical == "ordinal"
            else [],
            task=self.task,
        )

    def make_model(self, data: TrainingData, estimator: Any) -> EstimatorModel:
        return self.model_class(
            task=self.task,
            learner_key=self.module_key,
            title=self.title,
            encoder=data.encoder,
            estimator=self.compact(estimator),
            label_column=data.label_column,
            classes=data.classes,
            allow_unknown_levels=self.allow_unknown_levels(),
            **self.model_options(),
        )


# -- the fitted model -----------------------------------------------------------------------------------
class EstimatorModel(TrainedModel):
    """A fitted encoder + library estimator. ``score`` returns the reference's score columns.

    Binary: ``Scored Labels`` and ``Scored Probabilities``, the probability of the positive class, which
    is the second of the two label values in sorted order (e.g. ``1`` for 0/1, ``yes`` for no/yes).
    Multiclass: ``Scored Probabilities_<class>`` for each class, then ``Scored Labels``.
    Regression: ``Scored Labels``.
    """

    def __init__(
        self,
        *,
        task: Task,
        learner_key: str,
        title: str,
        encoder: FeatureEncoder,
        estimator: Any,
        label_column: str | None,
        classes: list[Any] | None,
        allow_unknown_levels: bool = True,
    ) -> None:
        self.task = task
        self.learner_key = learner_key
        self.title = title
        self.encoder = encoder
        self.estimator = estimator
        self.label_column = label_column
        self.classes = classes
        self.feature_columns = list(encoder.columns)
        self.allow_unknown_levels = allow_unknown_levels
        # Filled by Train Model when "Model explanations" is checked: feature -> importance.
        self.explanations: dict[str, Any] | None = None

    def features(self, table: DataTable) -> np.ndarray:
        if not self.allow_unknown_levels:
            self._refuse_unknown_levels(table.df)
        return self.encoder.transform(table.df)

    def _refuse_unknown_levels(self, df: pd.DataFrame) -> None:
        for column, levels in self.encoder.categories.items():
            if column not in df.columns:
                continue
            values = df[column]
            unknown = values[values.notna() & ~values.isin(levels)]
            if len(unknown):
                raise ModuleError(
                    "unknown_category",
                    f"Column '{column}' has the value {str(unknown.iloc[0])!r}, which was not seen in "
                    "training. Check 'Allow unknown categorical levels' on the learner to score it like a "
                    "missing value.",
                    column=column,
                )

    def score(self, table: DataTable) -> pd.DataFrame:
        X = self.features(table)
        index = table.df.index
        if self.task == Task.REGRESSION:
            return pd.DataFrame({SCORED_LABELS: self.estimator.predict(X).astype(np.float64)}, index=index)
        probabilities = np.asarray(self.estimator.predict_proba(X), dtype=np.float64)
        labels = self.class_values()[probabilities.argmax(axis=1)]
        if self.task == Task.BINARY:
            return pd.DataFrame(
                {SCORED_LABELS: labels, SCORED_PROBABILITIES: probabilities[:, 1]}, index=index
            )
        columns = {
            scored_probability_column(c): probabilities[:, i] for i, c in enumerate(self.classes or [])
        }
        columns[SCORED_LABELS] = labels
        return pd.DataFrame(columns, index=index)

    def class_values(self) -> np.ndarray:
        # An object array keeps each label's own type (ints stay ints, text stays text).
        values = np.empty(len(self.classes or []), dtype=object)
        values[:] = self.classes or []
        if all(isinstance(c, (bool, np.bool_)) for c in values):
            return values.astype(bool)
        if all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in values):
            return values.astype(np.int64)
        if all(isinstance(c, (float, np.floating)) for c in values):
            return values.astype(np.float64)
        return values


EstimatorLearner.model_class = EstimatorModel


# -- the module base ------------------------------------------------------------------------------------
class LearnerModule(Module):
    """A learner module: no inputs, one untrained model built from the parameters."""

    outputs = untrained_model_output()
    task: ClassVar[Task]
    learner_class: ClassVar[type[EstimatorLearner]]

    def check_params(self, params: dict[str, Any]) -> None:
        """Checks that involve parsing or several parameters; raise ParameterError naming the parameter."""

    def run(self, ctx: RunContext, params: dict[str, Any]) -> dict[str, Any]:
        self.check_params(params)
        return {
            "untrained_model": self.learner_class(
                self.key, self.title, self.task, params, **sweep_of(self, params)
            )
        }


def sweep_of(module: Module, params: dict[str, Any]) -> dict[str, Any]:
    """The sweep lists shown (Parameter Range mode), keyed by their single-value parameter, plus titles."""
    sweep = {
        p.name.removesuffix(RANGE_SUFFIX): params[p.name]
        for p in module.params
        if isinstance(p, SweepParam) and params.get(p.name) is not None
    }
    return {"sweep": sweep, "titles": {p.name: p.title for p in module.params}}
