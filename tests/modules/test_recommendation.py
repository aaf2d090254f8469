"""The SVD recommender on real MovieLens ratings: better than the mean, metrics equal to scikit-learn's."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error, ndcg_score

from modules.recommendation.evaluate import EvaluateRecommender
from modules.recommendation.score import ScoreSvdRecommender
from modules.recommendation.svd import INITIAL_FACTOR_SCALE, SvdRecommender, sgd_batch_size
from modules.recommendation.train import TrainSvdRecommender
from modules.sdk import DataTable, ModuleError, RunContext
from tests.modules import data

MODEL = {
    "number_of_factors": 20,
    "number_of_recommendation_algorithm_iterations": 20,
    "random_number_seed": 3,
}
WITH_RATINGS = "whether_to_return_the_predicted_ratings_of_the_items_along_with_the_labels"
SELECTION = "recommended_item_selection"
MAX_ITEMS = "maximum_number_of_items_to_recommend_to_a_user"
MIN_POOL = "minimum_size_of_the_recommendation_pool_for_a_single_user"


@cache
def split() -> tuple[DataTable, DataTable]:
    """The first 60 users' ratings; a seeded fifth of them held out for testing."""
    table = data.movielens_ratings(max_user_id=60)
    held_out = np.random.default_rng(0).random(len(table)) < 0.2
    return (
        table.with_frame(table.df[~held_out].reset_index(drop=True)),
        table.with_frame(table.df[held_out].reset_index(drop=True)),
    )


def train(table: DataTable, **overrides: Any) -> SvdRecommender:
    return TrainSvdRecommender.execute(
        RunContext(), {**MODEL, **overrides}, training_dataset_of_user_item_rating_triples=table
    )["trained_svd_recommendation"]


@cache
def trained() -> SvdRecommender:
    return train(split()[0])


def score(
    dataset: DataTable, model: Any = None, training_data: DataTable | None = None, **params: Any
) -> DataTable:
    return ScoreSvdRecommender.execute(
        RunContext(),
        params,
        trained_svd_recommendation=model or trained(),
        dataset_to_score=dataset,
        training_data=training_data,
    )["scored_dataset"]


def evaluate(test: DataTable, scored: DataTable) -> dict[str, Any]:
    return EvaluateRecommender.execute(RunContext(), {}, test_dataset=test, scored_dataset=scored)[
        "metric"
    ].metrics


def test_rating_predictions_beat_the_global_mean_and_metrics_match_sklearn() -> None:
    train_set, test = split()
    scored = score(test, recommender_prediction_kind="Rating prediction")
    assert scored.columns == ["User", "Item", "Rating"]
    assert scored.df["User"].tolist() == test.df["userId"].tolist()
    assert scored.df["Item"].tolist() == test.df["movieId"].tolist()
    truth, predicted = test.df["rating"].to_numpy(), scored.df["Rating"].to_numpy()
    metrics = evaluate(test, scored)
    assert metrics["Mean_Absolute_Error"] == pytest.approx(mean_absolute_error(truth, predicted), rel=1e-12)
    rmse = np.sqrt(mean_squared_error(truth, predicted))
    assert metrics["Root_Mean_Squared_Error"] == pytest.approx(rmse, rel=1e-12)
    assert metrics["Number_of_Ratings"] == len(test)
    baseline = np.sqrt(mean_squared_error(truth, np.full(len(truth), train_set.df["rating"].mean())))
    assert rmse < baseline - 0.05


def test_ndcg_of_rated_item_recommendations_matches_sklearn() -> None:
    _, test = split()
    scored = score(test, **{MAX_ITEMS: 5, MIN_POOL: 3, WITH_RATINGS: True})
    pools = test.df.groupby("userId")
    expected_users = [user for user, rows in pools if len(rows) >= 3]
    assert scored.df["User"].tolist() == expected_users
    per_user = []
    for user, rows in pools:
        if len(rows) < 3:
            continue
        predictions = trained().predict([user] * len(rows), rows["movieId"].tolist())
        # Items unknown to the model tie; the module keeps their order, so sklearn gets that ranking.
        ranking = np.argsort(-predictions, kind="stable")
        rank_scores = np.empty(len(rows))
        rank_scores[ranking] = -np.arange(len(rows))
        per_user.append(ndcg_score([rows["rating"].to_numpy()], [rank_scores], k=5))
        # The recommendations are the pool's five highest predicted ratings, in order.
        row = scored.df[scored.df["User"] == user].iloc[0]
        best = ranking[:5]
        assert [row[f"Recommended Item {r + 1}"] for r in range(len(best))] == rows["movieId"].to_numpy()[
            best
        ].tolist()
        np.testing.assert_allclose(
            [row[f"Predicted Rating {r + 1}"] for r in range(len(best))], predictions[best]
        )
    metrics = evaluate(test, scored)
    assert metrics["NDCG"] == pytest.approx(np.mean(per_user), rel=1e-12)
    assert metrics["Number_of_Users"] == len(per_user)
    # A trained model ranks better than a random order of the same pools.
    rng = np.random.default_rng(1)
    random_ndcg = np.mean(
        [
            ndcg_score([rows["rating"].to_numpy()], [rng.random(len(rows))], k=5)
            for _, rows in pools
            if len(rows) >= 3
        ]
    )
    assert metrics["NDCG"] > random_ndcg


def test_recommend_from_all_and_from_unrated_items() -> None:
    train_set, test = split()
    users = DataTable(pd.DataFrame({"user": [1, 2, 9999]}))
    model = trained()
    from_all = score(users, **{SELECTION: "From all items", MAX_ITEMS: 4})
    unrated_params = {SELECTION: "From unrated items (to suggest new items to users)", MAX_ITEMS: 4}
    from_unrated = score(users, **unrated_params)
    with_training_data = score(users, training_data=train_set, **unrated_params)
    pd.testing.assert_frame_equal(from_unrated.df, with_training_data.df)
    item_columns = [f"Recommended Item {r}" for r in range(1, 5)]
    for position, user in enumerate([1, 2, 9999]):
        predictions = model.predict_all_items(user)
        order = np.argsort(-predictions, kind="stable")
        assert from_all.df.loc[position, item_columns].tolist() == [model.item_ids[i] for i in order[:4]]
        rated = set(train_set.df.loc[train_set.df["userId"] == user, "movieId"])
        unrated = [model.item_ids[i] for i in order if model.item_ids[i] not in rated][:4]
        assert from_unrated.df.loc[position, item_columns].tolist() == unrated
    # An unknown user gets the items with the highest mean-plus-bias: the same list as the model's biases.
    f = model.factorization
    np.testing.assert_allclose(model.predict_all_items(9999), f.global_mean + f.item_bias)
    # Training data given to the scorer overrides the model's memory of what was rated.
    only_first_rating = DataTable(train_set.df[train_set.df["userId"] == 1].head(1))
    single = score(DataTable(pd.DataFrame({"user": [1]})), training_data=only_first_rating, **unrated_params)
    allowed = [model.item_ids[i] for i in np.argsort(-model.predict_all_items(1), kind="stable")]
    allowed.remove(only_first_rating.df["movieId"].iloc[0])
    assert single.df.loc[0, item_columns].tolist() == allowed[:4]


def test_short_pools_are_padded_and_survive_storage() -> None:
    _, test = split()
    few = DataTable(test.df[test.df["userId"].isin([1, 2])].groupby("userId").head(3).reset_index(drop=True))
    scored = score(few, **{MAX_ITEMS: 6, MIN_POOL: 1})
    assert scored.df["Recommended Item 4"].isna().all()
    assert str(scored.df["Recommended Item 1"].dtype) == "Int64"


def test_matrix_factorisation_is_minibatch_sgd_on_biased_factors() -> None:
    """An independent, plainly written version of the documented algorithm gives the same factors."""
    train_set, _ = split()
    ratings = train_set.df.head(2500)
    factors, epochs, rate, reg, seed = 6, 3, 0.01, 0.05, 42
    model = train(
        DataTable(ratings),
        number_of_factors=factors,
        number_of_recommendation_algorithm_iterations=epochs,
        learning_rate=rate,
        regularization_weight=reg,
        random_number_seed=seed,
    )
    users, user_ids = pd.factorize(ratings["userId"])
    items, item_ids = pd.factorize(ratings["movieId"])
    r = ratings["rating"].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    p = rng.normal(0, INITIAL_FACTOR_SCALE, (len(user_ids), factors))
    q = rng.normal(0, INITIAL_FACTOR_SCALE, (len(item_ids), factors))
    bu, bi, mu = np.zeros(len(user_ids)), np.zeros(len(item_ids)), r.mean()
    batch_size = sgd_batch_size(users, items)
    assert batch_size < 1000  # a few users rated most of these: batches shrink to keep SGD stable
    for _ in range(epochs):
        order = rng.permutation(len(r))
        for start in range(0, len(r), batch_size):
            b = order[start : start + batch_size]
            u, i = users[b], items[b]
            pu, qi, old_bu, old_bi = p[u].copy(), q[i].copy(), bu[u].copy(), bi[i].copy()
            err = r[b] - (mu + old_bu + old_bi + (pu * qi).sum(axis=1))
            np.add.at(bu, u, rate * (err - reg * old_bu))
            np.add.at(bi, i, rate * (err - reg * old_bi))
            np.add.at(p, u, rate * (err[:, None] * qi - reg * pu))
            np.add.at(q, i, rate * (err[:, None] * pu - reg * qi))
    f = model.factorization
    assert list(model.user_index) == user_ids.tolist() and model.item_ids == item_ids.tolist()
    for mine, reference in ((f.user_bias, bu), (f.item_bias, bi), (f.user_factors, p), (f.item_factors, q)):
        np.testing.assert_allclose(mine, reference, rtol=1e-9, atol=1e-12)
    pairs = ratings.head(50)
    expected = mu + bu[users[:50]] + bi[items[:50]] + (p[users[:50]] * q[items[:50]]).sum(axis=1)
    np.testing.assert_allclose(model.predict(pairs["userId"].tolist(), pairs["movieId"].tolist()), expected)


def test_training_is_seeded() -> None:
    ratings = DataTable(split()[0].df.sample(3000, random_state=0))
    one, again = train(ratings, number_of_factors=4), train(ratings, number_of_factors=4)
    other = train(ratings, number_of_factors=4, random_number_seed=4)
    np.testing.assert_array_equal(one.factorization.user_factors, again.factorization.user_factors)
    assert not np.array_equal(one.factorization.user_factors, other.factorization.user_factors)


def test_string_ids_and_extra_columns() -> None:
    ratings = split()[0].df.sample(2000, random_state=0)
    named = DataTable(
        pd.DataFrame(
            {
                "user": "u" + ratings["userId"].astype(str),
                "movie": "m" + ratings["movieId"].astype(str),
                "stars": ratings["rating"],
                "note": "ignored",
            }
        )
    )
    by_name = train(named, number_of_factors=4)
    by_number = train(DataTable(ratings), number_of_factors=4)
    np.testing.assert_array_equal(by_name.factorization.item_factors, by_number.factorization.item_factors)
    scored = score(named, model=by_name, recommender_prediction_kind="Rating prediction")
    assert scored.df["User"].iloc[0] == named.df["user"].iloc[0]


@pytest.mark.parametrize(
    ("frame", "code", "column"),
    [
        (lambda: pd.DataFrame({"user": [1, 2]}), "too_few_columns", None),
        (lambda: pd.DataFrame({"u": [1, 2], "i": [1, 2], "r": ["good", "bad"]}), "not_numeric", "r"),
        (lambda: pd.DataFrame({"u": [1, None], "i": [1, 2], "r": [3.0, 4.0]}), "missing_values", "u"),
        (lambda: pd.DataFrame({"u": [1, 2], "i": [1, 2], "r": [3.0, None]}), "missing_values", "r"),
        (lambda: pd.DataFrame({"u": [], "i": [], "r": []}), "empty_dataset", None),
    ],
)
def test_bad_training_data_gives_clear_errors(frame: Any, code: str, column: str | None) -> None:
    with pytest.raises(ModuleError) as caught:
        train(DataTable(frame()))
    assert caught.value.code == code and caught.value.column == column, caught.value.as_dict()


def test_too_large_learning_rate_is_reported() -> None:
    with pytest.raises(ModuleError) as caught:
        train(DataTable(split()[0].df.sample(3000, random_state=0)), learning_rate=2.0, number_of_factors=50)
    assert caught.value.code == "training_diverged" and caught.value.parameter == "learning_rate"


def test_scoring_and_evaluation_refuse_what_they_cannot_use() -> None:
    _, test = split()
    with pytest.raises(ModuleError) as caught:
        score(test, model=object())
    assert caught.value.code == "wrong_input"
    with pytest.raises(ModuleError) as caught:
        evaluate(test, test)
    assert caught.value.code == "not_recommender_scores"
    partial = score(DataTable(test.df.head(10)), recommender_prediction_kind="Rating prediction")
    with pytest.raises(ModuleError) as caught:
        evaluate(test, partial)
    assert caught.value.code == "unscored_rows"
    negative = test.with_frame(test.df.assign(rating=test.df["rating"] - 3))
    with pytest.raises(ModuleError) as caught:
        evaluate(negative, score(test))
    assert caught.value.code == "negative_ratings"
