"""Scoring benchmark: the deployed reference pipeline against the floor, side by side in one run.

1. Train the reference pipeline (breast-cancer sample: Import -> Clean Missing Data -> Normalize -> Split
   -> Train a 100-tree boosted decision tree -> Score -> Evaluate) with the real engine (embedded Redis,
   a Celery worker), then deploy it through the REST API of the real web server (uvicorn + the designer's
   ASGI app) and time "deploy click -> healthy" (the deploy call returns once the parity check passed).
2. One-row requests (``{"inputs": [row]}``) at 8 connections for ROUND_SECONDS against ``/score/<name>``,
   and against the floor: a minimal ASGI app under the same uvicorn calling the same trained model's
   native booster (bench/scoring_floor.py). Rounds alternate (floor, designer, floor, designer ...) so both
   see the same machine; medians are reported.
3. Latency without queueing: the same at 1 connection; and the server-side latency the endpoint's own
   metrics record.

Load comes from ``wrk`` when installed (apt-get install wrk), else from tests/designer/deployments/loadgen.py.
Run with ``python -m bench scoring``; figures go to stdout and bench/results/scoring.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "10"))
CONNECTIONS = 8
TREES = 100
DEPLOYS = 5


def _prepare_environment() -> Path:
    var = Path(tempfile.mkdtemp(prefix="designer-bench-scoring-"))
    os.environ["DESIGNER_VAR_DIR"] = str(var)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    return var


def _wrk(url: str, body: str, headers: dict[str, str], connections: int, seconds: float) -> dict:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    script.write_text("\n".join(lines) + "\n")
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    script.unlink()

    def ms(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "req_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": round(ms(percentiles["50"]), 3),
        "p99_ms": round(ms(percentiles["99"]), 3),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "connection_errors": sum(int(g) for g in errors.groups()) if errors else 0,
    }


def _load(port: int, path: str, body: str, headers: dict[str, str], connections: int, seconds: float) -> dict:
    if shutil.which("wrk"):
        return _wrk(
            f"http://127.0.0.1:{port}{path}",
            body,
            {"Content-Type": "application/json", **headers},
            connections,
            seconds,
        )
    from tests.designer.deployments.loadgen import run_load

    return run_load(
        "127.0.0.1", port, path, body.encode(), headers, connections=connections, seconds=seconds
    ).summary()


def _median(rounds: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in rounds), 3)


def main() -> dict:
    var = _prepare_environment()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import httpx
    from django.contrib.auth import get_user_model

    from designer import embedded
    from designer.artifacts import store
    from designer.celery_app import app
    from designer.graphs.services import create_pipeline
    from designer.runs import engine
    from designer.runs.models import Run, Step
    from designer.workspaces.services import personal_workspace
    from tests import services
    from tests.designer.runs import graphs as g

    env = services.child_env(f"sqlite:///{var / 'designer.sqlite3'}")
    stack = embedded.EmbeddedStack(env=env)
    stack.start_redis()
    worker = stack.start_worker(("cpu",), concurrency=1)
    services.wait_for_worker(app, "cpu", proc=worker)
    port = services.free_port()
    stack.start_web("127.0.0.1", port)
    password = "bench-password-123"
    user = get_user_model().objects.create_user("bench", password=password)
    personal_workspace(user)
    results: dict = {
        "connections": CONNECTIONS,
        "round_seconds": ROUND_SECONDS,
        "rounds": ROUNDS,
        "trees": TREES,
    }
    floor_proc = None
    try:
        graph = g.reference_graph()
        graph["nodes"][4]["params"] = {"number_of_trees_constructed": TREES}
        pipeline = create_pipeline(personal_workspace(user), user, "reference", graph)
        run = engine.submit(pipeline, user)
        while Run.objects.filter(pk=run.pk, status__in=["queued", "running"]).exists():
            time.sleep(0.05)
        run.refresh_from_db()
        assert run.status == "completed", list(
            Step.objects.filter(run=run).values("node_id", "status", "error")
        )

        # 1. Deploy click -> healthy, through the real server.
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=60)
        csrf = client.get("/api/v1/auth/csrf/").json()["csrfToken"]
        login = client.post(
            "/api/v1/auth/login/",
            json={"username": "bench", "password": password},
            headers={"X-CSRFToken": csrf},
        )
        assert login.status_code == 200, login.text
        csrf = client.cookies.get("csrftoken") or csrf
        deploy_times, reply = [], {}
        for _ in range(DEPLOYS):
            started = time.perf_counter()
            response = client.post(
                f"/api/v1/runs/{run.pk}/deploy/", json={"name": "reference"}, headers={"X-CSRFToken": csrf}
            )
            deploy_times.append(time.perf_counter() - started)
            assert response.status_code == 201 and response.json()["status"] == "healthy", response.text
            reply = {**reply, **response.json()}
        key = reply["new_keys"]["primary"]
        results["deploy_to_healthy_s_median"] = round(statistics.median(deploy_times), 3)
        results["deploy_to_healthy_s_max"] = round(max(deploy_times), 3)
        results["parity_rows_compared"] = reply["deployment"]["parity"]["rows_compared"]
        results["fast_path"] = reply["deployment"]["parity"]["fast_path"]["enabled"]

        # 2. The floor: the same model artifact, the same feature columns, the native booster.
        digest = Step.objects.get(run=run, node_id="train").outputs["trained_model"]
        model = store.load_value("trained_model", digest)
        floor_port = services.free_port()
        floor_env = {
            **env,
            "FLOOR_MODEL": str(store.store().path(digest)),
            "FLOOR_COLUMNS": json.dumps(model.feature_columns),
        }
        floor_proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.scoring_floor:app", "--host", "127.0.0.1", "--port", str(floor_port),
             "--no-access-log", "--lifespan", "off"],
            cwd=ROOT, env=floor_env, preexec_fn=embedded._die_with_parent,
        )  # fmt: skip
        embedded.wait_for(
            lambda: services.tcp_reachable("127.0.0.1", floor_port), 30, "floor server", floor_proc
        )
        row = reply["consume"]["example_request"]["inputs"][0]
        body = json.dumps({"inputs": [row]})
        check = client.post("/score/reference", content=body, headers={"Authorization": f"Bearer {key}"})
        assert check.status_code == 200 and check.headers["x-scoring-path"] == "fast", check.text
        auth = {"Authorization": f"Bearer {key}"}
        # Warm both servers up.
        _load(port, "/score/reference", body, auth, CONNECTIONS, 2)
        _load(floor_port, "/", body, {}, CONNECTIONS, 2)
        ours, floor = [], []
        for _ in range(ROUNDS):
            floor.append(_load(floor_port, "/", body, {}, CONNECTIONS, ROUND_SECONDS))
            ours.append(_load(port, "/score/reference", body, auth, CONNECTIONS, ROUND_SECONDS))
        results["load_generator"] = "wrk" if shutil.which("wrk") else "python asyncio"
        results["designer_req_per_s"] = _median(ours, "req_per_s")
        results["designer_p50_ms"] = _median(ours, "p50_ms")
        results["designer_p99_ms"] = _median(ours, "p99_ms")
        results["designer_non_2xx"] = sum(r["non_2xx"] for r in ours)
        results["floor_req_per_s"] = _median(floor, "req_per_s")
        results["floor_p50_ms"] = _median(floor, "p50_ms")
        results["floor_p99_ms"] = _median(floor, "p99_ms")
        results["throughput_ratio_to_floor"] = round(
            results["designer_req_per_s"] / results["floor_req_per_s"], 3
        )

        # 3. Without queueing: one connection; and what the endpoint's own metrics measured inside.
        one = _load(port, "/score/reference", body, auth, 1, ROUND_SECONDS / 2)
        one_floor = _load(floor_port, "/", body, {}, 1, ROUND_SECONDS / 2)
        results["designer_1conn_p50_ms"] = one["p50_ms"]
        results["designer_1conn_p99_ms"] = one["p99_ms"]
        results["floor_1conn_p50_ms"] = one_floor["p50_ms"]
        metrics = client.get("/api/v1/endpoints/reference/metrics/?window=3600&bucket=3600").json()
        totals = metrics["totals"]
        results["server_side_p50_ms"] = totals["p50_ms"]
        results["server_side_p99_ms"] = totals["p99_ms"]
        results["logged_requests"] = totals["requests"]
        results["cpu_count"] = os.cpu_count()
        results["load_average_1min"] = round(os.getloadavg()[0], 2)
        return results
    finally:
        if floor_proc is not None:
            services.stop_process(floor_proc)
        stack.stop()


if __name__ == "__main__":
    figures = main()
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "scoring.json").write_text(json.dumps(figures, indent=2))
    for name, value in figures.items():
        print(f"{name:36s} {value}")
