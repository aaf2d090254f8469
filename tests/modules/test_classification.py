"""Classification learners against the libraries called directly with the same parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xgboost
from lightgbm import LGBMClassifier
from scipy.special import expit
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import LinearSVC

from modules.sdk import SCORED_LABELS, SCORED_PROBABILITIES, DataTable, ModuleError, RunContext, Task
from modules.training.learners import PARAMETER_RANGE, TRAINER_MODE
from tests.modules import data
from tests.modules.examples._training_helpers import features_and_codes, learner, run, trained

SEED = 11
LGBM_FIXED = {"deterministic": True, "force_row_wise": True, "verbose": -1, "n_jobs": 1}


def probabilities(model, table: DataTable) -> np.ndarray:
    scores = model.score(table)
    if model.task == Task.BINARY:
        return scores[SCORED_PROBABILITIES].to_numpy()
    return scores[[f"Scored Probabilities_{c}" for c in model.classes]].to_numpy()


def labels(model, table: DataTable) -> np.ndarray:
    return model.score(table)[SCORED_LABELS].to_numpy()


def standardized(table: DataTable, label: str) -> DataTable:
    """Features scaled to mean 0 / sd 1 (what Normalize Data would do upstream): linear solvers converge
    tightly, so two optimisers of the same objective agree closely."""
    df = table.df.copy()
    features = [c for c in df.columns if c != label]
    df[features] = (df[features] - df[features].mean()) / df[features].std()
    return DataTable(df)


def two_species() -> DataTable:
    table = data.iris()
    return table.with_frame(table.df[table.df["species"] != "setosa"].reset_index(drop=True))


# -- boosted decision trees -----------------------------------------------------------------------------
def test_two_class_boosted_tree_equals_lightgbm() -> None:
    table = data.breast_cancer()
    params = {"number_of_trees_constructed": 20, "random_number_seed": SEED}
    model = trained("classification.two_class_boosted_decision_tree", table, "diagnosis", **params)
    X, y, classes = features_and_codes(table, "diagnosis")
    direct = LGBMClassifier(
        num_leaves=20,
        min_child_samples=10,
        learning_rate=0.2,
        n_estimators=20,
        max_depth=-1,
        subsample=1.0,
        subsample_freq=0,
        colsample_bytree=1.0,
        random_state=SEED,
        **LGBM_FIXED,
    ).fit(X, y)
    np.testing.assert_array_equal(probabilities(model, table), direct.predict_proba(X)[:, 1])
    assert labels(model, table).tolist() == [classes[i] for i in direct.predict(X)]
    assert classes == ["benign", "malignant"]  # the positive class is the second in sorted order


def test_boosted_tree_honours_depth_and_subsampling() -> None:
    table = data.wine()
    params = {
        "number_of_trees_constructed": 15,
        "maximum_depth_of_the_trees": 3,
        "fraction_of_rows_per_tree": 0.6,
        "fraction_of_features_per_tree": 0.6,
        "random_number_seed": SEED,
    }
    model = trained("classification.multiclass_boosted_decision_tree", table, "cultivar", **params)
    X, y, _ = features_and_codes(table, "cultivar")
    direct = LGBMClassifier(
        num_leaves=20,
        min_child_samples=10,
        learning_rate=0.2,
        n_estimators=15,
        max_depth=3,
        subsample=0.6,
        subsample_freq=1,
        colsample_bytree=0.6,
        random_state=SEED,
        **LGBM_FIXED,
    ).fit(X, y)
    np.testing.assert_array_equal(probabilities(model, table), direct.predict_proba(X))
    unlimited = trained(
        "classification.multiclass_boosted_decision_tree", table, "cultivar", number_of_trees_constructed=15
    )
    assert not np.array_equal(probabilities(unlimited, table), probabilities(model, table))


def test_boosted_tree_uses_categories_and_missing_values_natively() -> None:
    table = data.penguins()
    model = trained(
        "classification.multiclass_boosted_decision_tree", table, "species", number_of_trees_constructed=10
    )
    df = table.df
    features = [c for c in df.columns if c != "species"]
    columns = []
    for column in features:
        if df[column].dtype.kind in "if":
            columns.append(df[column].to_numpy(dtype=np.float64))
        else:
            levels = sorted(df[column].dropna().unique())
            columns.append(pd.Categorical(df[column], categories=levels).codes.astype(np.float64))
            columns[-1][columns[-1] < 0] = np.nan
    X = np.column_stack(columns)
    classes = sorted(df["species"].unique())
    y = np.array([classes.index(v) for v in df["species"]])
    categorical = [i for i, c in enumerate(features) if df[c].dtype.kind not in "if"]
    direct = LGBMClassifier(
        num_leaves=20, min_child_samples=10, learning_rate=0.2, n_estimators=10, random_state=0, **LGBM_FIXED
    ).fit(X, y, categorical_feature=categorical)
    np.testing.assert_array_equal(probabilities(model, table), direct.predict_proba(X))


# -- decision forests -----------------------------------------------------------------------------------
def test_two_class_decision_forest_equals_extra_trees() -> None:
    table = data.breast_cancer()
    model = trained("classification.two_class_decision_forest", table, "diagnosis", random_number_seed=SEED)
    X, y, _ = features_and_codes(table, "diagnosis")
    direct = ExtraTreesClassifier(
        n_estimators=8, max_depth=32, max_features=30, min_samples_leaf=1, bootstrap=True, random_state=SEED
    ).fit(X, y)
    np.testing.assert_array_equal(probabilities(model, table), direct.predict_proba(X)[:, 1])


def test_forest_honours_random_splits_and_replicate_resampling() -> None:
    table = data.wine()
    params = {
        "resampling_method": "Replicate Resampling",
        "number_of_decision_trees": 5,
        "maximum_depth_of_the_decision_trees": 4,
        "number_of_random_splits_per_node": 2,
        "minimum_number_of_samples_per_leaf_node": 3,
        "random_number_seed": SEED,
    }
    model = trained("classification.multiclass_decision_forest", table, "cultivar", **params)
    X, y, classes = features_and_codes(table, "cultivar")
    direct = ExtraTreesClassifier(
        n_estimators=5, max_depth=4, max_features=2, min_samples_leaf=3, bootstrap=False, random_state=SEED
    ).fit(X, y)
    np.testing.assert_array_equal(probabilities(model, table), direct.predict_proba(X))
    assert labels(model, table).tolist() == [classes[i] for i in direct.predict(X)]


# -- logistic regression --------------------------------------------------------------------------------
def test_two_class_logistic_regression_without_l1_is_sklearn_lbfgs() -> None:
    table = standardized(two_species(), "species")
    params = {
        "l1_regularization_weight": 0.0,
        "l2_regularization_weight": 0.5,
        "optimization_tolerance": 1e-12,
    }
    model = trained("classification.two_class_logistic_regression", table, "species", **params)
    X, y, classes = features_and_codes(table, "species")
    direct = LogisticRegression(C=1 / 0.5, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(probabilities(model, table), direct.predict_proba(X)[:, 1], atol=1e-6)
    assert labels(model, table).tolist() == [classes[i] for i in direct.predict(X)]


def test_multiclass_logistic_regression_is_sklearn_multinomial() -> None:
    table = standardized(data.wine(), "cultivar")
    params = {
        "l1_regularization_weight": 0.0,
        "l2_regularization_weight": 2.0,
        "optimization_tolerance": 1e-12,
    }
    model = trained("classification.multiclass_logistic_regression", table, "cultivar", **params)
    X, y, _ = features_and_codes(table, "cultivar")
    direct = LogisticRegression(C=1 / 2.0, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(probabilities(model, table), direct.predict_proba(X), atol=1e-6)


def test_logistic_regression_l1_weight_is_honoured_as_elastic_net() -> None:
    table = standardized(data.breast_cancer(), "diagnosis")
    l1, l2 = 2.0, 1.0
    params = {"l1_regularization_weight": l1, "l2_regularization_weight": l2, "optimization_tolerance": 1e-12}
    model = trained("classification.two_class_logistic_regression", table, "diagnosis", **params)
    X, y, _ = features_and_codes(table, "diagnosis")
    # sum(loss) + l1 |w|_1 + l2/2 |w|^2 is scikit-learn's elastic net with C = 1/(l1+l2), l1_ratio = l1/(l1+l2).
    direct = LogisticRegression(
        C=1 / (l1 + l2), l1_ratio=l1 / (l1 + l2), solver="saga", tol=1e-10, max_iter=100_000
    )
    direct.fit(X, y)
    ours = model.estimator.coef_.ravel()
    np.testing.assert_allclose(ours, direct.coef_.ravel(), atol=2e-4)
    assert (ours == 0).sum() == (direct.coef_ == 0).sum() > 0  # L1 zeroes the same weights
    np.testing.assert_allclose(probabilities(model, table), direct.predict_proba(X)[:, 1], atol=1e-4)


def test_logistic_regression_memory_size_is_honoured() -> None:
    table = standardized(data.wine(), "cultivar")
    base = {"l1_regularization_weight": 0.0, "l2_regularization_weight": 0.1, "optimization_tolerance": 1e-12}
    key = "classification.multiclass_logistic_regression"
    short = trained(key, table, "cultivar", memory_size_for_l_bfgs=1, **base)
    long = trained(key, table, "cultivar", memory_size_for_l_bfgs=50, **base)
    assert short.estimator.n_iter_ > long.estimator.n_iter_  # a longer search with less memory ...
    np.testing.assert_allclose(
        short.estimator.coef_, long.estimator.coef_, atol=1e-4
    )  # ... to the same optimum


# -- neural networks ------------------------------------------------------------------------------------
def test_two_class_neural_network_equals_sklearn_mlp() -> None:
    # With one feature and one output, both layers of a 7-node network have fan-in + fan-out = 8, so
    # scikit-learn's Glorot bound sqrt(6/8) is the same everywhere: a diameter of twice that reproduces
    # its initialisation exactly, and the whole training run must match.
    table = data.breast_cancer().with_frame(data.breast_cancer().df[["mean radius", "diagnosis"]])
    diameter = 2 * np.sqrt(6 / 8)
    params = {
        "number_of_hidden_nodes": "7",
        "the_initial_learning_weights_diameter": diameter,
        "learning_rate": 0.05,
        "the_momentum": 0.5,
        "number_of_learning_iterations": 30,
        "random_number_seed": SEED,
    }
    model = trained("classification.two_class_neural_network", table, "diagnosis", **params)
    X, y, _ = features_and_codes(table, "diagnosis")
    direct = make_pipeline(
        MinMaxScaler(),
        MLPClassifier(
            hidden_layer_sizes=(7,),
            solver="sgd",
            learning_rate="adaptive",
            learning_rate_init=0.05,
            momentum=0.5,
            nesterovs_momentum=False,
            batch_size=32,
            max_iter=30,
            shuffle=True,
            random_state=SEED,
        ),
    ).fit(X, y)
    np.testing.assert_allclose(probabilities(model, table), direct.predict_proba(X)[:, 1], rtol=0, atol=1e-12)


def test_neural_network_layers_and_normalizer() -> None:
    table = data.iris()
    model = trained(
        "classification.multiclass_neural_network",
        table,
        "species",
        number_of_hidden_nodes="8, 4",
        the_type_of_normalizer="Gaussian normalizer",
        number_of_learning_iterations=5,
    )
    network = model.estimator.named_steps["network"]
    assert [w.shape for w in network.coefs_] == [(4, 8), (8, 4), (4, 3)]
    assert type(model.estimator.named_steps["normalizer"]).__name__ == "StandardScaler"


def test_initial_weights_diameter() -> None:
    from modules.training.estimators import DiameterInitMLPClassifier

    network = DiameterInitMLPClassifier(init_diameter=0.1)
    network._random_state = np.random.RandomState(0)
    weights, biases = network._init_coef(50, 40, np.float64)
    values = np.concatenate([weights.ravel(), biases])
    assert np.abs(values).max() <= 0.05 and np.abs(values).max() > 0.049  # uniform on [-0.05, 0.05]


def test_hidden_nodes_must_be_whole_numbers() -> None:
    with pytest.raises(ModuleError) as caught:
        learner("classification.two_class_neural_network", number_of_hidden_nodes="100, x")
    assert caught.value.parameter == "number_of_hidden_nodes"


# -- margin classifiers ---------------------------------------------------------------------------------
def test_support_vector_machine_equals_linear_svc() -> None:
    table = data.breast_cancer()
    model = trained(
        "classification.two_class_support_vector_machine",
        table,
        "diagnosis",
        number_of_iterations=50,
        random_number_seed=SEED,
    )
    X, y, classes = features_and_codes(table, "diagnosis")
    direct = make_pipeline(
        MinMaxScaler(), LinearSVC(loss="hinge", C=1 / (0.001 * len(y)), max_iter=50, random_state=SEED)
    ).fit(X, y)
    np.testing.assert_allclose(
        probabilities(model, table), expit(direct.decision_function(X)), rtol=0, atol=1e-12
    )
    assert labels(model, table).tolist() == [classes[i] for i in direct.predict(X)]


def test_averaged_perceptron_equals_sgd_with_averaging() -> None:
    table = standardized(data.breast_cancer(), "diagnosis")
    model = trained(
        "classification.two_class_averaged_perceptron",
        table,
        "diagnosis",
        learning_rate=0.5,
        random_number_seed=SEED,
    )
    X, y, classes = features_and_codes(table, "diagnosis")
    direct = SGDClassifier(
        loss="perceptron",
        penalty=None,
        learning_rate="constant",
        eta0=0.5,
        max_iter=10,
        tol=None,
        average=True,
        random_state=SEED,
    ).fit(X, y)
    np.testing.assert_allclose(
        probabilities(model, table), expit(direct.decision_function(X)), rtol=1e-12, atol=0
    )
    assert labels(model, table).tolist() == [classes[i] for i in direct.predict(X)]


# -- XGBoost --------------------------------------------------------------------------------------------
def test_xgboost_classifiers_equal_xgboost() -> None:
    table = data.wine()
    params = {"number_of_trees": 10, "maximum_depth_of_the_trees": 3, "random_number_seed": SEED}
    model = trained("classification.multiclass_xgboost", table, "cultivar", **params)
    X, y, _ = features_and_codes(table, "cultivar")
    direct = xgboost.XGBClassifier(
        n_estimators=10, max_depth=3, learning_rate=0.3, tree_method="hist", random_state=SEED, n_jobs=1
    ).fit(X, y)
    np.testing.assert_array_equal(probabilities(model, table), direct.predict_proba(X).astype(np.float64))
    binary = trained("classification.two_class_xgboost", data.breast_cancer(), "diagnosis", number_of_trees=5)
    Xb, yb, _ = features_and_codes(data.breast_cancer(), "diagnosis")
    direct_binary = xgboost.XGBClassifier(n_estimators=5, tree_method="hist", random_state=0).fit(Xb, yb)
    np.testing.assert_array_equal(
        probabilities(binary, data.breast_cancer()), direct_binary.predict_proba(Xb)[:, 1].astype(np.float64)
    )


def test_xgboost_trains_on_the_gpu_when_the_step_runs_on_one() -> None:
    from modules.training.learners import FitSetup

    xgb = learner("classification.two_class_xgboost")
    setup = FitSetup(
        seed=1,
        device="cuda",
        n_jobs=1,
        n_rows=10,
        n_features=2,
        n_classes=2,
        categorical_indices=[],
        task=Task.BINARY,
    )
    assert xgb.build_estimator(setup).get_params()["device"] == "cuda"
    model = trained("classification.two_class_xgboost", data.breast_cancer(), "diagnosis", number_of_trees=2)
    assert model.estimator.get_params()["device"] == "cpu"  # stored models score anywhere


# -- one-vs-all and one-vs-one --------------------------------------------------------------------------
def _wrapped(wrapper: str, inner: str, **inner_params):
    binary = learner(inner, **inner_params)
    return run(wrapper, untrained_binary_classification_model=binary)["untrained_model"]


def test_one_vs_all_equals_one_vs_rest() -> None:
    table = data.iris()
    wrapped = _wrapped(
        "classification.one_vs_all_multiclass",
        "classification.two_class_boosted_decision_tree",
        number_of_trees_constructed=5,
        random_number_seed=SEED,
    )
    model = wrapped.fit(RunContext(), table, "species")
    X, y, classes = features_and_codes(table, "species")
    lgbm = LGBMClassifier(
        num_leaves=20,
        min_child_samples=10,
        learning_rate=0.2,
        n_estimators=5,
        random_state=SEED,
        **LGBM_FIXED,
    )
    direct = OneVsRestClassifier(lgbm).fit(X, y)
    np.testing.assert_array_equal(probabilities(model, table), direct.predict_proba(X))
    assert labels(model, table).tolist() == [classes[i] for i in direct.predict(X)]
    assert model.task == Task.MULTICLASS


def test_one_vs_one_equals_sklearn_votes() -> None:
    table = data.wine()
    wrapped = _wrapped(
        "classification.one_vs_one_multiclass",
        "classification.two_class_support_vector_machine",
        number_of_iterations=100,
        random_number_seed=SEED,
    )
    model = wrapped.fit(RunContext(), table, "cultivar")
    X, y, classes = features_and_codes(table, "cultivar")
    svm = make_pipeline(
        MinMaxScaler(), LinearSVC(loss="hinge", C=1 / (0.001 * len(y)), max_iter=100, random_state=SEED)
    )
    direct = OneVsOneClassifier(svm).fit(X, y)
    assert labels(model, table).tolist() == [classes[i] for i in direct.predict(X)]
    votes = np.clip(direct.decision_function(X), 0, None)
    np.testing.assert_allclose(
        probabilities(model, table), votes / votes.sum(axis=1, keepdims=True), atol=1e-12
    )


def test_wrappers_sweep_the_inner_learner() -> None:
    binary = learner(
        "classification.two_class_logistic_regression",
        create_trainer_mode=PARAMETER_RANGE,
        l2_regularization_weight_range="0.1; 1",
    )
    wrapped = run("classification.one_vs_all_multiclass", untrained_binary_classification_model=binary)[
        "untrained_model"
    ]
    assert wrapped.sweep_space()["l2_regularization_weight"] == [0.1, 1.0]
    tuned = wrapped.with_params(l2_regularization_weight=0.1)
    assert tuned.inner.params["l2_regularization_weight"] == 0.1
    assert tuned.inner.params[TRAINER_MODE] == "Single Parameter"
    assert wrapped.inner.params["l2_regularization_weight"] == 1.0  # the original is unchanged


def test_wrappers_need_a_two_class_learner() -> None:
    multiclass = learner("classification.multiclass_decision_forest")
    with pytest.raises(ModuleError) as caught:
        run("classification.one_vs_one_multiclass", untrained_binary_classification_model=multiclass)
    assert caught.value.code == "not_binary_learner"


# -- what users get wrong -------------------------------------------------------------------------------
def _fit_error(key: str, table: DataTable, label: str | None, **params) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        learner(key, **params).fit(RunContext(), table, label)
    return caught.value


def test_label_with_one_class_is_refused() -> None:
    table = data.iris().with_frame(data.iris().df.iloc[:40])
    error = _fit_error("classification.two_class_logistic_regression", table, "species")
    assert (error.code, error.column) == ("single_class_label", "species")


def test_two_class_learner_refuses_three_classes() -> None:
    error = _fit_error("classification.two_class_boosted_decision_tree", data.iris(), "species")
    assert error.code == "too_many_classes" and "multiclass" in error.message


def test_continuous_label_is_not_a_class() -> None:
    table = data.diabetes()
    table = table.with_frame(
        pd.concat([table.df] * 3, ignore_index=True).assign(target=np.arange(1326) * 0.5)
    )
    error = _fit_error("classification.multiclass_decision_forest", table, "target")
    assert error.code == "too_many_classes" and "regression" in error.message


def test_missing_and_unlabelled_inputs() -> None:
    table = data.iris()
    assert _fit_error("classification.multiclass_decision_forest", table, "nope").code == "missing_column"
    assert _fit_error("classification.multiclass_decision_forest", table, None).code == "missing_label"
    empty = table.with_frame(table.df.iloc[:0])
    assert _fit_error("classification.multiclass_decision_forest", empty, "species").code == "empty_dataset"
    no_labels = table.with_frame(table.df.assign(species=None))
    assert (
        _fit_error("classification.multiclass_decision_forest", no_labels, "species").code
        == "all_missing_column"
    )


def test_feature_problems_are_named() -> None:
    table = data.iris()
    blank = table.with_frame(table.df.assign(blank=np.nan))
    error = _fit_error("classification.multiclass_logistic_regression", blank, "species")
    assert (error.code, error.column) == ("all_missing_column", "blank")
    ids = table.with_frame(
        pd.concat([table.df] * 8, ignore_index=True).assign(
            row_id=lambda d: [f"id-{i}" for i in range(len(d))]
        )
    )
    error = _fit_error("classification.multiclass_logistic_regression", ids, "species")
    assert (error.code, error.column) == ("high_cardinality_feature", "row_id")
    penguins = data.penguins()
    error = _fit_error("classification.multiclass_logistic_regression", penguins, "species")
    assert error.code == "missing_values"  # boosted trees take them; a linear model needs them cleaned


def test_rows_without_a_label_are_ignored() -> None:
    table = data.iris()
    df = table.df.copy()
    df.loc[::10, "species"] = None
    model = trained(
        "classification.multiclass_decision_forest", table.with_frame(df), "species", random_number_seed=1
    )
    reference = trained(
        "classification.multiclass_decision_forest",
        table.with_frame(df.dropna(subset=["species"]).reset_index(drop=True)),
        "species",
        random_number_seed=1,
    )
    np.testing.assert_array_equal(probabilities(model, table), probabilities(reference, table))


def test_unknown_categories_are_refused_when_asked() -> None:
    penguins = data.penguins()
    train = penguins.with_frame(penguins.df[penguins.df["island"] != "Torgersen"].reset_index(drop=True))
    lenient = trained(
        "classification.multiclass_boosted_decision_tree", train, "species", number_of_trees_constructed=3
    )
    assert len(lenient.score(penguins)) == len(penguins)
    strict = trained(
        "classification.multiclass_boosted_decision_tree",
        train,
        "species",
        number_of_trees_constructed=3,
        allow_unknown_categorical_levels=False,
    )
    with pytest.raises(ModuleError) as caught:
        strict.score(penguins)
    assert (caught.value.code, caught.value.column) == ("unknown_category", "island")


def test_integer_labels_keep_their_type() -> None:
    table = data.iris()
    df = table.df.assign(species=table.df["species"].map({"setosa": 0, "versicolor": 1, "virginica": 2}))
    model = trained("classification.multiclass_decision_forest", DataTable(df), "species")
    scores = model.score(DataTable(df))
    assert scores[SCORED_LABELS].dtype == np.int64
    assert list(scores.columns) == [
        "Scored Probabilities_0",
        "Scored Probabilities_1",
        "Scored Probabilities_2",
        SCORED_LABELS,
    ]


def test_parameter_range_learner_trains_with_single_values() -> None:
    ranged = learner(
        "classification.two_class_boosted_decision_tree",
        create_trainer_mode=PARAMETER_RANGE,
        number_of_trees_constructed_range="3; 7",
    )
    assert ranged.sweep_space()["number_of_trees_constructed"] == [3, 7]
    assert ranged.params["number_of_trees_constructed"] == 100  # hidden: arrives as the default
    model = ranged.fit(RunContext(), data.breast_cancer(), "diagnosis")
    assert model.estimator.booster.num_trees() == 100
