"""How Tune Model Hyperparameters picks the settings to try.

- Entire grid: every combination of the learner's sweep lists.
- Random grid: that many combinations of the lists, drawn at random without repeats.
- Random sweep: that many random points in the ranges the lists span: a numeric setting is drawn
  uniformly between its smallest and largest listed value (log-uniformly when they are positive and
  at least ten times apart, e.g. learning rates), whole numbers stay whole; other settings are drawn
  from their list.
- Bayesian sweep: a few random-sweep points first, then each next point is the one, among 512 random
  candidates, with the largest expected improvement under a Gaussian-process model (scikit-learn's
  ``GaussianProcessRegressor`` with a Matern kernel) of the metric over the settings seen so far,
  each setting scaled to [0, 1] (log scale where the random sweep draws log-uniformly).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy.stats import norm
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

from modules.sdk import ModuleError

ENTIRE_GRID = "Entire grid"
RANDOM_SWEEP = "Random sweep"
RANDOM_GRID = "Random grid"
BAYESIAN_SWEEP = "Bayesian sweep"
SWEEP_MODES = (ENTIRE_GRID, RANDOM_SWEEP, RANDOM_GRID, BAYESIAN_SWEEP)
MAX_GRID_RUNS = 10_000
BAYESIAN_CANDIDATES = 512

Point = dict[str, Any]


class Axis:
    """One swept setting: its listed values and, when numeric, the range a random sweep draws from."""

    def __init__(self, name: str, values: list[Any]) -> None:
        self.name = name
        self.values = tuple(values)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)
        self.numeric = numbers and min(self.values) < max(self.values)
        self.whole = all(isinstance(v, int) for v in self.values)
        self.low, self.high = (
            (float(min(self.values)), float(max(self.values))) if self.numeric else (0.0, 0.0)
        )
        self.logarithmic = self.numeric and self.low > 0 and self.high / self.low >= 10

    def draw(self, rng: np.random.Generator) -> Any:
        if not self.numeric:
            return self.values[int(rng.integers(len(self.values)))]
        low, high = self.low, self.high
        if self.logarithmic:
            value = math.exp(rng.uniform(math.log(low), math.log(high)))
        else:
            value = rng.uniform(low, high)
        if self.whole:
            return int(min(max(round(value), low), high))
        return float(f"{value:.6g}")

    def scale(self, value: Any) -> float:
        """The value on [0, 1] (for the Gaussian process)."""
        if not self.numeric:
            return self.values.index(value) / max(len(self.values) - 1, 1)
        low, high = self.low, self.high
        if self.logarithmic:
            return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
        return (float(value) - low) / (high - low)


class Sweep:
    """Proposes the next point to try given the (point, metric) history; None when done."""

    def __init__(self, axes: list[Axis], runs: int, rng: np.random.Generator) -> None:
        self.axes = axes
        self.runs = runs
        self.rng = rng

    def propose(self, history: list[tuple[Point, float | None]]) -> Point | None:
        raise NotImplementedError

    def random_point(self) -> Point:
        return {axis.name: axis.draw(self.rng) for axis in self.axes}


class PlannedSweep(Sweep):
    """A list of points fixed in advance (entire grid, random grid, random sweep)."""

    def __init__(self, points: list[Point]) -> None:
        super().__init__([], len(points), np.random.default_rng(0))
        self.points = points

    def propose(self, history: list[tuple[Point, float | None]]) -> Point | None:
        return self.points[len(history)] if len(history) < len(self.points) else None


def grid_size(axes: list[Axis]) -> int:
    return math.prod(len(axis.values) for axis in axes)


def grid_point(axes: list[Axis], index: int) -> Point:
    """The index-th combination in itertools.product order (the last setting changes fastest)."""
    point: Point = {}
    for axis in reversed(axes):
        index, position = divmod(index, len(axis.values))
        point[axis.name] = axis.values[position]
    return {axis.name: point[axis.name] for axis in axes}


class BayesianSweep(Sweep):
    def propose(self, history: list[tuple[Point, float | None]]) -> Point | None:
        if len(history) >= self.runs:
            return None
        initial = min(self.runs, max(2, self.runs // 3))
        if len(history) < initial or not self.axes:
            return self.random_point()
        X = np.array([self.encode(point) for point, _ in history])
        observed = [value for _, value in history if value is not None]
        worst = min(observed) if observed else 0.0
        y = np.array([worst if value is None else value for _, value in history])
        kernel = ConstantKernel(1.0) * Matern(
            length_scale=np.full(len(self.axes), 0.3), nu=2.5
        ) + WhiteKernel(1e-3)
        model = GaussianProcessRegressor(
            kernel=kernel,
            normalize_y=True,
            n_restarts_optimizer=1,
            random_state=int(self.rng.integers(2**31 - 1)),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kernel-bound notices on tiny histories are expected
            model.fit(X, y)
        seen = {tuple(row) for row in X.round(12)}
        candidates = [self.random_point() for _ in range(BAYESIAN_CANDIDATES)]
        fresh = [c for c in candidates if tuple(np.round(self.encode(c), 12)) not in seen] or candidates
        mean, std = model.predict(np.array([self.encode(c) for c in fresh]), return_std=True)
        improvement = mean - y.max() - 0.01 * (np.std(y) or 1.0)
        z = np.divide(improvement, std, out=np.zeros_like(improvement), where=std > 0)
        expected = improvement * norm.cdf(z) + std * norm.pdf(z)
        return fresh[int(np.argmax(expected))]

    def encode(self, point: Point) -> list[float]:
        return [axis.scale(point[axis.name]) for axis in self.axes]


def make_sweep(mode: str, space: dict[str, list[Any]], runs: int, seed: int) -> Sweep:
    axes = [Axis(name, values) for name, values in space.items()]
    rng = np.random.default_rng(seed)
    if not axes:  # a learner created with Single Parameter: one run with its settings
        return PlannedSweep([{}])
    if mode == ENTIRE_GRID:
        size = grid_size(axes)
        if size > MAX_GRID_RUNS:
            raise ModuleError(
                "sweep_too_large",
                f"The entire grid has {size} combinations, more than {MAX_GRID_RUNS}. Shorten the learner's "
                "range lists, or use Random sweep with a maximum number of runs.",
                parameter="specify_parameter_sweeping_mode",
            )
        return PlannedSweep([grid_point(axes, i) for i in range(size)])
    if mode == RANDOM_GRID:
        size = grid_size(axes)
        picks = rng.choice(size, size=min(runs, size), replace=False)
        return PlannedSweep([grid_point(axes, int(i)) for i in picks])
    if mode == BAYESIAN_SWEEP:
        return BayesianSweep(axes, runs, rng)
    sweep = Sweep(axes, runs, rng)
    return PlannedSweep([sweep.random_point() for _ in range(runs)])
