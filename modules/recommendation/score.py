"""Score SVD Recommender: predict ratings, or recommend items to users, with a trained SVD recommender."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from modules.sdk import (
    BoolParam,
    Category,
    ChoiceParam,
    ColumnMeta,
    DataTable,
    IntParam,
    Module,
    ModuleError,
    Port,
    PortType,
    RunContext,
    register,
)

from .svd import SvdRecommender
from .triples import (
    ITEM_COLUMN,
    RATING_COLUMN,
    USER_COLUMN,
    predicted_rating_column,
    read_triples,
    read_users,
    recommended_item_column,
)

RATING_PREDICTION = "Rating prediction"
ITEM_RECOMMENDATION = "Item recommendation"
FROM_ALL_ITEMS = "From all items"
FROM_RATED_ITEMS = "From rated items (for model evaluation)"
FROM_UNRATED_ITEMS = "From unrated items (to suggest new items to users)"

_SCORE_META = ColumnMeta(is_feature=False, is_score=True)


def _recommendation_table(
    users: list[Any], ranked: list[tuple[list[Any], np.ndarray]], max_items: int, with_ratings: bool
) -> pd.DataFrame:
    """One row per user: the user, then each recommended item (and its predicted rating).

    Users with fewer candidates than ``max_items`` get empty cells; item columns then use pandas'
    nullable types (all of them, so that every item column has the same type).
    """
    item_lists = [[chosen[r] if r < len(chosen) else None for chosen, _ in ranked] for r in range(max_items)]
    padded = any(item is None for items in item_lists for item in items)
    columns: dict[str, Any] = {USER_COLUMN: pd.Series(users)}
    for rank, items in enumerate(item_lists):
        columns[recommended_item_column(rank + 1)] = (
            pd.Series(items, dtype=object).convert_dtypes() if padded else pd.Series(items)
        )
        if with_ratings:
            columns[predicted_rating_column(rank + 1)] = pd.Series(
                [float(scores[rank]) if rank < len(scores) else np.nan for _, scores in ranked],
                dtype=np.float64,
            )
    return pd.DataFrame(columns)


def _top(items: list[Any], scores: np.ndarray, max_items: int) -> tuple[list[Any], np.ndarray]:
    # Stable sort: equal predictions keep the order the items came in.
    order = np.argsort(-scores, kind="stable")[:max_items]
    return [items[i] for i in order], scores[order]


@register
class ScoreSvdRecommender(Module):
    """Predict ratings, or recommend items to users, with a model from Train SVD Recommender.

    *Rating prediction*: the dataset's first two columns are users and items; the output has `User`,
    `Item` and the predicted `Rating`. *Item recommendation*: for each user, the items with the highest
    predicted ratings, in `Recommended Item 1`, `Recommended Item 2`, ... (with `Predicted Rating <n>`
    when asked). Choose the candidate items: *From all items* the model knows; *From rated items* the
    items each user has in the dataset to score (to compare with real ratings in Evaluate Recommender);
    *From unrated items* the items each user has not rated in training (the connected training data,
    or the model's own training ratings when none is connected). A user or item unseen in training is
    scored from the mean rating and the known side's bias.
    """

    key = "recommendation.score_svd_recommender"
    title = "Score SVD Recommender"
    category = Category.RECOMMENDATION
    inputs = (
        Port("trained_svd_recommendation", "Trained SVD recommendation", PortType.TRAINED_RECOMMENDER),
        Port("dataset_to_score", "Dataset to score", PortType.DATASET),
        Port(
            "training_data",
            "Training data",
            PortType.DATASET,
            optional=True,
            description="User-item pairs already rated, left out by 'From unrated items'.",
        ),
    )
    outputs = (Port("scored_dataset", "Scored dataset", PortType.DATASET),)
    params = (
        ChoiceParam(
            "recommender_prediction_kind",
            "Recommender prediction kind",
            default=ITEM_RECOMMENDATION,
            choices=(RATING_PREDICTION, ITEM_RECOMMENDATION),
        ),
        ChoiceParam(
            "recommended_item_selection",
            "Recommended item selection",
            default=FROM_RATED_ITEMS,
            choices=(FROM_ALL_ITEMS, FROM_RATED_ITEMS, FROM_UNRATED_ITEMS),
            visible_when={"recommender_prediction_kind": (ITEM_RECOMMENDATION,)},
        ),
        IntParam(
            "maximum_number_of_items_to_recommend_to_a_user",
            "Maximum number of items to recommend to a user",
            default=5,
            min=1,
            visible_when={"recommender_prediction_kind": (ITEM_RECOMMENDATION,)},
        ),
        IntParam(
            "minimum_size_of_the_recommendation_pool_for_a_single_user",
            "Minimum size of the recommendation pool for a single user",
            default=2,
            min=1,
            description="Users with fewer items than this in the dataset to score get no recommendations.",
            visible_when={
                "recommender_prediction_kind": (ITEM_RECOMMENDATION,),
                "recommended_item_selection": (FROM_RATED_ITEMS,),
            },
        ),
        BoolParam(
            "whether_to_return_the_predicted_ratings_of_the_items_along_with_the_labels",
            "Whether to return the predicted ratings of the items along with the labels",
            default=False,
            visible_when={"recommender_prediction_kind": (ITEM_RECOMMENDATION,)},
        ),
    )

    def run(
        self,
        ctx: RunContext,
        params: dict[str, Any],
        trained_svd_recommendation: Any,
        dataset_to_score: DataTable,
        training_data: DataTable | None = None,
    ) -> dict[str, Any]:
        model = trained_svd_recommendation
        if not isinstance(model, SvdRecommender):
            raise ModuleError(
                "wrong_input",
                f"This input takes a model from Train SVD Recommender; the connected one is a {type(model).__name__}.",
                port="trained_svd_recommendation",
            )
        if params["recommender_prediction_kind"] == RATING_PREDICTION:
            frame = self._predict_ratings(model, dataset_to_score)
        else:
            frame = self._recommend(model, params, dataset_to_score, training_data)
        meta = {c: _SCORE_META for c in frame.columns if c not in (USER_COLUMN, ITEM_COLUMN)}
        return {"scored_dataset": DataTable(frame, meta)}

    @staticmethod
    def _predict_ratings(model: SvdRecommender, dataset: DataTable) -> pd.DataFrame:
        pairs = read_triples(dataset, "dataset_to_score", with_ratings=False)
        return pd.DataFrame(
            {
                USER_COLUMN: dataset.df[pairs.user_column].to_numpy(),
                ITEM_COLUMN: dataset.df[pairs.item_column].to_numpy(),
                RATING_COLUMN: model.predict(pairs.users, pairs.items),
            }
        )

    @staticmethod
    def _recommend(
        model: SvdRecommender, params: dict[str, Any], dataset: DataTable, training_data: DataTable | None
    ) -> pd.DataFrame:
        max_items: int = params["maximum_number_of_items_to_recommend_to_a_user"]
        selection: str = params["recommended_item_selection"]
        users: list[Any] = []
        ranked: list[tuple[list[Any], np.ndarray]] = []
        if selection == FROM_RATED_ITEMS:
            pairs = read_triples(dataset, "dataset_to_score", with_ratings=False)
            pools: dict[Any, dict[Any, None]] = {}
            for user, item in zip(pairs.users, pairs.items, strict=True):
                pools.setdefault(user, {})[item] = None
            min_pool: int = params["minimum_size_of_the_recommendation_pool_for_a_single_user"]
            for user, pool in pools.items():
                if len(pool) < min_pool:
                    continue
                candidates = list(pool)
                users.append(user)
                ranked.append(
                    _top(candidates, model.predict([user] * len(candidates), candidates), max_items)
                )
        else:
            already_rated = _rated_by_user(model, training_data) if selection == FROM_UNRATED_ITEMS else None
            for user in read_users(dataset, "dataset_to_score"):
                scores = model.predict_all_items(user)
                positions = np.arange(len(model.item_ids))
                if already_rated is not None:
                    excluded = already_rated(user)
                    positions = np.setdiff1d(positions, excluded) if len(excluded) else positions
                chosen, chosen_scores = _top(positions.tolist(), scores[positions], max_items)
                users.append(user)
                ranked.append(([model.item_ids[i] for i in chosen], chosen_scores))
        with_ratings = params["whether_to_return_the_predicted_ratings_of_the_items_along_with_the_labels"]
        return _recommendation_table(users, ranked, max_items, with_ratings)


def _rated_by_user(model: SvdRecommender, training_data: DataTable | None) -> Callable[[Any], np.ndarray]:
    """A function giving, for a user, the positions (in ``model.item_ids``) of items already rated."""
    if training_data is None:
        return model.items_rated_in_training
    pairs = read_triples(training_data, "training_data", with_ratings=False)
    item_index = model.item_index
    rated: dict[Any, list[int]] = {}
    for user, item in zip(pairs.users, pairs.items, strict=True):
        position = item_index.get(item)
        if position is not None:
            rated.setdefault(user, []).append(position)
    return lambda user: np.array(sorted(set(rated.get(user, []))), dtype=np.int64)
