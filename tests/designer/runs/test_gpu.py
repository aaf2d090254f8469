"""Routing to the gpu queue, and a bounded wait when no gpu worker runs."""

from __future__ import annotations

import shutil
import uuid

import pytest

from designer.celery_app import app
from designer.runs.models import Step
from tests import services
from tests.designer.conftest import steps_by_node
from tests.designer.runs import graphs as g

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _gpu_graph(compute: str) -> dict:
    graph = g.graph(
        [
            g.node("data", "data_input_output.enter_data_manually", data=g.TINY_CSV),
            g.node(
                "script",
                "python_language.execute_python_script",
                python_script=g.script("return dataframe1,"),
            ),
        ],
        [g.edge("data", "dataset", "script", "dataset1")],
    )
    graph["nodes"][1]["compute"] = compute
    return graph


def test_gpu_step_without_gpu_worker_fails_with_a_reason(engine_api, celery_worker) -> None:
    run = engine_api.wait(engine_api.submit(engine_api.create_pipeline(_gpu_graph("gpu")))["id"], timeout=60)
    step = steps_by_node(run)["script"]
    assert run["status"] == "failed"
    assert step["queue"] == "gpu" and step["error"]["code"] == "no_gpu_worker"
    assert "no worker serves the gpu queue" in step["error"]["message"]


def test_gpu_capable_module_on_auto_stays_on_cpu_without_gpu_worker(engine_api, celery_worker) -> None:
    graph = g.graph([g.node("learner", "classification.two_class_xgboost")], [])
    run = engine_api.wait(engine_api.submit(engine_api.create_pipeline(graph))["id"])
    assert run["status"] == "completed" and steps_by_node(run)["learner"]["queue"] == "cpu"


def test_gpu_step_runs_on_the_gpu_queue_worker(engine_api, celery_worker, child_env, worker_log_dir) -> None:
    name = f"gpu-{uuid.uuid4().hex[:6]}"
    worker = services.start_worker(
        child_env, ("gpu",), concurrency=1, name=name, log_path=worker_log_dir / f"{name}.log"
    )
    try:
        services.wait_for_worker(app, name, proc=worker)
        run = engine_api.wait(engine_api.submit(engine_api.create_pipeline(_gpu_graph("gpu")))["id"])
        assert run["status"] == "completed", run
        assert Step.objects.get(run_id=run["id"], node_id="script").worker.startswith(name)
        assert Step.objects.get(run_id=run["id"], node_id="data").worker.startswith("session-")
    finally:
        services.stop_process(worker)


@pytest.mark.skipif(
    shutil.which("nvidia-smi") is None, reason="no NVIDIA GPU on this machine (CI never has one)"
)
def test_xgboost_trains_on_cuda() -> None:
    from modules.sdk import RunContext, get_module
    from tests.modules import data

    learner = get_module("classification.two_class_xgboost").execute(RunContext(device="cuda"), {})[
        "untrained_model"
    ]
    train = get_module("model_training.train_model")
    table = data.breast_cancer()
    trained = train.execute(
        RunContext(device="cuda"), {"label_column": "diagnosis"}, untrained_model=learner, dataset=table
    )
    assert trained["trained_model"] is not None
