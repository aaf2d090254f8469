"""Train, score, evaluate, cross-validate, tune and explain: checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lightgbm import LGBMClassifier
from sklearn import metrics as skm
from sklearn.cluster import KMeans
from sklearn.inspection import permutation_importance
from sklearn.linear_model import Ridge
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    PredefinedSplit,
    StratifiedKFold,
    cross_val_predict,
)

from modules.sdk import (
    FOLD_COLUMN,
    SCORED_LABELS,
    SCORED_PROBABILITIES,
    ColumnMeta,
    DataTable,
    ModuleError,
)
from modules.training.learners import PARAMETER_RANGE
from tests.modules import data
from tests.modules.examples._training_helpers import features_and_codes, learner, run, trained

BOOSTED = "classification.two_class_boosted_decision_tree"
SMALL = {"number_of_trees_constructed": 5, "maximum_number_of_leaves_per_tree": 4}
LGBM_FIXED = {"deterministic": True, "force_row_wise": True, "verbose": -1, "n_jobs": 1}


def halves(table: DataTable) -> tuple[DataTable, DataTable]:
    return (
        table.with_frame(table.df.iloc[::2].reset_index(drop=True)),
        table.with_frame(table.df.iloc[1::2].reset_index(drop=True)),
    )


def evaluate(table: DataTable, compare: DataTable | None = None):
    return run(
        "model_scoring_evaluation.evaluate_model", scored_dataset=table, scored_dataset_to_compare=compare
    )["evaluation_results"]


def scored_on_test(key: str, table: DataTable, label: str, **params) -> DataTable:
    train, test = halves(table)
    model = trained(key, train, label, **params)
    return run("model_scoring_evaluation.score_model", trained_model=model, dataset=test)["scored_dataset"]


# -- Train Model and Score Model ------------------------------------------------------------------------
def test_train_model_uses_the_marked_label_and_explains() -> None:
    table = data.iris()
    marked = table.with_meta("species", is_label=True)
    out = run(
        "model_training.train_model",
        {"model_explanations": True},
        untrained_model=learner("classification.multiclass_decision_forest"),
        dataset=marked,
    )
    model = out["trained_model"]
    assert model.label_column == "species" and model.feature_columns == table.columns[:4]
    importances = model.explanations["importances"]
    assert set(importances) == set(table.columns[:4]) and max(importances.values()) > 0
    with pytest.raises(ModuleError) as caught:
        run("model_training.train_model", untrained_model=learner(BOOSTED), dataset=table)
    assert caught.value.code == "missing_label"


def test_train_model_refuses_other_inputs() -> None:
    with pytest.raises(ModuleError) as caught:
        run(
            "model_training.train_model",
            {"label_column": "species"},
            untrained_model="model",
            dataset=data.iris(),
        )
    assert (caught.value.code, caught.value.port) == ("wrong_input", "untrained_model")


def test_score_model_appends_marked_score_columns() -> None:
    table = data.breast_cancer()
    before = table.df.copy()
    model = trained(BOOSTED, table, "diagnosis", **SMALL)
    out = run("model_scoring_evaluation.score_model", trained_model=model, dataset=table)["scored_dataset"]
    assert out.columns == [*table.columns, SCORED_LABELS, SCORED_PROBABILITIES]
    assert out.meta[SCORED_PROBABILITIES] == ColumnMeta(is_feature=False, is_score=True)
    assert out.meta["diagnosis"].is_label and out.label_column == "diagnosis"
    pd.testing.assert_frame_equal(table.df, before)  # the input is not modified
    again = run("model_scoring_evaluation.score_model", trained_model=model, dataset=out)["scored_dataset"]
    assert again.columns == out.columns  # scoring twice replaces the score columns
    alone = run(
        "model_scoring_evaluation.score_model",
        {"append_score_columns_to_output": False},
        trained_model=model,
        dataset=table,
    )["scored_dataset"]
    assert alone.columns == [SCORED_LABELS, SCORED_PROBABILITIES]


def test_score_model_needs_only_the_features() -> None:
    table = data.iris()
    model = trained("classification.multiclass_decision_forest", table, "species")
    unlabelled = table.with_frame(table.df.drop(columns=["species"]))
    out = run("model_scoring_evaluation.score_model", trained_model=model, dataset=unlabelled)[
        "scored_dataset"
    ]
    assert out.df[SCORED_LABELS].isin(["setosa", "versicolor", "virginica"]).all()
    missing = table.with_frame(table.df.drop(columns=["petal width (cm)"]))
    with pytest.raises(ModuleError) as caught:
        run("model_scoring_evaluation.score_model", trained_model=model, dataset=missing)
    assert (caught.value.code, caught.value.column) == ("missing_column", "petal width (cm)")


# -- Evaluate Model -------------------------------------------------------------------------------------
def test_binary_evaluation_equals_sklearn_metrics() -> None:
    out = scored_on_test(BOOSTED, data.breast_cancer(), "diagnosis", **SMALL)
    evaluation = evaluate(out)
    y = (out.df["diagnosis"] == "malignant").to_numpy()
    p = out.df[SCORED_PROBABILITIES].to_numpy()
    predicted = p > 0.5
    m = evaluation.metrics
    assert evaluation.kind == "binary" and m["Positive_Label"] == "malignant"
    assert m["AUC"] == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert m["Accuracy"] == pytest.approx(skm.accuracy_score(y, predicted), abs=1e-12)
    assert m["Precision"] == pytest.approx(skm.precision_score(y, predicted), abs=1e-12)
    assert m["Recall"] == pytest.approx(skm.recall_score(y, predicted), abs=1e-12)
    assert m["F1_Score"] == pytest.approx(skm.f1_score(y, predicted), abs=1e-12)
    assert m["Log_Loss"] == pytest.approx(skm.log_loss(y, p), abs=1e-12)
    tn, fp, fn, tp = skm.confusion_matrix(y, predicted).ravel()
    assert (m["True_Negative"], m["False_Positive"], m["False_Negative"], m["True_Positive"]) == (
        tn,
        fp,
        fn,
        tp,
    )
    assert (out.df[SCORED_LABELS] == "malignant").tolist() == predicted.tolist()  # labels agree with 0.5


def test_binary_curves_and_threshold_table() -> None:
    out = scored_on_test("classification.two_class_logistic_regression", data.breast_cancer(), "diagnosis")
    evaluation = evaluate(out)
    y = (out.df["diagnosis"] == "malignant").to_numpy()
    p = out.df[SCORED_PROBABILITIES].to_numpy()
    roc = evaluation.charts["roc_curve"]
    assert (roc["false_positive_rate"][0], roc["true_positive_rate"][0]) == (1.0, 1.0)
    assert (roc["false_positive_rate"][-1], roc["true_positive_rate"][-1]) == (0.0, 0.0)
    assert len(roc["threshold"]) <= 1002
    for threshold, fpr, tpr in list(
        zip(roc["threshold"], roc["false_positive_rate"], roc["true_positive_rate"], strict=True)
    )[1:]:
        called = p > threshold
        assert fpr == (called & ~y).sum() / (~y).sum() and tpr == (called & y).sum() / y.sum()
    table = evaluation.charts["thresholds"]
    middle = table["threshold"].index(0.5)
    for key in ("Accuracy", "Precision", "Recall", "F1_Score", "True_Positive", "False_Negative"):
        assert table[key][middle] == evaluation.metrics[key]
    bins = evaluation.charts["scored_bins"]
    assert sum(bins["positive_examples"]) == y.sum() and sum(bins["negative_examples"]) == (~y).sum()
    pr = evaluation.charts["precision_recall_curve"]
    assert all(0 <= v <= 1 for v in pr["precision"] + pr["recall"])


def test_multiclass_evaluation_equals_sklearn_metrics() -> None:
    out = scored_on_test(
        "classification.multiclass_boosted_decision_tree",
        data.penguins(),
        "species",
        number_of_trees_constructed=3,
    )
    evaluation = evaluate(out)
    truth, predicted = out.df["species"], out.df[SCORED_LABELS]
    m = evaluation.metrics
    assert evaluation.kind == "multiclass"
    assert m["Overall_Accuracy"] == pytest.approx(skm.accuracy_score(truth, predicted), abs=1e-12)
    for average in ("micro", "macro"):
        precision = skm.precision_score(truth, predicted, average=average)
        recall = skm.recall_score(truth, predicted, average=average)
        assert m[f"{average.title()}_Precision"] == pytest.approx(precision, abs=1e-12)
        assert m[f"{average.title()}_Recall"] == pytest.approx(recall, abs=1e-12)
    classes = ["Adelie", "Chinstrap", "Gentoo"]
    probabilities = out.df[[f"Scored Probabilities_{c}" for c in classes]].to_numpy()
    assert m["Log_Loss"] == pytest.approx(skm.log_loss(truth, probabilities, labels=classes), abs=1e-12)
    assert m["Macro_AUC"] == pytest.approx(
        skm.roc_auc_score(truth, probabilities, multi_class="ovr"), abs=1e-12
    )
    matrix = evaluation.charts["confusion_matrix"]
    assert matrix["labels"] == classes
    assert matrix["matrix"] == skm.confusion_matrix(truth, predicted, labels=classes).tolist()


def test_regression_evaluation_equals_sklearn_metrics() -> None:
    out = scored_on_test("regression.linear_regression", data.diabetes(), "target")
    evaluation = evaluate(out)
    y, predicted = out.df["target"].to_numpy(), out.df[SCORED_LABELS].to_numpy()
    m = evaluation.metrics
    assert evaluation.kind == "regression"
    assert m["Mean_Absolute_Error"] == pytest.approx(skm.mean_absolute_error(y, predicted), abs=1e-9)
    assert m["Root_Mean_Squared_Error"] == pytest.approx(skm.root_mean_squared_error(y, predicted), abs=1e-9)
    assert m["Coefficient_of_Determination"] == pytest.approx(skm.r2_score(y, predicted), abs=1e-12)
    assert m["Relative_Absolute_Error"] == pytest.approx(
        np.abs(y - predicted).sum() / np.abs(y - y.mean()).sum(), abs=1e-12
    )
    assert m["Relative_Squared_Error"] == pytest.approx(1 - skm.r2_score(y, predicted), abs=1e-12)
    histogram = evaluation.charts["residual_histogram"]
    assert sum(histogram["count"]) == len(y)
    assert evaluation.charts["predicted_vs_actual"]["actual"] == y.tolist()


def test_quantile_evaluation_equals_pinball_loss() -> None:
    out = scored_on_test(
        "regression.fast_forest_quantile_regression", data.diabetes(), "target", number_of_trees=5
    )
    evaluation = evaluate(out)
    y = out.df["target"]
    losses = [
        skm.mean_pinball_loss(y, out.df[f"Scores for quantile :{q}"], alpha=q) for q in (0.25, 0.5, 0.75)
    ]
    assert evaluation.kind == "quantile_regression"
    assert [evaluation.metrics[f"Quantile_Loss:{q}"] for q in (0.25, 0.5, 0.75)] == pytest.approx(
        losses, abs=1e-9
    )
    assert evaluation.metrics["Average_Quantile_Loss"] == pytest.approx(np.mean(losses), abs=1e-9)


def test_clustering_evaluation_reads_the_column_convention() -> None:
    X = data.iris().df.iloc[:, :4].to_numpy()
    kmeans = KMeans(n_clusters=3, n_init=1, random_state=0).fit(X)
    distances = kmeans.transform(X)
    frame = pd.DataFrame(X, columns=data.iris().columns[:4]).assign(Assignments=kmeans.labels_)
    for k in range(3):
        frame[f"DistancesToClusterCenter no.{k}"] = distances[:, k]
    evaluation = evaluate(DataTable(frame))
    table = evaluation.charts["clusters"]
    assert evaluation.kind == "clustering"
    assert table["Result_Description"] == [
        "Cluster No.0",
        "Cluster No.1",
        "Cluster No.2",
        "Combined Evaluation",
    ]
    own = distances[np.arange(len(X)), kmeans.labels_]
    for k in range(3):
        members = kmeans.labels_ == k
        assert table["Number_of_Points"][k] == members.sum()
        assert table["Average_Distance_to_Cluster_Center"][k] == pytest.approx(own[members].mean(), abs=1e-12)
        assert table["Maximal_Distance_to_Cluster_Center"][k] == pytest.approx(own[members].max(), abs=1e-12)
        others = np.delete(distances[members], k, axis=1).mean(axis=1).mean()
        assert table["Average_Distance_to_Other_Center"][k] == pytest.approx(others, abs=1e-12)
    assert evaluation.metrics["Number_of_Points"] == len(X)


def test_evaluate_model_compares_two_models_of_one_kind() -> None:
    first = scored_on_test(BOOSTED, data.breast_cancer(), "diagnosis", **SMALL)
    second = scored_on_test("classification.two_class_decision_forest", data.breast_cancer(), "diagnosis")
    evaluation = evaluate(first, second)
    assert evaluation.compared is not None and evaluation.compared.kind == "binary"
    assert evaluation.compared.metrics["AUC"] == evaluate(second).metrics["AUC"]
    regression = scored_on_test("regression.linear_regression", data.diabetes(), "target")
    with pytest.raises(ModuleError) as caught:
        evaluate(first, regression)
    assert (caught.value.code, caught.value.port) == ("evaluation_kind_mismatch", "scored_dataset_to_compare")


def test_evaluate_model_explains_bad_inputs() -> None:
    with pytest.raises(ModuleError) as caught:
        evaluate(data.iris())
    assert caught.value.code == "not_scored"
    out = scored_on_test(BOOSTED, data.breast_cancer(), "diagnosis", **SMALL)
    unmarked = DataTable(out.df)  # metadata lost: no label column
    with pytest.raises(ModuleError) as caught:
        evaluate(unmarked)
    assert caught.value.code == "no_label_column"
    with pytest.raises(ModuleError) as caught:
        evaluate(out.with_frame(out.df.iloc[:0]))
    assert caught.value.code == "empty_dataset"


def test_evaluate_model_accepts_the_reference_external_columns() -> None:
    frame = pd.DataFrame({"Labels": [1.0, 2.0, 3.0, 4.0], "Regression Scored Labels": [1.5, 2.0, 2.5, 4.5]})
    evaluation = evaluate(DataTable(frame))
    assert evaluation.kind == "regression"
    assert evaluation.metrics["Mean_Absolute_Error"] == pytest.approx(0.375)


# -- Cross Validate Model -------------------------------------------------------------------------------
def test_cross_validate_equals_cross_val_predict() -> None:
    table = data.breast_cancer()
    out = run(
        "model_scoring_evaluation.cross_validate_model",
        {"label_column": "diagnosis", "random_seed": 3},
        untrained_model=learner(BOOSTED, random_number_seed=4, **SMALL),
        dataset=table,
    )
    X, y, _ = features_and_codes(table, "diagnosis")
    folds = StratifiedKFold(10, shuffle=True, random_state=3)
    direct = LGBMClassifier(
        num_leaves=4, min_child_samples=10, learning_rate=0.2, n_estimators=5, random_state=4, **LGBM_FIXED
    )
    expected = cross_val_predict(direct, X, y, cv=folds, method="predict_proba")[:, 1]
    results = out["scored_results"]
    np.testing.assert_array_equal(results.df[SCORED_PROBABILITIES].to_numpy(), expected)
    assert results.columns[0] == FOLD_COLUMN and not results.meta[FOLD_COLUMN].is_feature
    by_fold = out["evaluation_results_by_fold"].df
    assert by_fold["Fold Number"].tolist() == [str(i) for i in range(10)] + ["Mean", "Standard Deviation"]
    for i, (_, test) in enumerate(folds.split(X, y)):
        fold_accuracy = skm.accuracy_score(y[test], expected[test] > 0.5)
        assert by_fold["Accuracy"][i] == pytest.approx(fold_accuracy, abs=1e-12)
        assert by_fold["Number of examples in fold"][i] == len(test)
    assert by_fold["Accuracy"].iloc[10] == pytest.approx(by_fold["Accuracy"].iloc[:10].mean(), abs=1e-12)


def test_cross_validate_uses_partition_and_sample_folds() -> None:
    table = data.diabetes()
    assigned = np.arange(len(table)) % 3
    with_folds = table.with_frame(table.df.assign(**{FOLD_COLUMN: assigned}))
    with_folds = with_folds.with_meta(FOLD_COLUMN, is_feature=False)
    out = run(
        "model_scoring_evaluation.cross_validate_model",
        {"label_column": "target"},
        untrained_model=learner("regression.linear_regression"),
        dataset=with_folds,
    )
    X, y = table.df.drop(columns=["target"]).to_numpy(), table.df["target"].to_numpy()
    expected = cross_val_predict(Ridge(alpha=0.001), X, y, cv=PredefinedSplit(assigned))
    np.testing.assert_allclose(out["scored_results"].df[SCORED_LABELS].to_numpy(), expected, rtol=1e-9)
    assert len(out["evaluation_results_by_fold"]) == 3 + 2


def test_cross_validate_needs_enough_rows_and_a_label() -> None:
    tiny = data.iris().with_frame(data.iris().df.iloc[:5])
    with pytest.raises(ModuleError) as caught:
        run(
            "model_scoring_evaluation.cross_validate_model",
            {"label_column": "species"},
            untrained_model=learner("classification.multiclass_decision_forest"),
            dataset=tiny,
        )
    assert caught.value.code == "too_few_rows"
    with pytest.raises(ModuleError) as caught:
        run(
            "model_scoring_evaluation.cross_validate_model",
            untrained_model=learner("classification.multiclass_decision_forest"),
            dataset=data.iris(),
        )
    assert caught.value.code == "missing_label"


# -- Tune Model Hyperparameters -------------------------------------------------------------------------
def ranged_boosted_tree():
    return learner(
        BOOSTED,
        create_trainer_mode=PARAMETER_RANGE,
        maximum_number_of_leaves_per_tree_range="4; 8",
        minimum_number_of_samples_per_leaf_node_range="10",
        learning_rate_range="0.1; 0.3",
        number_of_trees_constructed_range="5; 10",
        random_number_seed=2,
    )


GRID = {"num_leaves": [4, 8], "min_child_samples": [10], "learning_rate": [0.1, 0.3], "n_estimators": [5, 10]}
COLUMNS = {
    "num_leaves": "Maximum number of leaves per tree",
    "min_child_samples": "Minimum number of samples per leaf node",
    "learning_rate": "Learning rate",
    "n_estimators": "Number of trees constructed",
}


def _grid_search(cv, X, y) -> pd.DataFrame:
    search = GridSearchCV(
        LGBMClassifier(random_state=2, **LGBM_FIXED), GRID, scoring="accuracy", cv=cv, refit=False
    ).fit(X, y)
    results = pd.DataFrame(search.cv_results_["params"]).rename(columns=COLUMNS)
    return results.assign(score=search.cv_results_["mean_test_score"])


def test_tune_entire_grid_on_validation_data_equals_grid_search() -> None:
    train, valid = halves(data.breast_cancer())
    out = run(
        "model_training.tune_model_hyperparameters",
        {"specify_parameter_sweeping_mode": "Entire grid", "label_column": "diagnosis"},
        untrained_model=ranged_boosted_tree(),
        training_dataset=train,
        optional_validation_dataset=valid,
    )
    sweep = out["sweep_results"].df
    assert len(sweep) == 8 and sweep["Accuracy"].is_monotonic_decreasing
    X = np.vstack([features_and_codes(t, "diagnosis")[0] for t in (train, valid)])
    y = np.concatenate([features_and_codes(t, "diagnosis")[1] for t in (train, valid)])
    expected = _grid_search(PredefinedSplit([-1] * len(train) + [0] * len(valid)), X, y)
    merged = sweep.merge(expected, on=list(COLUMNS.values()))
    assert len(merged) == 8
    np.testing.assert_allclose(merged["Accuracy"], merged["score"], rtol=0, atol=1e-12)
    best = sweep.iloc[0]
    Xt, yt, _ = features_and_codes(train, "diagnosis")
    direct = LGBMClassifier(
        num_leaves=int(best[COLUMNS["num_leaves"]]),
        min_child_samples=10,
        learning_rate=float(best["Learning rate"]),
        n_estimators=int(best[COLUMNS["n_estimators"]]),
        random_state=2,
        **LGBM_FIXED,
    ).fit(Xt, yt)
    model = out["trained_best_model"]
    np.testing.assert_array_equal(
        model.score(valid)[SCORED_PROBABILITIES], direct.predict_proba(X[len(train) :])[:, 1]
    )


def test_tune_without_validation_cross_validates() -> None:
    train = data.breast_cancer()
    out = run(
        "model_training.tune_model_hyperparameters",
        {
            "specify_parameter_sweeping_mode": "Entire grid",
            "label_column": "diagnosis",
            "random_seed": 9,
            "number_of_cross_validation_folds": 3,
        },
        untrained_model=ranged_boosted_tree(),
        training_dataset=train,
    )
    X, y, _ = features_and_codes(train, "diagnosis")
    expected = _grid_search(StratifiedKFold(3, shuffle=True, random_state=9), X, y)
    merged = out["sweep_results"].df.merge(expected, on=list(COLUMNS.values()))
    np.testing.assert_allclose(merged["Accuracy"], merged["score"], rtol=0, atol=1e-12)


def test_tune_random_modes() -> None:
    train, valid = halves(data.breast_cancer())

    def sweep(mode: str, runs: int, seed: int = 0) -> pd.DataFrame:
        params = {
            "specify_parameter_sweeping_mode": mode,
            "maximum_number_of_runs_on_random_sweep": runs,
            "random_seed": seed,
            "label_column": "diagnosis",
            "metric_for_measuring_performance_for_classification": "Average Log Loss",
        }
        return run(
            "model_training.tune_model_hyperparameters",
            params,
            untrained_model=ranged_boosted_tree(),
            training_dataset=train,
            optional_validation_dataset=valid,
        )["sweep_results"].df

    grid = sweep("Random grid", 3)
    settings = grid[list(COLUMNS.values())]
    assert len(grid) == 3 and not settings.duplicated().any()
    assert grid["Learning rate"].isin([0.1, 0.3]).all() and grid["Log_Loss"].is_monotonic_increasing
    assert len(sweep("Random grid", 50)) == 8  # never more than the grid
    random = sweep("Random sweep", 4)
    assert random["Learning rate"].between(0.1, 0.3).all()
    assert random["Maximum number of leaves per tree"].between(4, 8).all()
    assert (random["Maximum number of leaves per tree"] % 1 == 0).all()
    bayesian = sweep("Bayesian sweep", 4)
    assert sorted(bayesian["Run"]) == [1, 2, 3, 4]
    pd.testing.assert_frame_equal(bayesian, sweep("Bayesian sweep", 4))  # same seed, same sweep


def test_tune_ranks_regression_errors_smallest_first() -> None:
    ranged = learner(
        "regression.linear_regression",
        solution_method="Online Gradient Descent",
        create_trainer_mode=PARAMETER_RANGE,
        learning_rate_range="0.01; 0.1",
        number_of_training_epochs_range="1; 5",
        l2_regularization_weight_range="0.001",
    )
    train, valid = halves(data.diabetes())
    out = run(
        "model_training.tune_model_hyperparameters",
        {"specify_parameter_sweeping_mode": "Entire grid", "label_column": "target"},
        untrained_model=ranged,
        training_dataset=train,
        optional_validation_dataset=valid,
    )
    errors = out["sweep_results"].df["Mean_Absolute_Error"]
    assert len(errors) == 4 and errors.is_monotonic_increasing
    best = out["trained_best_model"]
    scored_valid = run("model_scoring_evaluation.score_model", trained_model=best, dataset=valid)[
        "scored_dataset"
    ]
    assert evaluate(scored_valid).metrics["Mean_Absolute_Error"] == pytest.approx(errors.iloc[0], abs=1e-9)


def test_tune_single_parameter_learner_runs_once() -> None:
    train, valid = halves(data.iris())
    out = run(
        "model_training.tune_model_hyperparameters",
        {"label_column": "species"},
        untrained_model=learner("classification.multiclass_decision_forest"),
        training_dataset=train,
        optional_validation_dataset=valid,
    )
    assert len(out["sweep_results"]) == 1


def test_tune_explains_missing_label_and_empty_validation() -> None:
    train, valid = halves(data.iris())
    with pytest.raises(ModuleError) as caught:
        run(
            "model_training.tune_model_hyperparameters",
            untrained_model=ranged_boosted_tree(),
            training_dataset=train,
        )
    assert caught.value.code == "missing_label"
    with pytest.raises(ModuleError) as caught:
        run(
            "model_training.tune_model_hyperparameters",
            {"label_column": "species"},
            untrained_model=learner("classification.multiclass_decision_forest"),
            training_dataset=train,
            optional_validation_dataset=valid.with_frame(valid.df.iloc[:0]),
        )
    assert (caught.value.code, caught.value.port) == ("empty_dataset", "optional_validation_dataset")


# -- Permutation Feature Importance ---------------------------------------------------------------------
def test_permutation_importance_equals_sklearn_for_classification() -> None:
    table = data.iris()
    model = trained(
        "classification.multiclass_boosted_decision_tree", table, "species", number_of_trees_constructed=5
    )
    out = run(
        "feature_selection.permutation_feature_importance",
        {"random_seed": 4},
        trained_model=model,
        test_data=table,
    )["feature_importance"].df
    X, y, _ = features_and_codes(table, "species")
    direct = LGBMClassifier(
        num_leaves=20, min_child_samples=10, learning_rate=0.2, n_estimators=5, random_state=0, **LGBM_FIXED
    ).fit(X, y)
    expected = permutation_importance(direct, X, y, scoring="accuracy", n_repeats=1, random_state=4)
    by_feature = dict(zip(out["Feature"], out["Score"], strict=True))
    assert [by_feature[c] for c in table.columns[:4]] == pytest.approx(
        expected.importances_mean.tolist(), abs=1e-12
    )
    assert out["Score"].is_monotonic_decreasing


def test_permutation_importance_equals_sklearn_for_regression_errors() -> None:
    table = data.diabetes()
    model = trained("regression.linear_regression", table, "target")
    out = run(
        "feature_selection.permutation_feature_importance",
        {"random_seed": 2, "metric_for_measuring_performance": "Regression - Mean Absolute Error"},
        trained_model=model,
        test_data=table,
    )["feature_importance"].df
    X, y = table.df.drop(columns=["target"]).to_numpy(), table.df["target"].to_numpy()
    expected = permutation_importance(
        Ridge(alpha=0.001).fit(X, y), X, y, scoring="neg_mean_absolute_error", n_repeats=1, random_state=2
    )
    by_feature = dict(zip(out["Feature"], out["Score"], strict=True))
    assert [by_feature[c] for c in table.columns[:-1]] == pytest.approx(
        expected.importances_mean.tolist(), abs=1e-9
    )


def test_permutation_importance_refuses_mismatched_metric_and_missing_label() -> None:
    model = trained("regression.linear_regression", data.diabetes(), "target")
    with pytest.raises(ModuleError) as caught:
        run(
            "feature_selection.permutation_feature_importance", trained_model=model, test_data=data.diabetes()
        )
    assert (caught.value.code, caught.value.parameter) == (
        "metric_task_mismatch",
        "metric_for_measuring_performance",
    )
    unlabelled = data.diabetes().with_frame(data.diabetes().df.drop(columns=["target"]))
    with pytest.raises(ModuleError) as caught:
        run(
            "feature_selection.permutation_feature_importance",
            {"metric_for_measuring_performance": "Regression - Root Mean Squared Error"},
            trained_model=model,
            test_data=unlabelled,
        )
    assert (caught.value.code, caught.value.column) == ("missing_column", "target")


# -- Apply Transformation -------------------------------------------------------------------------------
def test_apply_transformation_applies_and_checks_its_input() -> None:
    from tests.modules.examples.training import ScaleColumns

    table = data.iris()
    out = run(
        "model_scoring_evaluation.apply_transformation",
        transformation=ScaleColumns({"petal length (cm)": 2.0}),
        dataset=table,
    )["transformed_dataset"]
    np.testing.assert_array_equal(out.df["petal length (cm)"], table.df["petal length (cm)"] / 2)
    with pytest.raises(ModuleError) as caught:
        run("model_scoring_evaluation.apply_transformation", transformation=object(), dataset=table)
    assert (caught.value.code, caught.value.port) == ("wrong_input", "transformation")


def test_kfold_is_used_for_regression() -> None:
    table = data.diabetes()
    out = run(
        "model_scoring_evaluation.cross_validate_model",
        {"label_column": "target", "number_of_folds": 4, "random_seed": 1},
        untrained_model=learner("regression.linear_regression"),
        dataset=table,
    )
    X, y = table.df.drop(columns=["target"]).to_numpy(), table.df["target"].to_numpy()
    expected = cross_val_predict(Ridge(alpha=0.001), X, y, cv=KFold(4, shuffle=True, random_state=1))
    np.testing.assert_allclose(out["scored_results"].df[SCORED_LABELS].to_numpy(), expected, rtol=1e-9)


# -- every learner's model survives the artifact store unchanged ----------------------------------------
def _learner_keys(prefix: str) -> list[str]:
    from modules.sdk import all_modules

    return sorted(m.key for m in all_modules() if m.key.startswith(prefix) and not m.inputs)


@pytest.mark.parametrize(
    "key", _learner_keys("classification.") + _learner_keys("regression."), ids=lambda key: key.split(".")[1]
)
def test_stored_models_score_identically(key: str) -> None:
    from modules.sdk import PortType, codecs

    if key.startswith("regression."):
        table, label = data.diabetes(), "target"
    elif key.startswith("classification.two_class"):
        table, label = data.breast_cancer(), "diagnosis"
    else:
        table, label = data.iris(), "species"
    table = table.with_frame(table.df.iloc[::3].reset_index(drop=True))
    model = trained(key, table, label)
    stored, _ = codecs.encode(PortType.TRAINED_MODEL, model)
    restored = codecs.decode(PortType.TRAINED_MODEL, stored)
    assert codecs.encode(PortType.TRAINED_MODEL, restored)[0] == stored  # same content digest
    pd.testing.assert_frame_equal(restored.score(table), model.score(table))
