"""Small scikit-learn-compatible estimators for what the libraries do not offer as-is.

Each is a plain estimator (``fit`` / ``predict`` / ``predict_proba``) so the one-vs-all and one-vs-one
wrappers can clone them, and each is picklable under ``modules.`` so fitted models pass the artifact
loader's allow-list.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize, special
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin, clone
from sklearn.multiclass import OneVsOneClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.tree import DecisionTreeRegressor

# The reference's L-BFGS learners give no iteration cap; this one only stops a solver that cannot converge.
MAX_LBFGS_ITERATIONS = 1000


# -- probabilities for margin classifiers ---------------------------------------------------------------
class SigmoidProbabilities(ClassifierMixin, BaseEstimator):
    """Gives a margin classifier (SVM, perceptron) probabilities: the logistic sigmoid of its margin.

    Labels stay the wrapped classifier's own predictions; the probability is above 0.5 exactly when the
    margin is positive, so Scored Labels and Scored Probabilities agree.
    """

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit(self, X: np.ndarray, y: np.ndarray) -> SigmoidProbabilities:
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.estimator_.decision_function(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.estimator_.predict(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        margin = self.decision_function(X)
        if margin.ndim == 1:
            return np.column_stack([special.expit(-margin), special.expit(margin)])
        scores = special.expit(margin)
        return scores / scores.sum(axis=1, keepdims=True)


class OneVsOneWithProbabilities(OneVsOneClassifier):
    """One-vs-one with probabilities: each class's share of the pairwise decision values.

    scikit-learn's decision value per class is its number of pairwise wins plus a confidence tie-break
    in (-1/3, 1/3), and these sum to the number of pairs. Clipping at zero and dividing by the sum keeps
    the arg-max (so labels equal ``predict``) and gives rows that sum to one.
    """

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        decision = self.decision_function(X)
        if decision.ndim == 1:  # two classes: scikit-learn returns one margin column
            return np.column_stack([special.expit(-decision), special.expit(decision)])
        clipped = np.clip(decision, 0.0, None)
        return clipped / clipped.sum(axis=1, keepdims=True)


# -- generalised linear models by L-BFGS ----------------------------------------------------------------
def _logistic_loss(Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """Binary (one column, Y in {0,1}) or multinomial (one-hot Y) negative log-likelihood and d/dZ."""
    if Z.shape[1] == 1:
        loss = np.logaddexp(0.0, Z) - Y * Z
        return float(loss.sum()), special.expit(Z) - Y
    log_norm = special.logsumexp(Z, axis=1, keepdims=True)
    loss = log_norm[:, 0] - (Y * Z).sum(axis=1)
    return float(loss.sum()), np.exp(Z - log_norm) - Y


def _poisson_loss(Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """Half the Poisson deviance with a log link: the negative log-likelihood up to a constant, and zero
    for a perfect fit, so the optimiser's relative-improvement test is not swamped by the constant."""
    rate = np.exp(np.clip(Z, None, 700.0))
    return float((rate - Y * Z + special.xlogy(Y, Y) - Y).sum()), rate - Y


def fit_penalised_glm(
    X: np.ndarray,
    Y: np.ndarray,
    loss: Any,
    *,
    l1_weight: float,
    l2_weight: float,
    tolerance: float,
    memory_size: int,
    max_iter: int = MAX_LBFGS_ITERATIONS,
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Minimise ``sum(loss) + l1 * |W|_1 + l2 / 2 * |W|^2`` (intercepts unpenalised) with L-BFGS.

    The L1 term is made smooth by writing ``W = W_plus - W_minus`` with both parts bounded below by
    zero, so L-BFGS-B (with ``memory_size`` correction pairs) handles L1, L2 and both at once. The
    objective is divided by the number of rows, which does not move the optimum but keeps the
    gradient tolerance meaningful across dataset sizes.
    """
    n_rows, n_features = X.shape
    n_outputs = Y.shape[1]
    n_weights = n_features * n_outputs
    split = l1_weight > 0

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weights = theta[:n_weights] - theta[n_weights : 2 * n_weights] if split else theta[:n_weights]
        return weights.reshape(n_features, n_outputs), theta[-n_outputs:]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, b = unpack(theta)
        value, dZ = loss(X @ W + b, Y)
        grad_W = X.T @ dZ + l2_weight * W
        value += 0.5 * l2_weight * float((W * W).sum())
        grad_b = dZ.sum(axis=0)
        if split:
            value += l1_weight * float(theta[: 2 * n_weights].sum())
            flat = grad_W.ravel()
            grad = np.concatenate([flat + l1_weight, -flat + l1_weight, grad_b])
        else:
            grad = np.concatenate([grad_W.ravel(), grad_b])
        return value / n_rows, grad / n_rows

    n_params = (2 if split else 1) * n_weights + n_outputs
    bounds = [(0.0, None)] * (2 * n_weights) + [(None, None)] * n_outputs if split else None
    result = optimize.minimize(
        objective,
        np.zeros(n_params),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxcor": memory_size, "ftol": tolerance, "gtol": tolerance, "maxiter": max_iter},
    )
    W, b = unpack(result.x)
    return W, b, result


class LbfgsLogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression (binary or multinomial) with L1 and L2 weights, honouring the L-BFGS memory.

    Minimises ``sum(log-loss) + l1_weight * |w|_1 + l2_weight / 2 * |w|^2``; with ``l1_weight = 0`` this
    is scikit-learn's ``LogisticRegression(C=1 / l2_weight)``.
    """

    def __init__(
        self,
        l1_weight: float = 1.0,
        l2_weight: float = 1.0,
        tolerance: float = 1e-7,
        memory_size: int = 20,
        max_iter: int = MAX_LBFGS_ITERATIONS,
    ) -> None:
        self.l1_weight = l1_weight
        self.l2_weight = l2_weight
        self.tolerance = tolerance
        self.memory_size = memory_size
        self.max_iter = max_iter

    def fit(self, X: np.ndarray, y: np.ndarray) -> LbfgsLogisticRegression:
        X = np.asarray(X, dtype=np.float64)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) == 2:
            Y = codes.reshape(-1, 1).astype(np.float64)
        else:
            Y = np.eye(len(self.classes_))[codes]
        W, b, result = fit_penalised_glm(
            X,
            Y,
            _logistic_loss,
            l1_weight=self.l1_weight,
            l2_weight=self.l2_weight,
            tolerance=self.tolerance,
            memory_size=self.memory_size,
            max_iter=self.max_iter,
        )
        self.coef_, self.intercept_ = W.T, b
        self.n_iter_ = result.nit
        self.converged_ = bool(result.success)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        scores = np.asarray(X, dtype=np.float64) @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.column_stack([special.expit(-scores), special.expit(scores)])
        return special.softmax(scores, axis=1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class LbfgsPoissonRegression(RegressorMixin, BaseEstimator):
    """Poisson regression (log link) with L1 and L2 weights, by L-BFGS with the given memory.

    Minimises ``sum(mu - y * log(mu)) + l1_weight * |w|_1 + l2_weight / 2 * |w|^2``; with
    ``l1_weight = 0`` this is scikit-learn's ``PoissonRegressor(alpha=l2_weight / n_rows)``.
    """

    def __init__(
        self,
        l1_weight: float = 1.0,
        l2_weight: float = 1.0,
        tolerance: float = 1e-7,
        memory_size: int = 20,
        max_iter: int = MAX_LBFGS_ITERATIONS,
    ) -> None:
        self.l1_weight = l1_weight
        self.l2_weight = l2_weight
        self.tolerance = tolerance
        self.memory_size = memory_size
        self.max_iter = max_iter

    def fit(self, X: np.ndarray, y: np.ndarray) -> LbfgsPoissonRegression:
        W, b, result = fit_penalised_glm(
            np.asarray(X, dtype=np.float64),
            np.asarray(y, dtype=np.float64).reshape(-1, 1),
            _poisson_loss,
            l1_weight=self.l1_weight,
            l2_weight=self.l2_weight,
            tolerance=self.tolerance,
            memory_size=self.memory_size,
            max_iter=self.max_iter,
        )
        self.coef_, self.intercept_ = W[:, 0], float(b[0])
        self.n_iter_ = result.nit
        self.converged_ = bool(result.success)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.exp(np.asarray(X, dtype=np.float64) @ self.coef_ + self.intercept_)


# -- Bayesian linear regression -------------------------------------------------------------------------
class BayesianLinearRegression(RegressorMixin, BaseEstimator):
    """Bayesian linear regression: Gaussian noise of precision ``beta`` and a Gaussian prior on the
    weights of precision ``regularization_weight * beta`` (the intercept has a flat prior).

    The regularization weight is the prior-to-noise precision ratio, so the posterior mean is ridge
    regression with ``alpha = regularization_weight`` (as the weight's name suggests), whatever the
    scale of the data. The noise precision maximises the evidence; with the ratio fixed this has the
    closed form ``beta = (n - gamma) / |y - X m|^2``, ``gamma`` being the effective number of weights.
    ``predict`` gives the posterior mean; ``predict_std`` the predictive standard deviation.
    """

    def __init__(self, regularization_weight: float = 1.0) -> None:
        self.regularization_weight = regularization_weight

    def fit(self, X: np.ndarray, y: np.ndarray) -> BayesianLinearRegression:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.x_mean_, self.y_mean_ = X.mean(axis=0), y.mean()
        Xc, yc = X - self.x_mean_, y - self.y_mean_
        eigenvalues, eigenvectors = np.linalg.eigh(Xc.T @ Xc)
        eigenvalues = np.clip(eigenvalues, 0.0, None)
        ratio = self.regularization_weight
        self.coef_ = eigenvectors @ ((eigenvectors.T @ (Xc.T @ yc)) / (eigenvalues + ratio))
        self.intercept_ = float(self.y_mean_ - self.x_mean_ @ self.coef_)
        residual = float(((yc - Xc @ self.coef_) ** 2).sum())
        effective = float((eigenvalues / (eigenvalues + ratio)).sum())
        self.noise_precision_ = max(len(y) - effective, 1.0) / max(residual, 1e-12)
        # Posterior covariance of the weights: (beta * (X'X + ratio * I))^-1.
        self.posterior_covariance_ = (
            eigenvectors / (self.noise_precision_ * (eigenvalues + ratio))
        ) @ eigenvectors.T
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, dtype=np.float64) @ self.coef_ + self.intercept_

    def predict_std(self, X: np.ndarray) -> np.ndarray:
        Xc = np.asarray(X, dtype=np.float64) - self.x_mean_
        spread = np.einsum("ij,jk,ik->i", Xc, self.posterior_covariance_, Xc)
        return np.sqrt(1.0 / self.noise_precision_ + spread)


# -- neural networks with the reference's initial-weights diameter ---------------------------------------
def _uniform_init(estimator: Any, fan_in: int, fan_out: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    half = estimator.init_diameter / 2.0
    coef = estimator._random_state.uniform(-half, half, (fan_in, fan_out)).astype(dtype, copy=False)
    intercept = estimator._random_state.uniform(-half, half, fan_out).astype(dtype, copy=False)
    return coef, intercept


class _DiameterInit:
    """Initial weights drawn uniformly from [-diameter/2, diameter/2] for scikit-learn's MLPs.

    With ``init_diameter=None`` the estimator is exactly scikit-learn's (Glorot initialisation).
    Mini-batches of 32 rows by default: scikit-learn's 200 gives a small dataset one update per pass,
    so 100 passes of the iris data barely train (measured: 68% accuracy against 97% with 32). The
    explicit signature is what scikit-learn's get_params reads.
    """

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        *,
        init_diameter: float | None = 0.1,
        solver: str = "sgd",
        learning_rate: str = "adaptive",
        learning_rate_init: float = 0.1,
        momentum: float = 0.0,
        nesterovs_momentum: bool = False,
        max_iter: int = 100,
        batch_size: int | str = 32,
        shuffle: bool = True,
        random_state: int | None = None,
    ) -> None:
        super().__init__(  # type: ignore[call-arg]
            hidden_layer_sizes=hidden_layer_sizes,
            batch_size=batch_size,
            solver=solver,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
        )
        self.init_diameter = init_diameter

    def _init_coef(self, fan_in: int, fan_out: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
        if self.init_diameter is None:
            return super()._init_coef(fan_in, fan_out, dtype)  # type: ignore[misc]
        return _uniform_init(self, fan_in, fan_out, dtype)


class DiameterInitMLPClassifier(_DiameterInit, MLPClassifier):
    """scikit-learn's MLP classifier with the designer's initial weights and mini-batches."""


class DiameterInitMLPRegressor(_DiameterInit, MLPRegressor):
    """scikit-learn's MLP regressor with the designer's initial weights and mini-batches."""


class BinningNormalizer(TransformerMixin, BaseEstimator):
    """Maps each column to [0, 1] by its quantile bin: value -> (bin index) / (number of bins - 1)."""

    def __init__(self, max_bins: int = 1024) -> None:
        self.max_bins = max_bins

    def fit(self, X: np.ndarray, y: Any = None) -> BinningNormalizer:
        X = np.asarray(X, dtype=np.float64)
        levels = np.linspace(0.0, 1.0, self.max_bins + 1)[1:-1]
        self.edges_ = [np.unique(np.quantile(X[:, j], levels)) for j in range(X.shape[1])]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        out = np.zeros_like(X)
        for j, edges in enumerate(self.edges_):
            if len(edges):
                out[:, j] = np.searchsorted(edges, X[:, j], side="right") / len(edges)
        return out


# -- quantile regression forest -------------------------------------------------------------------------
class QuantileRegressionForest(RegressorMixin, BaseEstimator):
    """A quantile regression forest (Meinshausen 2006), with the reference's fast-forest knobs.

    Each tree is grown on ``bagging_fraction`` of the rows (drawn without replacement) and
    ``feature_fraction`` of the features, considering ``split_fraction`` of those at each split. Every
    leaf keeps up to ``quantile_sample_count`` of its training labels. A prediction pools the labels of
    the leaves a row reaches, each tree weighing 1 in total (so each kept label weighs 1 / its leaf's
    count), and reads the requested quantiles off that weighted distribution (the smallest label whose
    cumulative weight reaches q).
    """

    def __init__(
        self,
        n_trees: int = 100,
        n_leaves: int = 20,
        min_leaf_instances: int = 10,
        bagging_fraction: float = 0.7,
        feature_fraction: float = 0.7,
        split_fraction: float = 0.7,
        quantile_sample_count: int = 100,
        random_state: int | None = None,
    ) -> None:
        self.n_trees = n_trees
        self.n_leaves = n_leaves
        self.min_leaf_instances = min_leaf_instances
        self.bagging_fraction = bagging_fraction
        self.feature_fraction = feature_fraction
        self.split_fraction = split_fraction
        self.quantile_sample_count = quantile_sample_count
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> QuantileRegressionForest:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        rng = np.random.default_rng(self.random_state)
        n_rows, n_features = X.shape
        n_bag = max(1, round(self.bagging_fraction * n_rows))
        n_tree_features = max(1, round(self.feature_fraction * n_features))
        self.features_: list[np.ndarray] = []
        self.trees_: list[DecisionTreeRegressor] = []
        self.leaf_labels_: list[np.ndarray] = []
        self.leaf_weights_: list[np.ndarray] = []
        for _ in range(self.n_trees):
            rows = np.sort(rng.choice(n_rows, size=n_bag, replace=False))
            features = np.sort(rng.choice(n_features, size=n_tree_features, replace=False))
            tree = DecisionTreeRegressor(
                max_leaf_nodes=self.n_leaves,
                min_samples_leaf=self.min_leaf_instances,
                max_features=self.split_fraction,
                random_state=int(rng.integers(2**31 - 1)),
            ).fit(X[np.ix_(rows, features)], y[rows])
            labels, weights = self._leaf_samples(tree, tree.apply(X[np.ix_(rows, features)]), y[rows], rng)
            self.features_.append(features)
            self.trees_.append(tree)
            self.leaf_labels_.append(labels)
            self.leaf_weights_.append(weights)
        return self

    def _leaf_samples(
        self, tree: DecisionTreeRegressor, leaves: np.ndarray, y: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per node: up to ``quantile_sample_count`` labels (NaN-padded) and each one's weight."""
        # Only as wide as the fullest leaf: the padding would otherwise dominate scoring time.
        size = min(self.quantile_sample_count, int(np.bincount(leaves).max()))
        labels = np.full((tree.tree_.node_count, size), np.nan)
        weights = np.zeros((tree.tree_.node_count, size))
        for leaf in np.unique(leaves):
            values = y[leaves == leaf]
            if len(values) > size:
                values = rng.choice(values, size=size, replace=False)
            labels[leaf, : len(values)] = values
            weights[leaf, : len(values)] = 1.0 / len(values)
        return labels, weights

    def predict_quantiles(self, X: np.ndarray, quantiles: list[float]) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        pooled_labels = []
        pooled_weights = []
        for features, tree, labels, weights in zip(
            self.features_, self.trees_, self.leaf_labels_, self.leaf_weights_, strict=True
        ):
            leaves = tree.apply(X[:, features])
            pooled_labels.append(labels[leaves])
            pooled_weights.append(weights[leaves])
        values = np.concatenate(pooled_labels, axis=1)
        weights = np.concatenate(pooled_weights, axis=1) / len(self.trees_)
        # Padding (NaN, weight 0) sorts last; the order among equal labels does not change a quantile.
        order = np.argsort(np.where(np.isnan(values), np.inf, values), axis=1)
        values = np.take_along_axis(values, order, axis=1)
        cumulative = np.cumsum(np.take_along_axis(weights, order, axis=1), axis=1)
        out = np.empty((len(X), len(quantiles)))
        for j, q in enumerate(quantiles):
            # Tolerance for the rounding in the cumulative sum, so q = 0.5 of [1, 2] is 1, not 2.
            position = (cumulative < q - 1e-12).sum(axis=1)
            position = np.minimum(position, values.shape[1] - 1)
            out[:, j] = values[np.arange(len(X)), position]
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_quantiles(X, [0.5])[:, 0]
