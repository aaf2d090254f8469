"""Conformance examples for Train / Score SVD Recommender and Evaluate Recommender."""

from __future__ import annotations

from typing import Any

from modules.recommendation.score import ScoreSvdRecommender
from modules.recommendation.train import TrainSvdRecommender
from modules.sdk import DataTable, RunContext
from tests.modules import data
from tests.modules.examples import Example

SMALL_MODEL = {"number_of_factors": 8, "number_of_recommendation_algorithm_iterations": 5}


def ratings_split() -> tuple[DataTable, DataTable]:
    """The first 20 MovieLens users' ratings: every fifth rating held out for testing."""
    table = data.movielens_ratings(max_user_id=20)
    held_out = table.df.index % 5 == 0
    return (
        table.with_frame(table.df[~held_out].reset_index(drop=True)),
        table.with_frame(table.df[held_out].reset_index(drop=True)),
    )


def trained_recommender() -> Any:
    train, _ = ratings_split()
    return TrainSvdRecommender.execute(
        RunContext(seed=2), SMALL_MODEL, training_dataset_of_user_item_rating_triples=train
    )["trained_svd_recommendation"]


def scored_test_set() -> dict[str, DataTable]:
    _, test = ratings_split()
    scored = ScoreSvdRecommender.execute(
        RunContext(), {}, trained_svd_recommendation=trained_recommender(), dataset_to_score=test
    )["scored_dataset"]
    return {"test_dataset": test, "scored_dataset": scored}


EXAMPLES = {
    "recommendation.train_svd_recommender": Example(
        inputs=lambda: {"training_dataset_of_user_item_rating_triples": ratings_split()[0]},
        params=SMALL_MODEL,
    ),
    "recommendation.score_svd_recommender": Example(
        inputs=lambda: {
            "trained_svd_recommendation": trained_recommender(),
            "dataset_to_score": ratings_split()[1],
        },
        params={"whether_to_return_the_predicted_ratings_of_the_items_along_with_the_labels": True},
    ),
    "recommendation.evaluate_recommender": Example(inputs=scored_test_set),
}
