"""Run history through the real engine: comparing two pipelines that differ by one parameter and one
node, sorting the runs list by a metric, and the best run of an experiment."""

from __future__ import annotations

import pytest

from tests.designer.conftest import steps_by_node

from .conftest import training_graph, upload_churn

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_compare_sort_by_metric_and_best_run(api, engine_api, other_client, celery_worker) -> None:
    reference = upload_churn(api)["version"]["reference"]
    first = engine_api.create_pipeline(training_graph(reference, trees=5), name="churn A")
    second = engine_api.create_pipeline(training_graph(reference, trees=40, normalize=True), name="churn B")
    a = engine_api.wait(engine_api.submit(first, experiment="churn", tags=["baseline"])["id"])
    b = engine_api.wait(engine_api.submit(second, experiment="churn", tags=["candidate"])["id"])
    assert a["status"] == b["status"] == "completed", (a, b)
    auc = {
        run["id"]: steps_by_node(run)["evaluate"]["metrics"]["evaluation_results"]["AUC"] for run in (a, b)
    }
    assert auc[a["id"]] != auc[b["id"]]

    # -- compare: the URL is the shareable link -------------------------------------------------------
    url = f"/api/v1/runs/compare/?ids={a['id']},{b['id']}"
    response = api.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["link"].endswith(url) and body["base"] == a["id"]
    assert [r["id"] for r in body["runs"]] == [a["id"], b["id"]]
    assert [r["pipeline_name"] for r in body["runs"]] == ["churn A", "churn B"]
    (diff,) = body["diffs"]
    assert (diff["a"], diff["b"], diff["identical"]) == (a["id"], b["id"], False)
    assert diff["nodes_only_in_a"] == []
    assert diff["nodes_only_in_b"] == [
        {"node": "normalize", "module": "data_transformation.normalize_data", "title": "Normalize Data"}
    ]
    assert diff["module_changed"] == []
    assert diff["parameters_changed"] == [
        {
            "node": "learner",
            "module": "classification.two_class_boosted_decision_tree",
            "title": diff["parameters_changed"][0]["title"],
            "changes": [{"parameter": "number_of_trees_constructed", "a": 5, "b": 40}],
        }
    ]
    assert {
        "source": "import",
        "source_port": "results_dataset",
        "target": "split",
        "target_port": "dataset",
    } in (diff["edges_only_in_a"])
    assert len(diff["edges_only_in_b"]) == 2
    (metrics,) = body["metrics"]
    assert (metrics["node"], metrics["port"]) == ("evaluate", "evaluation_results")
    assert metrics["values"]["AUC"] == [auc[a["id"]], auc[b["id"]]]
    assert set(metrics["values"]) >= {"Accuracy", "Precision", "Recall", "F1_Score", "Log_Loss"}
    (curves,) = body["curves"]
    for run, chart in zip((a, b), curves["runs"], strict=True):
        assert chart["run"] == run["id"] and chart["kind"] == "binary"
        roc = chart["charts"]["roc_curve"]
        assert len(roc["false_positive_rate"]) == len(roc["true_positive_rate"]) > 2
        assert "precision_recall_curve" in chart["charts"]
    durations = body["durations"]
    assert [d["run"] for d in durations["runs"]] == [a["id"], b["id"]]
    assert all(d["seconds"] is not None and d["seconds"] >= 0 for d in durations["runs"])
    by_node = {row["node"]: row for row in durations["steps"]}
    assert by_node["normalize"]["duration_ms"][0] is None and by_node["normalize"]["status"][1] == "completed"
    assert all(ms is not None for ms in by_node["train"]["duration_ms"])
    # Somebody else sees neither run, and learns nothing from the answer.
    hidden = other_client.get(url)
    assert hidden.status_code == 404 and a["id"] not in hidden.content.decode()

    # -- the runs list sorted by a metric ---------------------------------------------------------------
    best_first = sorted(auc, key=auc.__getitem__, reverse=True)
    listed = api.get("/api/v1/runs/?experiment=churn&ordering=-metric:AUC").json()
    assert [r["id"] for r in listed] == best_first
    assert [r["metric"]["value"] for r in listed] == [auc[i] for i in best_first]
    assert {r["metric"]["node"] for r in listed} == {"evaluate"}
    ascending = api.get("/api/v1/runs/?experiment=churn&ordering=metric:AUC@evaluate").json()
    assert [r["id"] for r in ascending] == best_first[::-1]
    assert [r["id"] for r in api.get("/api/v1/runs/?tag=candidate").json()] == [b["id"]]
    assert [r["id"] for r in api.get("/api/v1/runs/?ordering=created").json()] == [a["id"], b["id"]]
    page = api.get("/api/v1/runs/?ordering=-metric:AUC&limit=1&offset=1").json()
    assert page["count"] == 2 and [r["id"] for r in page["results"]] == [best_first[1]]
    assert page["previous"] and page["next"] is None

    # -- best run of the experiment ---------------------------------------------------------------------
    experiment = api.get("/api/v1/experiments/").json()[0]
    assert experiment["name"] == "churn"
    best = api.get(f"/api/v1/experiments/{experiment['id']}/best/?metric=AUC").json()
    assert best["goal"] == "max" and best["runs_with_metric"] == 2
    assert best["run"]["id"] == best_first[0] and best["run"]["metric"]["value"] == max(auc.values())
    worst = api.get(f"/api/v1/experiments/{experiment['id']}/best/?metric=AUC&goal=min").json()
    assert worst["run"]["id"] == best_first[1]
    log_loss = api.get(f"/api/v1/experiments/{experiment['id']}/best/?metric=Log_Loss").json()
    assert log_loss["goal"] == "min"  # an error or a loss is minimised unless told otherwise
    assert other_client.get(f"/api/v1/experiments/{experiment['id']}/best/?metric=AUC").status_code == 404
