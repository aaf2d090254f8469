"""Helpers for the registry and run-history tests: a CSV uploaded through the datasets API and small
training pipelines on it, run by the real engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.test import Client

from tests.designer.datasets.conftest import upload_ok
from tests.designer.runs import graphs as g

IMPORT_DATA = "data_input_output.import_data"
BOOSTED_TREE = "classification.two_class_boosted_decision_tree"
FEATURES = ["tenure", "charges", "plan"]
LABEL = "churned"


def churn_csv(rows: int = 240, seed: int = 7) -> str:
    """A small two-class table with signal in every feature (numbers and a text column)."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, rows)
    charges = np.round(rng.normal(70, 20, rows), 2)
    plan = rng.choice(["basic", "plus", "pro"], rows)
    risk = -0.05 * tenure + 0.03 * charges + np.where(plan == "basic", 0.8, 0.0) + rng.normal(0, 0.7, rows)
    churned = np.where(risk > np.median(risk), "yes", "no")
    lines = [",".join([*FEATURES, LABEL])]
    lines += [f"{t},{c},{p},{y}" for t, c, p, y in zip(tenure, charges, plan, churned, strict=True)]
    return "\n".join(lines) + "\n"


def upload_churn(client: Client, name: str = "churn") -> dict[str, Any]:
    """Upload through POST /api/v1/datasets/; returns the dataset body (``version.reference`` pinned)."""
    return upload_ok(client, f"{name}.csv", churn_csv(), name=name)


def training_graph(reference: str, *, trees: int = 10, normalize: bool = False, score: bool = True) -> dict:
    """Import Data (registered) [-> Normalize] -> Split -> Boosted tree -> Train -> Score -> Evaluate."""
    nodes = [
        g.node("import", IMPORT_DATA, data_source="Registered dataset", dataset=reference),
        g.node("split", "data_transformation.split_data", fraction_of_rows_in_the_first_output_dataset=0.7,
               random_seed=42),
        g.node("learner", BOOSTED_TREE, number_of_trees_constructed=trees, minimum_number_of_samples_per_leaf_node=5),
        g.node("train", "model_training.train_model", label_column=LABEL),
    ]  # fmt: skip
    edges = [
        g.edge("learner", "untrained_model", "train", "untrained_model"),
        g.edge("split", "results_dataset1", "train", "dataset"),
    ]
    if normalize:
        nodes.append(
            g.node("normalize", "data_transformation.normalize_data", transformation_method="MinMax",
                   columns_to_transform={"names": ["tenure", "charges"]})
        )  # fmt: skip
        edges += [
            g.edge("import", "results_dataset", "normalize", "dataset"),
            g.edge("normalize", "transformed_dataset", "split", "dataset"),
        ]
    else:
        edges.append(g.edge("import", "results_dataset", "split", "dataset"))
    if score:
        nodes += [
            g.node("score", "model_scoring_evaluation.score_model"),
            g.node("evaluate", "model_scoring_evaluation.evaluate_model"),
        ]
        edges += [
            g.edge("train", "trained_model", "score", "trained_model"),
            g.edge("split", "results_dataset2", "score", "dataset"),
            g.edge("score", "scored_dataset", "evaluate", "scored_dataset"),
        ]
    return g.graph(nodes, edges)


def json_post(client: Client, path: str, body: dict[str, Any]):
    return client.post(path, body, content_type="application/json")


@pytest.fixture
def other_client(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user("outsider", password="an outsider's password"))
    return client
