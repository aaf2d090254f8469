"""Learner families shared by classification and regression: their parameters and estimators.

A family is a parameter list plus an ``EstimatorLearner`` subclass; the two-class, multiclass and
regression modules of a family differ only in their task, key, title and help text.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import lightgbm
import numpy as np
import xgboost
from sklearn.base import is_classifier
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from modules.sdk import (
    BoolParam,
    ChoiceParam,
    FloatParam,
    IntParam,
    ModuleError,
    Param,
    ParameterError,
    StringParam,
    Task,
)

from .estimators import (
    BinningNormalizer,
    DiameterInitMLPClassifier,
    DiameterInitMLPRegressor,
    LbfgsLogisticRegression,
    LbfgsPoissonRegression,
)
from .learners import (
    EstimatorLearner,
    FitSetup,
    LearnerModule,
    TrainingData,
    allow_unknown_param,
    hyperparameter,
    seed_param,
    trainer_mode_param,
)


def fraction(name: str, title: str, default: float, description: str = "", **kwargs: Any) -> FloatParam:
    return FloatParam(name, title, default, description, min=0.0, exclusive_min=True, max=1.0, **kwargs)


# -- boosted decision trees (LightGBM) ------------------------------------------------------------------
NUMBER_OF_TREES = ("number_of_trees_constructed", "total_number_of_trees_constructed")


def boosted_tree_params(trees_title: str = "Number of trees constructed") -> tuple[Param, ...]:
    trees_name = (
        "total_number_of_trees_constructed" if trees_title.startswith("Total") else NUMBER_OF_TREES[0]
    )
    return (
        trainer_mode_param(),
        *hyperparameter(
            IntParam(
                "maximum_number_of_leaves_per_tree",
                "Maximum number of leaves per tree",
                20,
                "More leaves let each tree fit finer patterns, and overfit sooner.",
                min=2,
            ),
            "2; 8; 32; 128",
        ),
        *hyperparameter(
            IntParam(
                "minimum_number_of_samples_per_leaf_node",
                "Minimum number of samples per leaf node",
                10,
                "A leaf needs at least this many training rows.",
                min=1,
            ),
            "1; 10; 50",
        ),
        *hyperparameter(
            FloatParam(
                "learning_rate",
                "Learning rate",
                0.2,
                "How much each tree corrects the previous ones (shrinkage).",
                min=0.0,
                exclusive_min=True,
                max=1.0,
            ),
            "0.025; 0.05; 0.1; 0.2; 0.4",
        ),
        *hyperparameter(
            IntParam(trees_name, trees_title, 100, "How many trees to build.", min=1), "20; 100; 500"
        ),
        IntParam(
            "maximum_depth_of_the_trees",
            "Maximum depth of the trees",
            0,
            "0 means no limit, so the number of leaves decides the tree size. (The reference product silently "
            "fixed 3, which caps trees at 8 leaves.)",
            min=0,
            advanced=True,
        ),
        fraction(
            "fraction_of_rows_per_tree",
            "Fraction of rows sampled per tree",
            1.0,
            "Below 1, each tree learns from a random share of the rows (the reference fixed 0.6 but never "
            "turned row sampling on).",
            advanced=True,
        ),
        fraction(
            "fraction_of_features_per_tree",
            "Fraction of features sampled per tree",
            1.0,
            "Below 1, each tree sees a random share of the features (the reference fixed 0.6).",
            advanced=True,
        ),
        seed_param(),
        allow_unknown_param(),
    )


class BoostedTreeLearner(EstimatorLearner):
    """LightGBM gradient-boosted trees on category codes, with missing values handled natively."""

    encoding = "ordinal"
    allow_missing = True

    def build_estimator(self, setup: FitSetup) -> Any:
        p = self.params
        options: dict[str, Any] = {
            "num_leaves": p["maximum_number_of_leaves_per_tree"],
            "min_child_samples": p["minimum_number_of_samples_per_leaf_node"],
            "learning_rate": p["learning_rate"],
            "n_estimators": next(p[name] for name in NUMBER_OF_TREES if name in p),
            "max_depth": p["maximum_depth_of_the_trees"] or -1,
            "subsample": p["fraction_of_rows_per_tree"],
            # LightGBM ignores subsample unless bagging runs every k iterations.
            "subsample_freq": 1 if p["fraction_of_rows_per_tree"] < 1.0 else 0,
            "colsample_bytree": p["fraction_of_features_per_tree"],
            "random_state": setup.seed,
            "n_jobs": setup.n_jobs,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }
        if setup.categorical_indices:
            options["categorical_feature"] = setup.categorical_indices
        if setup.task == Task.REGRESSION:
            return lightgbm.LGBMRegressor(**options)
        return lightgbm.LGBMClassifier(**options)

    def compact(self, estimator: Any) -> Any:
        return LightGBMBooster(estimator.booster_, is_classifier(estimator))


class LightGBMBooster:
    """A fitted LightGBM model scored through its native booster.

    Gives exactly what ``LGBMClassifier.predict_proba`` / ``LGBMRegressor.predict`` give (they call the
    same booster), without the wrapper's per-call overhead (measured: 405 µs against 15 µs for one row),
    and it pickles to the same bytes after a round trip (the wrapper keeps numpy scalars that do not).
    """

    def __init__(self, booster: lightgbm.Booster, classifier: bool) -> None:
        self.booster = booster
        self.classifier = classifier

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        raw = np.asarray(self.booster.predict(X))
        return np.column_stack([1.0 - raw, raw]) if raw.ndim == 1 else raw

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.classifier:
            return self.predict_proba(X).argmax(axis=1)
        return np.asarray(self.booster.predict(X))


# -- decision forests (extremely randomised trees) ------------------------------------------------------
BAGGING = "Bagging Resampling"
REPLICATE = "Replicate Resampling"


def decision_forest_params() -> tuple[Param, ...]:
    return (
        trainer_mode_param(),
        ChoiceParam(
            "resampling_method",
            "Resampling method",
            BAGGING,
            "Bagging: each tree learns from a bootstrap sample of the rows. Replicate: every tree learns "
            "from all rows (trees still differ through their random splits).",
            choices=(BAGGING, REPLICATE),
        ),
        *hyperparameter(
            IntParam(
                "number_of_decision_trees", "Number of decision trees", 8, "Trees in the forest.", min=1
            ),
            "1; 8; 32",
        ),
        *hyperparameter(
            IntParam(
                "maximum_depth_of_the_decision_trees",
                "Maximum depth of the decision trees",
                32,
                "Deeper trees fit finer patterns, and overfit sooner.",
                min=1,
            ),
            "1; 16; 64",
        ),
        *hyperparameter(
            IntParam(
                "number_of_random_splits_per_node",
                "Number of random splits per node",
                128,
                "At each node this many candidate splits are drawn, each on a different random feature "
                "(at most all features) at a random threshold, and the best is kept. Fewer makes trees "
                "more random.",
                min=1,
            ),
            "1; 128; 1024",
        ),
        *hyperparameter(
            IntParam(
                "minimum_number_of_samples_per_leaf_node",
                "Minimum number of samples per leaf node",
                1,
                "A leaf needs at least this many training rows.",
                min=1,
            ),
            "1; 4; 16",
        ),
        seed_param(),
        allow_unknown_param("Allow unknown values for categorical features"),
    )


class DecisionForestLearner(EstimatorLearner):
    """A forest of extremely randomised trees (scikit-learn ExtraTrees).

    "Number of random splits per node" is honoured as ExtraTrees' ``max_features``: that many features
    (capped at the number of features) each get one random threshold per node, and the best split wins.
    The reference product accepted this setting and ignored it.
    """

    allow_missing = True  # scikit-learn's trees send missing values down the better branch

    def build_estimator(self, setup: FitSetup) -> Any:
        p = self.params
        options = {
            "n_estimators": p["number_of_decision_trees"],
            "max_depth": p["maximum_depth_of_the_decision_trees"],
            "max_features": min(p["number_of_random_splits_per_node"], setup.n_features),
            "min_samples_leaf": p["minimum_number_of_samples_per_leaf_node"],
            "bootstrap": p["resampling_method"] == BAGGING,
            "random_state": setup.seed,
            "n_jobs": setup.n_jobs,
        }
        if setup.task == Task.REGRESSION:
            return ExtraTreesRegressor(**options)
        return ExtraTreesClassifier(**options)


# -- neural networks (scikit-learn MLP) -----------------------------------------------------------------
FULLY_CONNECTED = "Fully-connected case"
NORMALIZERS = ("Min-Max normalizer", "Binning normalizer", "Gaussian normalizer", "Do not normalize")


def neural_network_params() -> tuple[Param, ...]:
    return (
        trainer_mode_param(),
        ChoiceParam(
            "hidden_layer_specification",
            "Hidden layer specification",
            FULLY_CONNECTED,
            "Fully connected layers of the sizes given in 'Number of hidden nodes'.",
            choices=(FULLY_CONNECTED,),
        ),
        FloatParam(
            "the_initial_learning_weights_diameter",
            "The initial learning weights diameter",
            0.1,
            "Initial weights are drawn uniformly from [-diameter/2, diameter/2].",
            min=0.0,
            exclusive_min=True,
            advanced=True,
        ),
        *hyperparameter(
            FloatParam(
                "learning_rate",
                "Learning rate",
                0.1,
                "Step size of stochastic gradient descent.",
                min=0.0,
                exclusive_min=True,
                max=2.0,
            ),
            "0.1; 0.2; 0.4",
        ),
        FloatParam(
            "the_momentum", "The momentum", 0.0, "Share of the previous step kept in each step.", min=0, max=1
        ),
        ChoiceParam(
            "the_type_of_normalizer",
            "The type of normalizer",
            NORMALIZERS[0],
            "How features are scaled before the network: to [0, 1] (Min-Max), by quantile bin (Binning), "
            "to mean 0 and variance 1 (Gaussian), or not at all.",
            choices=NORMALIZERS,
            advanced=True,
        ),
        StringParam(
            "number_of_hidden_nodes",
            "Number of hidden nodes",
            "100",
            "Nodes in the hidden layer; list several, like '100, 50', for several layers.",
            visible_when={"hidden_layer_specification": (FULLY_CONNECTED,)},
        ),
        *hyperparameter(
            IntParam(
                "number_of_learning_iterations",
                "Number of learning iterations",
                100,
                "Passes over the training data (epochs).",
                min=1,
            ),
            "20; 40; 80; 160",
        ),
        BoolParam("shuffle_examples", "Shuffle examples", True, "Shuffle the rows between passes."),
        seed_param(),
        allow_unknown_param(),
    )


def parse_hidden_nodes(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise ParameterError(
            "invalid_parameter",
            f"'Number of hidden nodes' must be whole numbers of at least 1, like '100' or '100, 50'; got {text!r}.",
            parameter="number_of_hidden_nodes",
        )
    return sizes


def make_normalizer(choice: str) -> Any:
    return {
        "Min-Max normalizer": MinMaxScaler(),
        "Binning normalizer": BinningNormalizer(),
        "Gaussian normalizer": StandardScaler(),
    }.get(choice)


def with_normalizer(normalizer: Any, estimator: Any, name: str) -> Any:
    if normalizer is None:
        return estimator
    return Pipeline([("normalizer", normalizer), (name, estimator)])


class NeuralNetworkLearner(EstimatorLearner):
    """A fully connected network trained by stochastic gradient descent (scikit-learn MLP).

    As the reference: SGD with an adaptive learning rate (divided by 5 whenever the loss stops
    improving), classical momentum, and features normalised first. Better than the reference: mini-
    batches of 32 rows, and for regression the label is standardised for training (predictions are
    mapped back), so a label in the hundreds does not blow up the gradient steps.
    """

    def build_estimator(self, setup: FitSetup) -> Any:
        p = self.params
        network_class = (
            DiameterInitMLPRegressor if setup.task == Task.REGRESSION else DiameterInitMLPClassifier
        )
        network = network_class(
            hidden_layer_sizes=parse_hidden_nodes(p["number_of_hidden_nodes"]),
            init_diameter=p["the_initial_learning_weights_diameter"],
            learning_rate_init=p["learning_rate"],
            momentum=p["the_momentum"],
            max_iter=p["number_of_learning_iterations"],
            shuffle=p["shuffle_examples"],
            random_state=setup.seed,
        )
        model = with_normalizer(make_normalizer(p["the_type_of_normalizer"]), network, "network")
        if setup.task == Task.REGRESSION:
            return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
        return model


class NeuralNetworkModule(LearnerModule):
    """Base of the three neural network modules: same parameters and checks, different task."""

    learner_class = NeuralNetworkLearner
    params = neural_network_params()

    def check_params(self, params: dict[str, Any]) -> None:
        parse_hidden_nodes(params["number_of_hidden_nodes"])


# -- XGBoost --------------------------------------------------------------------------------------------
def xgboost_params() -> tuple[Param, ...]:
    return (
        trainer_mode_param(),
        *hyperparameter(
            IntParam("number_of_trees", "Number of trees", 100, "Boosting rounds.", min=1), "20; 100; 500"
        ),
        *hyperparameter(
            IntParam(
                "maximum_depth_of_the_trees",
                "Maximum depth of the trees",
                6,
                "Deeper trees fit finer patterns, and overfit sooner.",
                min=1,
                max=64,
            ),
            "3; 6; 10",
        ),
        *hyperparameter(
            FloatParam(
                "learning_rate",
                "Learning rate",
                0.3,
                "How much each tree corrects the previous ones (eta).",
                min=0.0,
                exclusive_min=True,
                max=1.0,
            ),
            "0.05; 0.1; 0.3",
        ),
        *hyperparameter(
            FloatParam(
                "minimum_child_weight",
                "Minimum child weight",
                1.0,
                "A split must leave at least this much hessian weight (about: rows) on each side.",
                min=0.0,
            ),
            "1; 5; 10",
        ),
        *hyperparameter(
            fraction("fraction_of_rows_per_tree", "Fraction of rows sampled per tree", 1.0),
            "0.6; 0.8; 1.0",
        ),
        *hyperparameter(
            fraction("fraction_of_features_per_tree", "Fraction of features sampled per tree", 1.0),
            "0.6; 0.8; 1.0",
        ),
        FloatParam(
            "l1_regularization_weight", "L1 regularization weight", 0.0, "alpha", min=0.0, advanced=True
        ),
        FloatParam(
            "l2_regularization_weight", "L2 regularization weight", 1.0, "lambda", min=0.0, advanced=True
        ),
        FloatParam(
            "minimum_split_loss",
            "Minimum split loss",
            0.0,
            "A split must reduce the loss by at least this much (gamma).",
            min=0.0,
            advanced=True,
        ),
        seed_param(),
        allow_unknown_param(),
    )


class XGBoostLearner(EstimatorLearner):
    """XGBoost histogram trees on category codes (native categorical splits and missing values).

    Trains on the GPU when the step runs on one (device "cuda"); the fitted booster is switched back to
    the CPU so that scoring and deployments run anywhere.
    """

    encoding = "ordinal"
    allow_missing = True

    def build_estimator(self, setup: FitSetup) -> Any:
        p = self.params
        options: dict[str, Any] = {
            "n_estimators": p["number_of_trees"],
            "max_depth": p["maximum_depth_of_the_trees"],
            "learning_rate": p["learning_rate"],
            "min_child_weight": p["minimum_child_weight"],
            "subsample": p["fraction_of_rows_per_tree"],
            "colsample_bytree": p["fraction_of_features_per_tree"],
            "reg_alpha": p["l1_regularization_weight"],
            "reg_lambda": p["l2_regularization_weight"],
            "gamma": p["minimum_split_loss"],
            "tree_method": "hist",
            "device": "cuda" if setup.device == "cuda" else "cpu",
            "random_state": setup.seed,
            "n_jobs": setup.n_jobs,
        }
        if setup.categorical_indices:
            categorical = set(setup.categorical_indices)
            options["feature_types"] = ["c" if i in categorical else "q" for i in range(setup.n_features)]
            options["enable_categorical"] = True
        if setup.task == Task.REGRESSION:
            return xgboost.XGBRegressor(**options)
        return xgboost.XGBClassifier(**options)

    def make_model(self, data: Any, estimator: Any) -> Any:
        if estimator.get_params().get("device") != "cpu":
            estimator.set_params(device="cpu")
        return super().make_model(data, estimator)


# -- L-BFGS generalised linear models (logistic and Poisson regression) ---------------------------------
def lbfgs_glm_params(*, seed_visible: bool = True) -> tuple[Param, ...]:
    seed = seed_param()
    return (
        trainer_mode_param(),
        *hyperparameter(
            FloatParam(
                "optimization_tolerance",
                "Optimization tolerance",
                1e-7,
                "Training stops when an L-BFGS step improves the objective by less than this share.",
                min=0.0,
                exclusive_min=True,
            ),
            "0.00001; 0.00000001",
        ),
        *hyperparameter(
            FloatParam(
                "l1_regularization_weight",
                "L1 regularization weight",
                1.0,
                "Penalty on the sum of absolute weights: drives unhelpful weights to exactly zero.",
                min=0.0,
            ),
            "0.0; 0.01; 0.1; 1.0",
        ),
        *hyperparameter(
            FloatParam(
                "l2_regularization_weight",
                "L2 regularization weight",
                1.0,
                "Penalty on the sum of squared weights (half of it): keeps weights small.",
                min=0.0,
            ),
            "0.01; 0.1; 1.0",
        ),
        *hyperparameter(
            IntParam(
                "memory_size_for_l_bfgs",
                "Memory size for L-BFGS",
                20,
                "How many past steps L-BFGS remembers to shape the next one.",
                min=1,
            ),
            "5; 20; 50",
        ),
        seed if seed_visible else replace(seed, advanced=True),
        allow_unknown_param(),
    )


class LbfgsGlmLearner(EstimatorLearner):
    """Logistic (classification) or Poisson (regression) regression, minimising
    ``sum(negative log-likelihood) + L1 * |w|_1 + L2 / 2 * |w|^2`` by L-BFGS with the given memory.

    All four settings are honoured (the reference used scikit-learn's lbfgs with C = 1 / L2 and ignored
    L1 and the memory size): L1 is handled by splitting each weight into positive and negative parts,
    which L-BFGS-B optimises with bounds. The optimisation starts from zero weights and is deterministic,
    so the random seed does not change the result.
    """

    def build_estimator(self, setup: FitSetup) -> Any:
        p = self.params
        estimator_class = LbfgsPoissonRegression if setup.task == Task.REGRESSION else LbfgsLogisticRegression
        return estimator_class(
            l1_weight=p["l1_regularization_weight"],
            l2_weight=p["l2_regularization_weight"],
            tolerance=p["optimization_tolerance"],
            memory_size=p["memory_size_for_l_bfgs"],
        )

    def check_label(self, data: TrainingData) -> None:
        if self.task == Task.REGRESSION and (data.y < 0).any():
            raise ModuleError(
                "negative_label",
                f"Poisson regression predicts counts, but the label column '{data.label_column}' has "
                f"negative values like {data.y[data.y < 0][0]:g}. Use Linear Regression, or shift the label.",
                column=data.label_column,
            )
