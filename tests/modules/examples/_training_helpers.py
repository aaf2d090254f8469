"""Small builders for learner, model and scored-data example inputs (shared by the learner examples and
the training / scoring / evaluation examples)."""

from __future__ import annotations

from typing import Any

from modules.sdk import DataTable, Learner, RunContext, TrainedModel, get_module


def learner(key: str, **params: Any) -> Learner:
    return get_module(key).execute(RunContext(seed=1), params)["untrained_model"]


def trained(key: str, table: DataTable, label: str, **params: Any) -> TrainedModel:
    return learner(key, **params).fit(RunContext(seed=1), table, label)


def scored(key: str, table: DataTable, label: str, **params: Any) -> DataTable:
    model = trained(key, table, label, **params)
    return get_module("model_scoring_evaluation.score_model").execute(
        RunContext(), {}, trained_model=model, dataset=table
    )["scored_dataset"]


def small_boosted_tree() -> dict[str, Any]:
    """Few, small trees: examples stay fast."""
    return {"number_of_trees_constructed": 5, "maximum_number_of_leaves_per_tree": 4}


def features_and_codes(table: DataTable, label: str) -> tuple[Any, Any, list[Any]]:
    """What a library sees when called directly on an all-numeric table: the feature matrix in column
    order, the label as codes 0..k-1 of the sorted classes, and the classes."""
    import numpy as np

    df = table.df
    X = df.drop(columns=[label]).to_numpy(dtype=np.float64)
    classes = sorted(df[label].unique().tolist())
    codes = np.array([classes.index(v) for v in df[label]])
    return X, codes, classes


def run(key: str, params: dict[str, Any] | None = None, seed: int = 0, **inputs: Any) -> dict[str, Any]:
    return get_module(key).execute(RunContext(seed=seed), params or {}, **inputs)
