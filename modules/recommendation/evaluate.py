"""Evaluate Recommender: rating accuracy (MAE, RMSE) or ranking quality (NDCG) against held-out ratings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    Category,
    DataTable,
    Evaluation,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    register,
)

from .triples import (
    ITEM_COLUMN,
    RATING_COLUMN,
    RECOMMENDED_ITEM_PREFIX,
    USER_COLUMN,
    Triples,
    read_triples,
    recommended_item_column,
)


def rating_metrics(test: Triples, scored: pd.DataFrame) -> dict[str, Any]:
    predictions = scored.drop_duplicates([USER_COLUMN, ITEM_COLUMN]).set_index([USER_COLUMN, ITEM_COLUMN])
    keys = pd.MultiIndex.from_arrays([test.users, test.items])
    predicted = predictions[RATING_COLUMN].reindex(keys).to_numpy(dtype=np.float64)
    unscored = int(np.isnan(predicted).sum())
    if unscored:
        raise ModuleError(
            "unscored_rows",
            f"{unscored} test rating(s) have no predicted rating in the scored dataset. Score the same test "
            "dataset with Score SVD Recommender in 'Rating prediction' mode.",
            port="scored_dataset",
        )
    assert test.ratings is not None
    errors = test.ratings - predicted
    return {
        "Mean_Absolute_Error": float(np.mean(np.abs(errors))),
        "Root_Mean_Squared_Error": float(np.sqrt(np.mean(errors**2))),
        "Number_of_Ratings": len(errors),
    }


def dcg(gains: np.ndarray) -> float:
    """Discounted cumulative gain: the gain at rank r counts 1 / log2(r + 1)."""
    return float(np.sum(gains / np.log2(np.arange(2, len(gains) + 2))))


def ndcg_metrics(test: Triples, scored: pd.DataFrame, depth: int) -> dict[str, Any]:
    """Mean NDCG@depth over the users who were recommended items and have test ratings.

    The gain of an item is the user's test rating of it (0 when the user did not rate it); the ideal
    ordering is the user's test ratings from highest to lowest.
    """
    assert test.ratings is not None
    if (test.ratings < 0).any():
        raise ModuleError(
            "negative_ratings",
            "NDCG uses ratings as gains, so they must be 0 or more. Shift the ratings (for example with "
            "Apply Math Operation) before training and evaluating.",
            port="test_dataset",
        )
    relevance: dict[Any, dict[Any, float]] = {}
    for user, item, rating in zip(test.users, test.items, test.ratings, strict=True):
        relevance.setdefault(user, {}).setdefault(item, float(rating))
    item_columns = [recommended_item_column(rank) for rank in range(1, depth + 1)]
    scores: list[float] = []
    for user, *recommended in scored[[USER_COLUMN, *item_columns]].itertuples(index=False, name=None):
        rated = relevance.get(user)
        if rated is None:
            continue
        gains = np.array([rated.get(item, 0.0) for item in recommended if not pd.isna(item)])
        ideal = dcg(np.sort(np.fromiter(rated.values(), dtype=np.float64))[::-1][:depth])
        scores.append(dcg(gains) / ideal if ideal > 0 else 0.0)
    if not scores:
        raise ModuleError(
            "no_users_to_evaluate",
            "None of the users in the scored dataset has ratings in the test dataset. Score the test dataset "
            "itself with Score SVD Recommender.",
            port="scored_dataset",
        )
    return {"NDCG": float(np.mean(scores)), "Number_of_Users": len(scores)}


@register
class EvaluateRecommender(Module):
    """Measure how well a recommender's predictions match held-out ratings.

    Connect the test ratings (user, item, rating columns, in that order) and the output of Score SVD
    Recommender on them. For *Rating prediction* scores it reports the mean absolute error and the root
    mean squared error of the predicted ratings. For *Item recommendation* scores it reports NDCG: for
    each user, the discounted sum of the true ratings of the recommended items in their recommended
    order, divided by the best possible sum, averaged over users (1 is a perfect ranking).
    """

    key = "recommendation.evaluate_recommender"
    title = "Evaluate Recommender"
    category = Category.RECOMMENDATION
    training_only = True
    inputs = (
        Port("test_dataset", "Test dataset", PortType.DATASET),
        Port("scored_dataset", "Scored dataset", PortType.DATASET),
    )
    outputs = (Port("metric", "Metric", PortType.EVALUATION),)

    def run(
        self, ctx: RunContext, params: dict[str, Any], test_dataset: DataTable, scored_dataset: DataTable
    ) -> dict[str, Any]:
        test = read_triples(test_dataset, "test_dataset", with_ratings=True)
        scored = scored_dataset.df
        item_columns = [
            c
            for c in scored.columns
            if c.startswith(RECOMMENDED_ITEM_PREFIX) and c.removeprefix(RECOMMENDED_ITEM_PREFIX).isdigit()
        ]
        if {USER_COLUMN, ITEM_COLUMN, RATING_COLUMN} <= set(scored.columns) and not item_columns:
            metrics = rating_metrics(test, scored)
        elif USER_COLUMN in scored.columns and recommended_item_column(1) in scored.columns:
            metrics = ndcg_metrics(test, scored, depth=len(item_columns))
        else:
            raise ModuleError(
                "not_recommender_scores",
                "The scored dataset does not look like the output of Score SVD Recommender: it needs User, Item "
                "and Rating columns (rating prediction) or User and Recommended Item columns (item "
                "recommendation).",
                port="scored_dataset",
            )
        return {"metric": Evaluation(kind="recommender", metrics=metrics)}
