"""Every template, used the way a beginner uses it: instantiated through the API, submitted, and run to
completion by the real engine (real worker, broker and database). Its key metric must be the value the
template file advertises, equal what a plain library script reaches on the same data (see plain.py),
and beat a trivial baseline."""

from __future__ import annotations

import math
from typing import Any

import pytest

from designer.artifacts import store as artifacts
from designer.templates import services
from modules.sdk import get_module
from tests.designer.conftest import steps_by_node

from . import plain

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TEMPLATES = services.all_templates()


class FinishedRun:
    """A finished run's steps, with its stored outputs loaded on demand (what plain.py may read)."""

    def __init__(self, run: dict[str, Any], graph: dict[str, Any]) -> None:
        self.steps = steps_by_node(run)
        self.modules = {n["id"]: get_module(n["module"]) for n in graph["nodes"]}

    def output(self, node: str, port: str) -> Any:
        port_type = next(p.type for p in self.modules[node].outputs if p.name == port)
        return artifacts.load_value(str(port_type), self.steps[node]["outputs"][port])

    def key_metric(self, key: dict[str, Any]) -> float:
        metrics = self.steps[key["node"]].get("metrics") or {}
        if key["port"] in metrics:
            return float(metrics[key["port"]][key["name"]])
        # A metric computed by a script step lives in a dataset output: its first row.
        return float(self.output(key["node"], key["port"]).df[key["name"]].iloc[0])


def test_every_template_file_is_covered_by_a_plain_script() -> None:
    assert {t.slug for t in TEMPLATES} == set(plain.SCRIPTS)


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.slug for t in TEMPLATES])
def test_template_runs_and_reaches_its_key_metric(template, engine_api, celery_worker) -> None:
    created = engine_api.client.post(
        f"/api/v1/templates/{template.slug}/instantiate/", {}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    run = engine_api.wait(engine_api.submit(created.json()["id"])["id"], timeout=240)
    assert run["status"] == "completed", run
    finished = FinishedRun(run, template.graph)
    assert {s["status"] for s in finished.steps.values()} == {"completed"}, finished.steps

    key = template.key_metric
    reached = finished.key_metric(key)
    # The value printed on the gallery card is the one the engine reaches.
    assert math.isclose(reached, key["value"], rel_tol=1e-9, abs_tol=1e-12), (reached, key["value"])

    expected, baseline = plain.SCRIPTS[template.slug](finished)
    assert math.isclose(reached, expected, rel_tol=1e-9, abs_tol=1e-12), (reached, expected)
    if key["higher_is_better"]:
        assert reached > baseline, (reached, baseline)
    else:
        assert reached < baseline, (reached, baseline)
    _check_extras(template.slug, finished)
    if template.deployable:
        _deploy_and_score(engine_api.client, template.slug, run["id"])


def _deploy_and_score(client: Any, slug: str, run_id: str) -> None:
    """One click deploys the trained run (its parity check passes), and the endpoint scores a row."""
    deployed = client.post(f"/api/v1/runs/{run_id}/deploy/", {"name": slug}, content_type="application/json")
    assert deployed.status_code == 201, deployed.content
    body = deployed.json()
    assert body["deployment"]["status"] == "healthy", body["deployment"]
    example = body["consume"]["example_request"]
    scored = client.post(f"/api/v1/endpoints/{slug}/score/", example, content_type="application/json")
    assert scored.status_code == 200, scored.content
    predictions = scored.json()["predictions"]
    assert len(predictions) == len(example["inputs"]) >= 1


def _check_extras(slug: str, run: Any) -> None:
    """What else each template shows, against the same plain script."""
    if slug == "regression-model-comparison":
        evaluation = run.output("evaluate", "evaluation_results")
        assert evaluation.compared is not None
        forest = evaluation.compared.metrics["Root_Mean_Squared_Error"]
        assert math.isclose(forest, run.compared, rel_tol=1e-9)
    elif slug == "binary-feature-selection":
        kept = run.output("select_features", "filtered_dataset").df
        assert list(kept.columns) == ["diagnosis", *run.selected]
    elif slug == "binary-cost-sensitive":
        summary = run.output("cost", "result_dataset2").df.iloc[0]
        assert summary["Total cost (threshold 0.5)"] == run.default_cost
        assert summary["Total cost (cost-aware)"] <= summary["Total cost (threshold 0.5)"]
        assert summary["Cost-aware threshold"] == pytest.approx(1 / 6)
    elif slug == "binary-imbalanced-smote":
        thresholds = run.output("evaluate", "evaluation_results").charts
        assert any("threshold" in name for name in thresholds), sorted(thresholds)
    elif slug == "permutation-feature-importance-cars":
        table = run.output("importance", "feature_importance").df
        stored = dict(zip(table["Feature"], table["Score"], strict=True))
        assert stored.keys() == run.importances.keys()
        for feature, value in run.importances.items():
            assert math.isclose(stored[feature], value, rel_tol=1e-9, abs_tol=1e-12), feature
        assert table["Feature"].iloc[0] in ("Weight_in_lbs", "Year", "Displacement", "Horsepower")
    elif slug == "text-classification-definitions":
        scored = run.output("score", "scored_dataset").df
        assert (scored["Scored Labels"].to_numpy() == run.plain_predictions).all()
    elif slug == "tune-hyperparameters-penguins":
        sweep = run.output("tune", "sweep_results").df
        assert len(sweep) == 8
