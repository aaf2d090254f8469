"""Biased matrix factorisation ("SVD" recommender, Funk / Koren style), trained by stochastic gradient descent.

The predicted rating of user u for item i is ``mu + b_u + b_i + p_u . q_i``: the global mean rating,
a user bias, an item bias and the dot product of learned factor vectors. Training minimises the
squared error on the known ratings plus ``regularization * (b_u^2 + b_i^2 + |p_u|^2 + |q_i|^2)``.

SGD is vectorised over mini-batches of ratings drawn in a seeded random order: every rating in a batch
computes its gradient from the same parameter values and the per-rating updates (learning rate times
gradient, as in plain SGD) are summed into the users and items they touch. A user or item therefore
gets one step per rating per epoch, as in one-rating-at-a-time SGD, at numpy speed. Summed steps of one
user (or item) within a batch act like a single step that many times larger, so batches are kept small
enough that the most active user or item appears only about ``STEPS_PER_BATCH`` times in one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from modules.sdk import DataTable, ModuleError, RunContext, Task, TrainedModel

from .triples import RATING_COLUMN, Triples, read_triples

MAX_BATCH_SIZE = 1000
STEPS_PER_BATCH = 16
_SMALL_SCATTER = 20_000
# Factors start small and random (standard deviation 0.1) so that users and items are told apart.
INITIAL_FACTOR_SCALE = 0.1


@dataclass
class MatrixFactorization:
    global_mean: float
    user_bias: np.ndarray
    item_bias: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray


@dataclass
class SgdSettings:
    factors: int
    epochs: int
    learning_rate: float
    regularization: float
    seed: int


def sgd_batch_size(users: np.ndarray, items: np.ndarray) -> int:
    """Ratings per batch: at most MAX_BATCH_SIZE, and few enough that the busiest user or item gets
    about STEPS_PER_BATCH of its ratings' steps summed in one batch (more would risk divergence)."""
    busiest = max(int(np.bincount(users).max()), int(np.bincount(items).max()))
    return int(min(MAX_BATCH_SIZE, max(1, len(users) * STEPS_PER_BATCH // busiest)))


def _scatter_add(target: np.ndarray, rows: np.ndarray, updates: np.ndarray) -> None:
    """``target[rows] += updates`` with repeated rows summed.

    np.add.at is quickest for small batches; a sparse summing product for large ones (measured).
    """
    if updates.size <= _SMALL_SCATTER:
        np.add.at(target, rows, updates)
        return
    unique, position = np.unique(rows, return_inverse=True)
    summing = sp.csr_matrix(
        (np.ones(len(rows)), (position, np.arange(len(rows)))), shape=(len(unique), len(rows))
    )
    target[unique] += summing @ updates


def fit_matrix_factorization(
    ctx: RunContext,
    users: np.ndarray,
    items: np.ndarray,
    ratings: np.ndarray,
    n_users: int,
    n_items: int,
    settings: SgdSettings,
) -> MatrixFactorization:
    rng = np.random.default_rng(settings.seed)
    model = MatrixFactorization(
        global_mean=float(ratings.mean()),
        user_bias=np.zeros(n_users),
        item_bias=np.zeros(n_items),
        user_factors=rng.normal(0.0, INITIAL_FACTOR_SCALE, (n_users, settings.factors)),
        item_factors=rng.normal(0.0, INITIAL_FACTOR_SCALE, (n_items, settings.factors)),
    )
    batch_size = sgd_batch_size(users, items)
    # Overflow is detected below and reported as divergence; numpy need not warn about it too.
    with np.errstate(over="ignore", invalid="ignore"):
        _run_epochs(ctx, model, rng, users, items, ratings, settings, batch_size)
    return model


def _run_epochs(
    ctx: RunContext,
    model: MatrixFactorization,
    rng: np.random.Generator,
    users: np.ndarray,
    items: np.ndarray,
    ratings: np.ndarray,
    settings: SgdSettings,
    batch_size: int,
) -> None:
    n_users, n_items = len(model.user_bias), len(model.item_bias)
    rate, reg = settings.learning_rate, settings.regularization
    for epoch in range(settings.epochs):
        ctx.progress(epoch / settings.epochs, f"epoch {epoch + 1} of {settings.epochs}")
        order = rng.permutation(len(ratings))
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            u, i = users[batch], items[batch]
            p_u, q_i = model.user_factors[u], model.item_factors[i]
            b_u, b_i = model.user_bias[u], model.item_bias[i]
            error = ratings[batch] - (model.global_mean + b_u + b_i + np.einsum("ij,ij->i", p_u, q_i))
            model.user_bias += np.bincount(u, rate * (error - reg * b_u), minlength=n_users)
            model.item_bias += np.bincount(i, rate * (error - reg * b_i), minlength=n_items)
            _scatter_add(model.user_factors, u, rate * (error[:, None] * q_i - reg * p_u))
            _scatter_add(model.item_factors, i, rate * (error[:, None] * p_u - reg * q_i))
            if not np.isfinite(error).all():
                raise _diverged(rate, epoch)
        if not (np.isfinite(model.user_factors).all() and np.isfinite(model.item_factors).all()):
            raise _diverged(rate, epoch)


def _diverged(rate: float, epoch: int) -> ModuleError:
    return ModuleError(
        "training_diverged",
        f"Training diverged in iteration {epoch + 1}: the learning rate {rate} is too large for these "
        "ratings. Try a smaller learning rate, such as 0.005.",
        parameter="learning_rate",
    )


def _index(values: list[Any]) -> dict[Any, int]:
    index: dict[Any, int] = {}
    for value in values:
        index.setdefault(value, len(index))
    return index


@dataclass
class SvdRecommender(TrainedModel):
    """A trained SVD recommender. Ids are kept as plain Python values, factors as numpy arrays.

    A user or item not seen in training has zero bias and zero factors, so its predictions fall back to
    the global mean plus the bias of the side that is known.
    """

    user_index: dict[Any, int]
    item_ids: list[Any]
    factorization: MatrixFactorization
    # Items each training user rated, as CSR: items of user u are rated_items[rated_start[u]:rated_start[u+1]].
    rated_start: np.ndarray
    rated_items: np.ndarray
    feature_columns: list[str] = field(default_factory=list)
    label_column: str | None = None
    learner_key: str = "recommendation.train_svd_recommender"
    task = Task.RECOMMENDER

    @classmethod
    def train(cls, ctx: RunContext, triples: Triples, settings: SgdSettings) -> SvdRecommender:
        assert triples.ratings is not None
        user_index, item_index = _index(triples.users), _index(triples.items)
        users = np.fromiter((user_index[u] for u in triples.users), dtype=np.int64, count=len(triples.users))
        items = np.fromiter((item_index[i] for i in triples.items), dtype=np.int64, count=len(triples.items))
        factorization = fit_matrix_factorization(
            ctx, users, items, triples.ratings, len(user_index), len(item_index), settings
        )
        rated = sp.csr_matrix((np.ones(len(users)), (users, items)), shape=(len(user_index), len(item_index)))
        return cls(
            user_index=user_index,
            item_ids=list(item_index),
            factorization=factorization,
            rated_start=rated.indptr.astype(np.int64),
            rated_items=rated.indices.astype(np.int64),
            feature_columns=[triples.user_column, triples.item_column],
        )

    @property
    def item_index(self) -> dict[Any, int]:
        return {item: position for position, item in enumerate(self.item_ids)}

    def _user_part(self, user: Any) -> tuple[float, np.ndarray]:
        position = self.user_index.get(user)
        f = self.factorization
        if position is None:
            return 0.0, np.zeros(f.user_factors.shape[1])
        return float(f.user_bias[position]), f.user_factors[position]

    def predict(self, users: list[Any], items: list[Any]) -> np.ndarray:
        """Predicted rating of each (user, item) pair."""
        f = self.factorization
        item_index = self.item_index
        user_pos = np.array([self.user_index.get(u, -1) for u in users], dtype=np.int64)
        item_pos = np.array([item_index.get(i, -1) for i in items], dtype=np.int64)
        known_user, known_item = user_pos >= 0, item_pos >= 0
        u, i = np.where(known_user, user_pos, 0), np.where(known_item, item_pos, 0)
        both = known_user & known_item
        return (
            f.global_mean
            + np.where(known_user, f.user_bias[u], 0.0)
            + np.where(known_item, f.item_bias[i], 0.0)
            + np.where(both, np.einsum("ij,ij->i", f.user_factors[u], f.item_factors[i]), 0.0)
        )

    def predict_all_items(self, user: Any) -> np.ndarray:
        """Predicted rating of every training item for one user, in ``item_ids`` order."""
        bias, factors = self._user_part(user)
        f = self.factorization
        return f.global_mean + bias + f.item_bias + f.item_factors @ factors

    def items_rated_in_training(self, user: Any) -> np.ndarray:
        position = self.user_index.get(user)
        if position is None:
            return np.empty(0, dtype=np.int64)
        return self.rated_items[self.rated_start[position] : self.rated_start[position + 1]]

    def score(self, table: DataTable) -> pd.DataFrame:
        """The predicted rating of each row's (user, item) pair: the first two columns."""
        pairs = read_triples(table, "dataset", with_ratings=False)
        return pd.DataFrame({RATING_COLUMN: self.predict(pairs.users, pairs.items)}, index=table.df.index)
