"""Regression learners against the libraries called directly with the same parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xgboost
from lightgbm import LGBMRegressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.linear_model import LinearRegression, PoissonRegressor, Ridge, SGDRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeRegressor

from modules.sdk import SCORED_LABELS, DataTable, ModuleError, RunContext
from tests.modules import data
from tests.modules.examples._training_helpers import learner, trained

SEED = 5


def predictions(model, table: DataTable) -> np.ndarray:
    return model.score(table)[SCORED_LABELS].to_numpy()


def matrix(table: DataTable, label: str) -> tuple[np.ndarray, np.ndarray]:
    df = table.df
    return df.drop(columns=[label]).to_numpy(dtype=np.float64), df[label].to_numpy(dtype=np.float64)


def cars() -> DataTable:
    """The cars data without its text columns and missing rows (what Clean Missing Data would give)."""
    df = data.cars().df.drop(columns=["Name", "Origin", "Year"]).dropna().reset_index(drop=True)
    return DataTable(df)


def test_boosted_tree_regression_equals_lightgbm() -> None:
    table = data.diabetes()
    params = {"total_number_of_trees_constructed": 20, "learning_rate": 0.1, "random_number_seed": SEED}
    model = trained("regression.boosted_decision_tree_regression", table, "target", **params)
    X, y = matrix(table, "target")
    direct = LGBMRegressor(
        num_leaves=20,
        min_child_samples=10,
        learning_rate=0.1,
        n_estimators=20,
        random_state=SEED,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
        n_jobs=1,
    ).fit(X, y)
    np.testing.assert_array_equal(predictions(model, table), direct.predict(X))


def test_decision_forest_regression_equals_extra_trees() -> None:
    table = data.diabetes()
    params = {"number_of_random_splits_per_node": 4, "minimum_number_of_samples_per_leaf_node": 2}
    model = trained(
        "regression.decision_forest_regression", table, "target", random_number_seed=SEED, **params
    )
    X, y = matrix(table, "target")
    direct = ExtraTreesRegressor(
        n_estimators=8, max_depth=32, max_features=4, min_samples_leaf=2, bootstrap=True, random_state=SEED
    ).fit(X, y)
    np.testing.assert_array_equal(predictions(model, table), direct.predict(X))


def test_ordinary_least_squares_equals_ridge() -> None:
    table = data.diabetes()
    X, y = matrix(table, "target")
    model = trained("regression.linear_regression", table, "target")
    np.testing.assert_allclose(predictions(model, table), Ridge(alpha=0.001).fit(X, y).predict(X), rtol=1e-9)
    plain = trained(
        "regression.linear_regression",
        table,
        "target",
        l2_regularization_weight=0.0,
        include_intercept_term=False,
    )
    direct = LinearRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(predictions(plain, table), direct.predict(X), rtol=1e-9)


def test_online_gradient_descent_equals_sgd() -> None:
    table = cars()
    params = {
        "solution_method": "Online Gradient Descent",
        "learning_rate": 0.05,
        "number_of_training_epochs": 20,
        "random_number_seed": SEED,
    }
    model = trained("regression.linear_regression", table, "Miles_per_Gallon", **params)
    X, y = matrix(table, "Miles_per_Gallon")
    direct = make_pipeline(
        MinMaxScaler(),
        SGDRegressor(
            penalty="l2",
            alpha=0.001,
            learning_rate="invscaling",
            eta0=0.05,
            max_iter=20,
            tol=None,
            average=True,
            random_state=SEED,
        ),
    ).fit(X, y)
    np.testing.assert_allclose(predictions(model, table), direct.predict(X), rtol=1e-12)
    constant = trained(
        "regression.linear_regression",
        table,
        "Miles_per_Gallon",
        **{
            **params,
            "decrease_learning_rate": False,
            "average_final_hypothesis": False,
            "normalize_features": False,
        },
    )
    scale = X.std(axis=0)
    assert not np.allclose(predictions(constant, table), predictions(model, table)) and scale.min() > 0


def standardized_diabetes() -> DataTable:
    """Diabetes features at mean 0 / sd 1 (as Normalize Data gives): both optimisers converge tightly."""
    df = data.diabetes().df
    features = [c for c in df.columns if c != "target"]
    return DataTable(df.assign(**{c: (df[c] - df[c].mean()) / df[c].std() for c in features}))


def test_poisson_regression_without_l1_equals_sklearn() -> None:
    table = standardized_diabetes()  # the target is a positive whole-number score
    X, y = matrix(table, "target")
    params = {
        "l1_regularization_weight": 0.0,
        "l2_regularization_weight": 4.0,
        "optimization_tolerance": 1e-12,
    }
    model = trained("regression.poisson_regression", table, "target", **params)
    direct = PoissonRegressor(alpha=4.0 / len(y), solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(
        X, y
    )
    np.testing.assert_allclose(predictions(model, table), direct.predict(X), rtol=1e-6)


def test_poisson_regression_l1_solution_is_optimal() -> None:
    table = standardized_diabetes()
    X, y = matrix(table, "target")
    l1, l2 = 500.0, 1.0
    params = {"l1_regularization_weight": l1, "l2_regularization_weight": l2, "optimization_tolerance": 1e-12}
    model = trained("regression.poisson_regression", table, "target", **params)
    w, b = model.estimator.coef_, model.estimator.intercept_
    mu = np.exp(X @ w + b)
    gradient = X.T @ (mu - y) + l2 * w  # of the smooth part; L1's subgradient must balance it
    zero = w == 0
    assert zero.any() and (~zero).any()
    assert np.all(np.abs(gradient[zero]) <= l1 * (1 + 1e-3))
    np.testing.assert_allclose(gradient[~zero], -l1 * np.sign(w[~zero]), rtol=1e-3)
    np.testing.assert_allclose((mu - y).sum(), 0.0, atol=1e-3 * len(y))  # the free intercept


def test_bayesian_linear_regression_mean_is_ridge() -> None:
    table = cars()
    X, y = matrix(table, "Miles_per_Gallon")
    model = trained(
        "regression.bayesian_linear_regression", table, "Miles_per_Gallon", regularization_weight=3.0
    )
    np.testing.assert_allclose(predictions(model, table), Ridge(alpha=3.0).fit(X, y).predict(X), rtol=1e-9)
    estimator = model.estimator
    residual = y - estimator.predict(X)
    assert (
        0 < 1 / estimator.noise_precision_ < residual.var() * 1.1
    )  # the learned noise level fits the residuals
    spread = estimator.predict_std(X)
    assert np.all(spread >= np.sqrt(1 / estimator.noise_precision_))


def test_quantile_forest_reads_quantiles_off_the_leaves() -> None:
    table = data.diabetes()
    params = {
        "number_of_trees": 1,
        "number_of_leaves": 8,
        "minimum_number_of_training_instances_required_to_form_a_leaf": 5,
        "bagging_fraction": 1.0,
        "feature_fraction": 1.0,
        "split_fraction": 1.0,
        "quantile_sample_count": 1000,
        "quantiles_to_be_estimated": "0.1; 0.5; 0.9",
        "random_number_seed": SEED,
    }
    model = trained("regression.fast_forest_quantile_regression", table, "target", **params)
    scores = model.score(table)
    assert list(scores.columns) == [
        "Scores for quantile :0.1",
        "Scores for quantile :0.5",
        "Scores for quantile :0.9",
    ]
    X, y = matrix(table, "target")
    # The tree is scikit-learn's with the same settings and the seed the forest draws for it.
    rng = np.random.default_rng(SEED)
    rows = np.sort(rng.choice(len(y), size=len(y), replace=False))
    features = np.sort(rng.choice(X.shape[1], size=X.shape[1], replace=False))
    tree = DecisionTreeRegressor(
        max_leaf_nodes=8, min_samples_leaf=5, max_features=1.0, random_state=int(rng.integers(2**31 - 1))
    ).fit(X[np.ix_(rows, features)], y[rows])
    leaves = tree.apply(X[:, features])
    for j, q in enumerate((0.1, 0.5, 0.9)):
        expected = [np.quantile(y[leaves == leaf], q, method="inverted_cdf") for leaf in leaves]
        np.testing.assert_allclose(scores.iloc[:, j].to_numpy(), expected)


def test_quantile_forest_pools_trees_and_orders_quantiles() -> None:
    model = trained(
        "regression.fast_forest_quantile_regression",
        data.diabetes(),
        "target",
        number_of_trees=10,
        quantile_sample_count=5,
    )
    scores = model.score(data.diabetes()).to_numpy()
    assert np.all(np.diff(scores, axis=1) >= 0)
    assert all(
        len(labels[~np.isnan(labels)]) <= 5 for tree in model.estimator.leaf_labels_ for labels in tree
    )


def test_neural_network_regression_equals_sklearn_mlp() -> None:
    # One feature, one output and 5 hidden nodes: both layers have fan-in + fan-out = 6, so this diameter
    # reproduces scikit-learn's Glorot initialisation exactly (see the classification test).
    table = DataTable(data.diabetes().df[["bmi", "target"]])
    params = {
        "number_of_hidden_nodes": "5",
        "the_initial_learning_weights_diameter": 2 * np.sqrt(6 / 6),
        "number_of_learning_iterations": 20,
        "learning_rate": 0.05,
        "random_number_seed": SEED,
    }
    model = trained("regression.neural_network_regression", table, "target", **params)
    X, y = matrix(table, "target")
    network = MLPRegressor(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.05,
        momentum=0.0,
        nesterovs_momentum=False,
        batch_size=32,
        max_iter=20,
        random_state=SEED,
    )
    direct = TransformedTargetRegressor(
        regressor=make_pipeline(MinMaxScaler(), network), transformer=StandardScaler()
    )
    direct.fit(X, y)
    np.testing.assert_allclose(predictions(model, table), direct.predict(X), rtol=1e-12)


def test_xgboost_regression_equals_xgboost() -> None:
    table = data.cars().with_frame(
        data.cars().df.drop(columns=["Name", "Origin", "Year"])
    )  # keeps missing values
    model = trained(
        "regression.xgboost_regression", table, "Horsepower", number_of_trees=15, l1_regularization_weight=0.5
    )
    df = table.df.dropna(subset=["Horsepower"])
    X, y = df.drop(columns=["Horsepower"]).to_numpy(dtype=np.float64), df["Horsepower"].to_numpy()
    direct = xgboost.XGBRegressor(n_estimators=15, reg_alpha=0.5, tree_method="hist", random_state=0).fit(
        X, y
    )
    np.testing.assert_array_equal(
        predictions(model, table.with_frame(df)), direct.predict(X).astype(np.float64)
    )


# -- what users get wrong -------------------------------------------------------------------------------
def _fit_error(key: str, table: DataTable, label: str, **params) -> ModuleError:
    with pytest.raises(ModuleError) as caught:
        learner(key, **params).fit(RunContext(), table, label)
    return caught.value


def test_text_label_is_refused_for_regression() -> None:
    error = _fit_error("regression.boosted_decision_tree_regression", data.iris(), "species")
    assert (error.code, error.column) == ("not_numeric", "species")


def test_poisson_refuses_negative_labels() -> None:
    table = data.diabetes()
    shifted = table.with_frame(table.df.assign(target=table.df["target"] - 100))
    error = _fit_error("regression.poisson_regression", shifted, "target")
    assert (error.code, error.column) == ("negative_label", "target")


def test_linear_models_need_clean_data_but_trees_do_not() -> None:
    raw = data.cars().with_frame(data.cars().df.drop(columns=["Name", "Year"]))
    error = _fit_error("regression.linear_regression", raw, "Miles_per_Gallon")
    assert error.code == "missing_values"
    forest = trained("regression.decision_forest_regression", raw, "Miles_per_Gallon")
    assert forest.feature_columns == [
        "Cylinders",
        "Displacement",
        "Horsepower",
        "Weight_in_lbs",
        "Acceleration",
        "Origin",
    ]
    assert not np.isnan(predictions(forest, raw)).any()


def test_quantiles_must_lie_between_zero_and_one() -> None:
    with pytest.raises(ModuleError) as caught:
        learner("regression.fast_forest_quantile_regression", quantiles_to_be_estimated="0.5; 1")
    assert caught.value.parameter == "quantiles_to_be_estimated"


def test_empty_and_constant_inputs() -> None:
    table = data.diabetes()
    assert _fit_error("regression.linear_regression", table.with_frame(table.df.iloc[:0]), "target").code == (
        "empty_dataset"
    )
    blank = table.with_frame(table.df.assign(age=np.nan))
    error = _fit_error("regression.boosted_decision_tree_regression", blank, "target")
    assert (error.code, error.column) == ("all_missing_column", "age")
    text_feature = table.with_frame(table.df.assign(sex=pd.Series(["x"] * len(table.df))))
    assert trained("regression.linear_regression", text_feature, "target").encoder.categories == {
        "sex": ["x"]
    }
