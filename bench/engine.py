"""Run-engine benchmarks, each measured side by side in one run (the machines are noisy).

1. Engine overhead per step: a 10-node chain of a trivial module, median milliseconds per step spent
   outside the module (queueing, claiming, loading inputs, storing outputs, events).
2. The reference pipeline (Import -> Clean Missing Data -> Normalize -> Split -> Train boosted tree ->
   Score -> Evaluate) on a 100k x 20 table, end to end through the engine, against the same module code
   chained directly in one process; the ratio of the two.
3. Resubmitting that pipeline unchanged: time from submit until every node is green (all cached).

The table is real data: the breast-cancer sample's rows drawn with replacement to 100,000 rows, with
its label and 19 feature columns, read through Import Data's SQL source from an SQLite file.
Run with `make bench` (or `python -m bench`); figures go to stdout and bench/results/engine.json.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000
FEATURES = 19


def _prepare_environment() -> Path:
    var = Path(tempfile.mkdtemp(prefix="designer-bench-"))
    os.environ["DESIGNER_VAR_DIR"] = str(var)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["DESIGNER_SQLITE_IMPORT_DIRS"] = str(var)
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    return var


def _table_file(var: Path) -> Path:
    from modules.data_io.samples import load_sample

    source = load_sample("breast-cancer").df
    label = "diagnosis"
    features = [c for c in source.columns if c != label][:FEATURES]
    table = source[[*features, label]].sample(n=ROWS, replace=True, random_state=0).reset_index(drop=True)
    path = var / "bench.sqlite3"
    with sqlite3.connect(path) as connection:
        table.to_sql("cells", connection, index=False)
    return path


def _graphs(table_path: Path) -> tuple[dict, dict]:
    from tests.designer.runs import graphs as g

    chain_nodes = [g.node("n0", "data_input_output.enter_data_manually", data=g.TINY_CSV)]
    chain_edges = []
    for i in range(1, 10):
        chain_nodes.append(
            g.node(f"n{i}", "data_transformation.select_columns_in_dataset", select_columns=["x", "y"])
        )
        chain_edges.append(
            g.edge(f"n{i - 1}", "dataset" if i == 1 else "results_dataset", f"n{i}", "dataset")
        )
    chain = g.graph(chain_nodes, chain_edges)

    reference = g.reference_graph()
    reference["nodes"][0]["params"] = {
        "data_source": "SQL database",
        "database_url": f"sqlite:///{table_path}",
        "sql_query": "SELECT * FROM cells",
    }
    reference["nodes"][4]["params"] = {"number_of_trees_constructed": 100}
    return chain, reference


def _direct(graph: dict) -> float:
    """The same modules chained in this process: the floor the engine is compared with."""
    from designer.graphs.validation import nodes_by_id, topological_order
    from designer.runs.engine import module_services
    from modules.sdk import RunContext, get_module

    started = time.perf_counter()
    nodes = nodes_by_id(graph)
    outputs: dict = {}
    for node_id in topological_order(list(nodes), graph["edges"]):
        node = nodes[node_id]
        module = get_module(node["module"])
        inputs = {
            e["target_port"]: outputs[(e["source"], e["source_port"])]
            for e in graph["edges"]
            if e["target"] == node_id
        }
        result = module.execute(RunContext(seed=0, services=module_services()), node["params"], **inputs)
        outputs.update({(node_id, port): value for port, value in result.items()})
    return time.perf_counter() - started


def main() -> dict:
    var = _prepare_environment()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from designer import embedded
    from designer.celery_app import app
    from designer.graphs.services import create_pipeline
    from designer.runs import engine
    from designer.runs.models import Run, Step
    from designer.workspaces.services import personal_workspace
    from tests import services

    env = services.child_env(f"sqlite:///{var / 'designer.sqlite3'}", DESIGNER_SQLITE_IMPORT_DIRS=str(var))
    stack = embedded.EmbeddedStack(env=env)
    stack.start_redis()
    worker = stack.start_worker(("cpu",), concurrency=2)
    services.wait_for_worker(app, "cpu", proc=worker)
    user = get_user_model().objects.create_user("bench", password="bench-password-123")
    workspace = personal_workspace(user)

    def run_to_end(pipeline, **options) -> tuple[float, Run]:
        started = time.perf_counter()
        run = engine.submit(pipeline, user, **options)
        while Run.objects.filter(pk=run.pk, status__in=["queued", "running"]).exists():
            time.sleep(0.005)
        return time.perf_counter() - started, Run.objects.get(pk=run.pk)

    try:
        chain, reference = _graphs(_table_file(var))
        results: dict = {}

        # 1. Overhead per step: wall time between consecutive steps' ends, minus the module's own time.
        pipeline = create_pipeline(workspace, user, "chain", chain)
        all_nodes = [n["id"] for n in chain["nodes"]]
        run_to_end(pipeline, regenerate=all_nodes)  # warm the pool processes
        overheads = []
        for _ in range(5):
            _, run = run_to_end(pipeline, regenerate=all_nodes)
            steps = list(Step.objects.filter(run=run).order_by("finished_at"))
            for previous, step in zip(steps, steps[1:], strict=False):
                gap_ms = (step.finished_at - previous.finished_at).total_seconds() * 1000
                overheads.append(gap_ms - (step.duration_ms or 0))
        results["overhead_ms_per_step_median"] = round(statistics.median(overheads), 2)

        # 2. Reference pipeline end to end vs. direct, interleaved so both see the same machine.
        pipeline = create_pipeline(workspace, user, "reference", reference)
        every = [n["id"] for n in reference["nodes"]]
        engine_times, direct_times = [], []
        for _ in range(3):
            elapsed, run = run_to_end(pipeline, regenerate=every)
            assert run.status == "completed", Step.objects.filter(run=run).values(
                "node_id", "status", "error"
            )
            engine_times.append(elapsed)
            direct_times.append(_direct(reference))
        results["reference_engine_s_median"] = round(statistics.median(engine_times), 3)
        results["reference_direct_s_median"] = round(statistics.median(direct_times), 3)
        results["reference_ratio"] = round(
            results["reference_engine_s_median"] / results["reference_direct_s_median"], 3
        )

        # 3. Unchanged resubmission: every node green from the cache.
        cached = []
        for _ in range(5):
            elapsed, run = run_to_end(pipeline)
            assert set(Step.objects.filter(run=run).values_list("status", flat=True)) == {"cached"}
            cached.append(elapsed * 1000)
        results["resubmit_all_cached_ms_median"] = round(statistics.median(cached), 1)
        return results
    finally:
        stack.stop()


if __name__ == "__main__":
    figures = main()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "engine.json").write_text(json.dumps(figures, indent=2))
    for key, value in figures.items():
        print(f"{key:40s} {value}")
