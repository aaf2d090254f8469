"""The inference plan: the fast path (arrays) gives exactly the general path's (modules') replies, on the
training rows and on rows made to be awkward; where it cannot, it hands over and the general path answers
(or fails with the module's own error)."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from designer.deployments.formats import RowValidator
from designer.deployments.parity import replies_equal, source_records
from designer.deployments.plan import Batch
from modules.sdk import ModuleError

from . import graphs as g
from .conftest import Deployed, cached

CASES = {
    "reference": g.reference_graph,
    "penguins_boosted": g.penguins,
    "penguins_logistic": lambda: g.penguins("classification.multiclass_logistic_regression", "ZScore"),
    "penguins_tanh": lambda: g.penguins("classification.multiclass_neural_network", "Tanh"),
    "regression": g.regression,
    "numeric_label": g.numeric_label_normalized,
    "feature_selection": g.feature_selection,
    "selected_columns": lambda: g.selected_columns(["mean radius", "worst area", "diagnosis"]),
}
NUMBERS = [0.0, -0.0, 1e300, -1e300, 5e-324, 1e-12, -3.5, 12345.678]
TEXTS = ["Atlantis", "", "MALE", "Biscoe "]


def awkward_rows(dep: Deployed, n: int, seed: int) -> list[dict[str, Any]]:
    """Training rows with values replaced at random: missing, extreme, unseen categories."""
    rng = random.Random(seed)
    spec = dep.plan.inputs[0]
    rows = source_records(dep.source, [c for c, _ in spec.columns])
    out = []
    for _ in range(n):
        row = dict(rng.choice(rows))
        for column, kind in spec.columns:
            draw = rng.random()
            if draw < 0.1:
                row[column] = None
            elif draw < 0.15:
                if kind == "double":
                    row[column] = rng.choice(NUMBERS)
                elif kind == "integer":
                    row[column] = rng.choice([0, -7, 2**40, 2**60])
                else:
                    row[column] = rng.choice(TEXTS)
        out.append(row)
    return out


def outcome(fn: Any) -> Any:
    try:
        return fn()
    except ModuleError as exc:
        return ("error", exc.code, exc.message)


def assert_same(dep: Deployed, batch: Batch) -> bool:
    """plan.score (fast where it can) against the general path alone; True when the fast path answered."""
    name = dep.plan.inputs[0].name
    general = outcome(lambda: dep.plan.run_general({name: batch})[0])
    served = outcome(lambda: dep.plan.score({name: batch}))
    if isinstance(general, tuple):
        assert served == general
        return False
    replies, fast = served
    same, detail = replies_equal(general, replies)
    assert same, detail
    return fast


@pytest.mark.parametrize("case", sorted(CASES))
def test_fast_path_equals_general_path_on_training_and_awkward_rows(case: str) -> None:
    dep = cached(case, CASES[case])
    assert dep.parity["ok"], dep.parity
    assert dep.plan.fast is not None, dep.plan.fast_note
    spec = dep.plan.inputs[0]
    validate = RowValidator(spec.name, spec.columns)
    training = source_records(dep.source, [c for c, _ in spec.columns])
    assert assert_same(dep, validate(training)), "the training rows should take the fast path"
    for i in range(0, min(len(training), 40), 7):
        assert assert_same(dep, validate(training[i : i + 1]))
    rows = awkward_rows(dep, 150, seed=len(case))
    assert_same(dep, validate(rows))
    answered_fast = [assert_same(dep, validate([row])) for row in rows[:60]]
    assert any(answered_fast)


def test_missing_values_a_learner_refuses_get_the_learners_own_error() -> None:
    dep = cached("without_cleaning", g.without_cleaning)
    assert dep.plan.fast is not None and dep.parity["ok"], dep.parity
    spec = dep.plan.inputs[0]
    row = source_records(dep.source, [c for c, _ in spec.columns])[0]
    batch = RowValidator(spec.name, spec.columns)([{**row, "mean radius": None}])
    with pytest.raises(ModuleError) as served:
        dep.plan.score({spec.name: batch})
    with pytest.raises(ModuleError) as general:
        dep.plan.run_general({spec.name: batch})
    assert served.value.code == general.value.code == "missing_values"
    assert served.value.column == "mean radius"


def test_large_integers_and_missing_integers_take_the_general_path(penguins) -> None:
    spec = penguins.plan.inputs[0]
    row = source_records(penguins.source, [c for c, _ in spec.columns])[0]
    validate = RowValidator(spec.name, spec.columns)
    for year in (None, 2**60):
        replies, fast = penguins.plan.score({spec.name: validate([{**row, "year": year}])})
        assert not fast
        general, _ = penguins.plan.run_general({spec.name: validate([{**row, "year": year}])})
        assert replies_equal(general, replies)[0]


def test_replies_carry_scores_and_the_transformed_columns(reference) -> None:
    spec = reference.plan.inputs[0]
    rows = source_records(reference.source, [c for c, _ in spec.columns])[:3]
    replies, fast = reference.plan.score({spec.name: RowValidator(spec.name, spec.columns)(rows)})
    reply = replies["WebServiceOutput0"]
    assert fast and reply.rows == 3
    assert reply.scores == ["Scored Labels", "Scored Probabilities"]
    assert reply.columns[-2:] == reply.scores and "diagnosis" not in reply.columns
    assert set(reply.values("Scored Labels")) <= {"benign", "malignant"}
    assert all(0.0 <= p <= 1.0 and not math.isnan(p) for p in reply.values("Scored Probabilities"))
