"""Each template's key metric computed by a plain scikit-learn / LightGBM / imbalanced-learn script.

These scripts do what the template's pipeline does, written the way a data scientist would without the
designer: load the same sample data (the bundled loaders are thin wrappers of the packages' own), split
with ``train_test_split`` (which Split Data's random split is documented to equal), encode with pandas,
fit the library estimator the learner module wraps with the same settings, and measure with
scikit-learn. Each returns ``(metric, baseline)``: the template's key metric and the value a trivial
model (majority class, mean, random scores) reaches on the same rows.

Two places reuse the project's own code, because there is no library call that does the same:
- the text template's Preprocess Text (the project's own lemmatiser and stop-word list) is run to get
  the cleaned text; hashing, the split, the model and the accuracy are plain scikit-learn;
- the recommender is the project's own SGD matrix factorisation, so its check is the RMSE recomputed
  with numpy from the stored predictions, and the baseline (the training mean).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lightgbm
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, IsolationForest
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import MinMaxScaler

from modules.data_io.samples import load_sample

SPLIT_SEED = 42


def sample(slug: str) -> pd.DataFrame:
    return load_sample(slug).df


def split(df: pd.DataFrame, fraction: float = 0.7) -> tuple[pd.DataFrame, pd.DataFrame]:
    first = round(fraction * len(df))
    train, test = train_test_split(df, train_size=first, test_size=len(df) - first, random_state=SPLIT_SEED)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series) or isinstance(series.dtype, pd.CategoricalDtype)


def onehot(train: pd.DataFrame, test: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Text columns as one 0/1 column per level seen in training (sorted); numbers as floats."""
    blocks: list[tuple[np.ndarray, np.ndarray]] = []
    for column in features:
        if is_text(train[column]):
            levels = sorted(train[column].dropna().unique().tolist())
            blocks.append(
                tuple(  # type: ignore[arg-type]
                    pd.get_dummies(pd.Categorical(frame[column], categories=levels)).to_numpy(dtype=float)
                    for frame in (train, test)
                )
            )
        else:
            blocks.append(tuple(frame[[column]].to_numpy(dtype=float) for frame in (train, test)))  # type: ignore[arg-type]
    return np.hstack([b[0] for b in blocks]), np.hstack([b[1] for b in blocks])


def ordinal(
    train: pd.DataFrame, test: pd.DataFrame, features: list[str]
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Text columns as codes of their sorted training levels (unknown = NaN), for LightGBM."""
    train_out, test_out, categorical = [], [], []
    for i, column in enumerate(features):
        if is_text(train[column]):
            levels = sorted(train[column].dropna().unique().tolist())
            categorical.append(i)
            for frame, out in ((train, train_out), (test, test_out)):
                codes = pd.Categorical(frame[column], categories=levels).codes.astype(float)
                codes[codes < 0] = np.nan
                out.append(codes)
        else:
            train_out.append(train[column].to_numpy(dtype=float))
            test_out.append(test[column].to_numpy(dtype=float))
    return np.column_stack(train_out), np.column_stack(test_out), categorical


def boosted_tree(regression: bool, seed: int, categorical: list[int], **settings: Any) -> Any:
    """LightGBM with the boosted-tree modules' defaults (20 leaves, 10 rows a leaf, rate 0.2, 100 trees)."""
    options = {
        "num_leaves": 20,
        "min_child_samples": 10,
        "learning_rate": 0.2,
        "n_estimators": 100,
        "random_state": seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
        **settings,
    }
    if categorical:
        options["categorical_feature"] = categorical
    return lightgbm.LGBMRegressor(**options) if regression else lightgbm.LGBMClassifier(**options)


def forest(regression: bool, seed: int, n_features: int) -> Any:
    """ExtraTrees with the decision-forest modules' defaults (8 bagged trees, depth 32)."""
    options = {
        "n_estimators": 8,
        "max_depth": 32,
        "max_features": min(128, n_features),
        "min_samples_leaf": 1,
        "bootstrap": True,
        "random_state": seed,
    }
    return ExtraTreesRegressor(**options) if regression else ExtraTreesClassifier(**options)


def rmse(truth: Any, predicted: Any) -> float:
    return float(np.sqrt(mean_squared_error(truth, predicted)))


# -- one script per template ---------------------------------------------------------------------------
AMES_COLUMNS = [
    "Neighborhood",
    "Bldg_Type",
    "Overall_Cond",
    "Year_Built",
    "Year_Remod_Add",
    "Lot_Area",
    "Total_Bsmt_SF",
    "Gr_Liv_Area",
    "Full_Bath",
    "Garage_Cars",
    "Mas_Vnr_Type",
    "Mas_Vnr_Area",
]


def regression_house_prices(run: Any) -> tuple[float, float]:
    df = sample("ames-housing")[[*AMES_COLUMNS, "Sale_Price"]].copy()
    df["Mas_Vnr_Type"] = df["Mas_Vnr_Type"].fillna("None")
    train, test = split(df)
    X_train, X_test = onehot(train, test, AMES_COLUMNS)
    model = Ridge(alpha=0.001).fit(X_train, train["Sale_Price"].to_numpy(dtype=float))
    r2 = r2_score(test["Sale_Price"], model.predict(X_test))
    mean_only = r2_score(test["Sale_Price"], np.full(len(test), train["Sale_Price"].mean()))
    return r2, mean_only


DIAMOND_FEATURES = ["carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"]


def regression_model_comparison(run: Any) -> tuple[float, float]:
    train, test = split(sample("diamonds"))
    X_train, X_test, categorical = ordinal(train, test, DIAMOND_FEATURES)
    boosted = boosted_tree(True, 7, categorical).fit(X_train, train["price"])
    boosted_rmse = rmse(test["price"], boosted.predict(X_test))
    O_train, O_test = onehot(train, test, DIAMOND_FEATURES)
    trees = forest(True, 7, O_train.shape[1]).fit(O_train, train["price"])
    run.compared = rmse(test["price"], trees.predict(O_test))
    return boosted_rmse, rmse(test["price"], np.full(len(test), train["price"].mean()))


def binary_feature_selection(run: Any) -> tuple[float, float]:
    train, test = split(sample("breast-cancer"))
    malignant = (train["diagnosis"] == "malignant").astype(float)
    features = [c for c in train.columns if c != "diagnosis"]
    strength = {c: abs(train[c].corr(malignant)) for c in features}
    best = sorted(features, key=lambda c: -strength[c])[:5]
    run.selected = best
    model = boosted_tree(False, 7, []).fit(train[best].to_numpy(), train["diagnosis"])
    probability = model.predict_proba(test[best].to_numpy())[:, list(model.classes_).index("malignant")]
    return roc_auc_score(test["diagnosis"] == "malignant", probability), 0.5


def binary_cost_sensitive(run: Any) -> tuple[float, float]:
    train, test = split(sample("breast-cancer"))
    features = [c for c in train.columns if c != "diagnosis"]
    model = boosted_tree(False, 7, [], num_leaves=4, learning_rate=0.1).fit(
        train[features].to_numpy(), train["diagnosis"]
    )
    probability = model.predict_proba(test[features].to_numpy())[:, 1]
    malignant = (test["diagnosis"] == "malignant").to_numpy()

    def cost(predicted: np.ndarray) -> float:
        return 5.0 * int((malignant & ~predicted).sum()) + 1.0 * int((~malignant & predicted).sum())

    run.default_cost = cost(probability > 0.5)
    # Trivial rules: call every mass benign, or every mass malignant; the cheaper one is the baseline.
    trivial = min(cost(np.zeros(len(test), bool)), cost(np.ones(len(test), bool)))
    return cost(probability > 1.0 / 6.0), trivial


def binary_imbalanced_smote(run: Any) -> tuple[float, float]:
    from imblearn.over_sampling import SMOTE

    df = sample("diamonds")
    df = pd.DataFrame(
        {
            "carat": df["carat"],
            "depth": df["depth"],
            "table": df["table"],
            "price": df["price"].astype(float),
            "x": df["x"],
            "y": df["y"],
            "z": df["z"],
            "fair_cut": (df["cut"] == "Fair").astype(int),
        }
    )
    train, test = split(df)
    features = [c for c in df.columns if c != "fair_cut"]
    rare = int(train["fair_cut"].sum())
    X, y = SMOTE(sampling_strategy={1: 2 * rare}, k_neighbors=5, random_state=11).fit_resample(
        train[features], train["fair_cut"].to_numpy()
    )
    model = boosted_tree(False, 7, []).fit(X.to_numpy(), y)
    return roc_auc_score(test["fair_cut"], model.predict_proba(test[features].to_numpy())[:, 1]), 0.5


def multiclass_penguins(run: Any) -> tuple[float, float]:
    train, test = split(sample("penguins").dropna().reset_index(drop=True))
    features = [c for c in train.columns if c != "species"]
    X_train, X_test = onehot(train, test, features)
    model = forest(False, 7, X_train.shape[1]).fit(X_train, train["species"])
    majority = train["species"].mode()[0]
    return accuracy_score(test["species"], model.predict(X_test)), float((test["species"] == majority).mean())


MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def clustering_penguins(run: Any) -> tuple[float, float]:
    df = sample("penguins")[[*MEASUREMENTS, "species"]].dropna().reset_index(drop=True)
    train, test = split(df)
    scaler = MinMaxScaler().fit(train[MEASUREMENTS].to_numpy(dtype=float))
    scaled_train = scaler.transform(train[MEASUREMENTS].to_numpy(dtype=float))
    scaled_test = scaler.transform(test[MEASUREMENTS].to_numpy(dtype=float))
    k_means = KMeans(n_clusters=3, init="k-means++", n_init=1, max_iter=100, random_state=3).fit(scaled_train)
    distance = k_means.transform(scaled_test).min(axis=1).mean()
    one_cluster = np.linalg.norm(scaled_test - scaled_train.mean(axis=0), axis=1).mean()
    return float(distance), float(one_cluster)


def anomaly_detection_breast_cancer(run: Any) -> tuple[float, float]:
    df = sample("breast-cancer")
    df["malignant"] = (df.pop("diagnosis") == "malignant").astype(int)
    train, test = split(df)
    features = [c for c in df.columns if c != "malignant"]
    normal = train[train["malignant"] == 0]
    detector = IsolationForest(
        n_estimators=100, max_samples="auto", contamination="auto", max_features=1.0, random_state=5
    ).fit(normal[features].to_numpy())
    return roc_auc_score(test["malignant"], -detector.score_samples(test[features].to_numpy())), 0.5


def recommendation_barley(run: Any) -> tuple[float, float]:
    df = sample("barley")
    triples = pd.DataFrame(
        {"user": df["site"] + " " + df["year"].astype(str), "item": df["variety"], "rating": df["yield"]}
    )
    triples = (
        triples.assign(site=df["site"], year=df["year"])
        .sort_values(["site", "year", "item"])
        .reset_index(drop=True)[["user", "item", "rating"]]
    )
    train, test = split(triples, 0.75)
    scored = run.output("score", "scored_dataset").df
    predicted = test.merge(scored, left_on=["user", "item"], right_on=["User", "Item"], how="left")["Rating"]
    assert predicted.notna().all()
    return rmse(test["rating"], predicted), rmse(test["rating"], np.full(len(test), train["rating"].mean()))


def text_classification_definitions(run: Any) -> tuple[float, float]:
    from modules.sdk import DataTable, RunContext, get_module

    cleaned = (
        get_module("text_analytics.preprocess_text")
        .execute(
            RunContext(),
            {"text_column_to_clean": "definition", "detect_sentences": False},
            dataset=DataTable(sample("wordnet-definitions")),
        )["results_dataset"]
        .df
    )
    hashed = HashingVectorizer(
        n_features=2**11,
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b\w+\b",
        alternate_sign=False,
        norm=None,
    ).transform(cleaned["Preprocessed definition"].fillna(""))
    df = pd.DataFrame(hashed.toarray())
    df["category"] = cleaned["category"]
    train, test = split(df)
    features = [c for c in df.columns if c != "category"]
    model = LogisticRegression(C=1.0, max_iter=5000, tol=1e-8).fit(
        train[features].to_numpy(), train["category"]
    )
    majority = train["category"].mode()[0]
    run.plain_predictions = model.predict(test[features].to_numpy())
    return accuracy_score(test["category"], run.plain_predictions), float(
        (test["category"] == majority).mean()
    )


def cross_validation_breast_cancer(run: Any) -> tuple[float, float]:
    df = sample("breast-cancer")
    features = [c for c in df.columns if c != "diagnosis"]
    X, y = df[features].to_numpy(), df["diagnosis"].to_numpy()
    probability = np.empty(len(df))
    for train_rows, test_rows in StratifiedKFold(10, shuffle=True, random_state=13).split(X, y):
        model = forest(False, 7, len(features)).fit(X[train_rows], y[train_rows])
        probability[test_rows] = model.predict_proba(X[test_rows])[:, list(model.classes_).index("malignant")]
    return roc_auc_score(y == "malignant", probability), 0.5


def tune_hyperparameters_penguins(run: Any) -> tuple[float, float]:
    train, test = split(sample("penguins").dropna().reset_index(drop=True))
    features = [c for c in train.columns if c != "sex"]
    X_train, X_test, categorical = ordinal(train, test, features)
    y_train, y_test = (train["sex"] == "male").to_numpy(), (test["sex"] == "male").to_numpy()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=17).split(X_train, y_train))
    best: tuple[float, dict[str, Any]] | None = None
    for leaves in (4, 16):  # the grid in itertools.product order, as Entire grid tries it
        for min_rows in (5, 20):
            for rate in (0.05, 0.2):
                settings = {
                    "num_leaves": leaves,
                    "min_child_samples": min_rows,
                    "learning_rate": rate,
                    "n_estimators": 50,
                }
                losses = []
                for fit_rows, held_out in folds:
                    model = boosted_tree(False, 7, categorical, **settings).fit(
                        X_train[fit_rows], y_train[fit_rows]
                    )
                    losses.append(
                        log_loss(
                            y_train[held_out],
                            model.predict_proba(X_train[held_out])[:, 1],
                            labels=[False, True],
                        )
                    )
                if best is None or np.mean(losses) < best[0]:
                    best = (float(np.mean(losses)), settings)
    assert best is not None
    run.best_settings = best[1]
    model = boosted_tree(False, 7, categorical, **best[1]).fit(X_train, y_train)
    return roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]), 0.5


CAR_FEATURES = ["Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Year", "Origin"]


def permutation_feature_importance_cars(run: Any) -> tuple[float, float]:
    df = sample("cars").drop(columns="Name").dropna().reset_index(drop=True)
    train, test = split(df)
    features = [c for c in df.columns if c != "Miles_per_Gallon"]
    X_train, X_test, categorical = ordinal(train, test, features)
    model = boosted_tree(True, 7, categorical).fit(X_train, train["Miles_per_Gallon"])
    result = permutation_importance(
        model,
        X_test,
        test["Miles_per_Gallon"].to_numpy(),
        scoring=lambda estimator, X, y: -rmse(y, estimator.predict(X)),
        n_repeats=1,
        random_state=19,
    )
    run.importances = dict(zip(features, result.importances_mean.tolist(), strict=True))
    r2 = r2_score(test["Miles_per_Gallon"], model.predict(X_test))
    return r2, r2_score(test["Miles_per_Gallon"], np.full(len(test), train["Miles_per_Gallon"].mean()))


SCRIPTS: dict[str, Callable[[Any], tuple[float, float]]] = {
    "regression-house-prices": regression_house_prices,
    "regression-model-comparison": regression_model_comparison,
    "binary-feature-selection": binary_feature_selection,
    "binary-cost-sensitive": binary_cost_sensitive,
    "binary-imbalanced-smote": binary_imbalanced_smote,
    "multiclass-penguins": multiclass_penguins,
    "clustering-penguins": clustering_penguins,
    "anomaly-detection-breast-cancer": anomaly_detection_breast_cancer,
    "recommendation-barley": recommendation_barley,
    "text-classification-definitions": text_classification_definitions,
    "cross-validation-breast-cancer": cross_validation_breast_cancer,
    "tune-hyperparameters-penguins": tune_hyperparameters_penguins,
    "permutation-feature-importance-cars": permutation_feature_importance_cars,
}
