"""Train SVD Recommender: learn user and item factors from user-item-rating triples."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from modules.sdk import (
    Category,
    DataTable,
    FloatParam,
    IntParam,
    Module,
    Port,
    PortType,
    RunContext,
    register,
)
from modules.training.learners import resolve_seed, seed_param

from .svd import SgdSettings, SvdRecommender
from .triples import read_triples


@register
class TrainSvdRecommender(Module):
    """Train a matrix-factorisation ("SVD") recommender from user-item-rating triples.

    The dataset's first column must hold user ids, the second item ids and the third numeric ratings
    (other columns are ignored). Each user and item gets a bias and a vector of *Number of factors*
    hidden preferences; a predicted rating is the mean rating plus both biases plus the dot product of
    the two vectors. They are learned by stochastic gradient descent over the ratings for *Number of
    recommendation algorithm iterations* passes with the given *Learning rate*, with L2
    regularisation against over-fitting. Connect the result to Score SVD Recommender.
    """

    key = "recommendation.train_svd_recommender"
    title = "Train SVD Recommender"
    category = Category.RECOMMENDATION
    training_only = True
    inputs = (
        Port(
            "training_dataset_of_user_item_rating_triples",
            "Training dataset of user-item-rating triples",
            PortType.DATASET,
        ),
    )
    outputs = (
        Port("trained_svd_recommendation", "Trained SVD recommendation", PortType.TRAINED_RECOMMENDER),
    )
    params = (
        IntParam(
            "number_of_factors",
            "Number of factors",
            default=200,
            min=1,
            description="Length of each user's and item's hidden preference vector.",
        ),
        IntParam(
            "number_of_recommendation_algorithm_iterations",
            "Number of recommendation algorithm iterations",
            default=30,
            min=1,
            description="Passes over all the ratings.",
        ),
        FloatParam(
            "learning_rate",
            "Learning rate",
            default=0.005,
            min=0.0,
            exclusive_min=True,
            max=2.0,
            description="Size of each gradient step; too large makes training diverge.",
        ),
        FloatParam(
            "regularization_weight",
            "Regularization weight",
            default=0.02,
            min=0.0,
            advanced=True,
            description="L2 penalty on biases and factors; larger values resist over-fitting.",
        ),
        replace(seed_param(), advanced=True),
    )

    def run(
        self, ctx: RunContext, params: dict[str, Any], training_dataset_of_user_item_rating_triples: DataTable
    ) -> dict[str, Any]:
        triples = read_triples(
            training_dataset_of_user_item_rating_triples,
            "training_dataset_of_user_item_rating_triples",
            with_ratings=True,
        )
        settings = SgdSettings(
            factors=params["number_of_factors"],
            epochs=params["number_of_recommendation_algorithm_iterations"],
            learning_rate=params["learning_rate"],
            regularization=params["regularization_weight"],
            seed=resolve_seed(params, ctx),
        )
        return {"trained_svd_recommendation": SvdRecommender.train(ctx, triples, settings)}
