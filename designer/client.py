"""A small Python client for the designer's REST API: the SDK experience without a cloud account.

    from designer.client import Client

    with Client("http://localhost:8000", token="dsn_...") as designer:
        data = designer.upload_dataset("penguins.csv", name="penguins")
        pipeline = designer.instantiate_template("multiclass-penguins", name="My penguins")
        designer.set_params(pipeline["id"], "data", data_source="Registered dataset", dataset=data["id"])
        run = designer.submit_and_wait(pipeline["id"], on_progress=print)
        print(designer.metrics(run["id"])["evaluate"]["evaluation_results"]["Overall_Accuracy"])
        endpoint = designer.deploy(run["id"], "penguins")
        print(designer.score("penguins", [{"island": "Biscoe", ...}], key=endpoint["new_keys"]["primary"]))

Every call returns the API's JSON (plain dicts and lists). A refused call raises ``DesignerError`` with
the API's error code, message and the field or node it concerns. Needs ``httpx``; imports nothing of
the server, so it runs anywhere Python does. docs/client.md has the whole walk-through.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

try:
    import httpx
except ImportError:  # pragma: no cover - the server's install has it; a bare client install may not
    httpx = None  # type: ignore[assignment]

TERMINAL_RUN_STATUSES = ("completed", "failed", "cancelled")
TERMINAL_STEP_STATUSES = ("completed", "cached", "failed", "cancelled", "skipped")


class DesignerError(Exception):
    """The API refused a request: ``status`` (HTTP), ``code`` (stable), ``message``, ``field``/``node``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        node: str | None = None,
        details: Any = None,
        retry_after: float | None = None,
    ) -> None:
        where = f" [{field or node}]" if field or node else ""
        super().__init__(f"{status} {code}{where}: {message}")
        self.status, self.code, self.message = status, code, message
        self.field, self.node, self.details, self.retry_after = field, node, details, retry_after


class RunFailed(DesignerError):
    """``wait`` found the run failed or cancelled; ``run`` holds it, with each step's error."""

    def __init__(self, run: dict[str, Any]) -> None:
        failed = [s for s in run.get("steps", []) if s.get("status") == "failed"]
        first = failed[0] if failed else {}
        reason = (first.get("error") or {}).get("message") or run.get("error") or run["status"]
        super().__init__(200, f"run_{run['status']}", str(reason), node=first.get("node"))
        self.run = run


def progress_line(run: dict[str, Any]) -> str:
    """``"running: 3/7 steps done"``: what ``wait(on_progress=print)`` prints."""
    steps = run.get("steps") or []
    done = sum(s.get("status") in TERMINAL_STEP_STATUSES for s in steps)
    return f"{run['status']}: {done}/{len(steps)} steps done"


class Client:
    """``Client(url, token)``: ``url`` is the server's address, ``token`` a personal API token
    (``POST /api/v1/tokens/`` or the web app's Tokens page; default: $DESIGNER_TOKEN)."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        transport: Any = None,
    ) -> None:
        if httpx is None:
            raise ImportError("designer.client needs httpx: pip install httpx")
        self.url = (url or os.environ.get("DESIGNER_URL") or "http://localhost:8000").rstrip("/")
        token = token or os.environ.get("DESIGNER_TOKEN")
        if not token:
            raise ValueError("Give an API token (or set DESIGNER_TOKEN): create one at /api/v1/tokens/.")
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- HTTP ------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, raw: bool = False, **kwargs: Any) -> Any:
        """One API call; the decoded JSON (None for 204, the response itself with ``raw``)."""
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise _error(response)
        if raw:
            return response
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=body if body is not None else {}, **kwargs)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    # -- account and workspaces --------------------------------------------------------------------
    def me(self) -> dict[str, Any]:
        return self.get("/api/v1/auth/me/")

    def workspaces(self) -> list[dict[str, Any]]:
        return self.get("/api/v1/workspaces/")

    # -- datasets ----------------------------------------------------------------------------------
    def upload_dataset(
        self,
        file: str | os.PathLike | IO[bytes],
        name: str | None = None,
        *,
        workspace: int | None = None,
        description: str | None = None,
        filename: str | None = None,
    ) -> dict[str, Any]:
        """Upload CSV/TSV/Parquet/JSON/Excel as a new dataset, or a new version of ``name``."""
        fields = {"name": name, "workspace": workspace, "description": description}
        data = {k: str(v) for k, v in fields.items() if v is not None}
        if isinstance(file, (str, os.PathLike)):
            path = Path(file)
            with path.open("rb") as handle:
                return self._upload(data, filename or path.name, handle)
        return self._upload(data, filename or Path(str(getattr(file, "name", "upload"))).name, file)

    def _upload(self, data: dict[str, str], filename: str, handle: IO[bytes]) -> dict[str, Any]:
        return self.request("POST", "/api/v1/datasets/", data=data, files={"file": (filename, handle)})

    def datasets(self, **filters: Any) -> list[dict[str, Any]]:
        return self.get("/api/v1/datasets/", **filters)

    def dataset_preview(self, dataset_id: str, **params: Any) -> dict[str, Any]:
        return self.get(f"/api/v1/datasets/{dataset_id}/preview/", **params)

    # -- templates and pipelines -------------------------------------------------------------------
    def templates(self, task_type: str | None = None, q: str | None = None) -> list[dict[str, Any]]:
        body = self.get("/api/v1/templates/", task_type=task_type, q=q)
        return body["results"] if isinstance(body, dict) else body

    def instantiate_template(
        self, slug: str, name: str | None = None, *, workspace: int | None = None
    ) -> dict[str, Any]:
        """A new draft pipeline of your own from a gallery template."""
        body: dict[str, Any] = {"name": name} if name else {}
        if workspace is not None:
            body["workspace"] = workspace
        return self.post(f"/api/v1/templates/{slug}/instantiate/", body)

    def create_pipeline(
        self,
        name: str,
        graph: Mapping[str, Any] | None = None,
        *,
        workspace: int | None = None,
        description: str = "",
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "description": description}
        if graph is not None:
            body["graph"] = graph
        if workspace is not None:
            body["workspace"] = workspace
        return self.post("/api/v1/pipelines/", body)

    def pipeline(self, pipeline_id: str) -> dict[str, Any]:
        return self.get(f"/api/v1/pipelines/{pipeline_id}/")

    def update_pipeline(self, pipeline_id: str, **fields: Any) -> dict[str, Any]:
        return self.patch(f"/api/v1/pipelines/{pipeline_id}/", fields)

    def set_params(self, pipeline_id: str, node: str, **params: Any) -> dict[str, Any]:
        """Change parameters of one node of the pipeline's draft (others keep their values)."""
        graph = copy.deepcopy(self.pipeline(pipeline_id)["graph"])
        for candidate in graph.get("nodes", []):
            if candidate.get("id") == node:
                candidate.setdefault("params", {}).update(params)
                break
        else:
            known = ", ".join(n.get("id", "?") for n in graph.get("nodes", []))
            raise DesignerError(404, "unknown_node", f"No node '{node}' (nodes: {known}).", node=node)
        return self.update_pipeline(pipeline_id, graph=graph)

    def validate(self, pipeline_id: str, graph: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.post(f"/api/v1/pipelines/{pipeline_id}/validate/", {"graph": graph} if graph else {})

    # -- runs ----------------------------------------------------------------------------------------
    def submit(self, pipeline_id: str, *, experiment: str = "Default", **options: Any) -> dict[str, Any]:
        """Start a run of the pipeline's draft. ``options``: graph, from_node, only_node, regenerate, tags."""
        return self.post(f"/api/v1/pipelines/{pipeline_id}/runs/", {"experiment": experiment, **options})

    def run(self, run_id: str) -> dict[str, Any]:
        return self.get(f"/api/v1/runs/{run_id}/")

    def runs(self, **filters: Any) -> list[dict[str, Any]]:
        return self.get("/api/v1/runs/", **filters)

    def cancel(self, run_id: str) -> dict[str, Any]:
        return self.post(f"/api/v1/runs/{run_id}/cancel/")

    def wait(
        self,
        run_id: str,
        *,
        timeout: float = 3600.0,
        poll: float = 0.5,
        on_progress: Callable[[str], Any] | None = None,
        raise_on_failure: bool = True,
    ) -> dict[str, Any]:
        """Poll until the run ends; ``on_progress`` gets a line each time progress changes."""
        deadline = time.monotonic() + timeout
        last_line, delay = None, poll
        while True:
            run = self.run(run_id)
            line = progress_line(run)
            if on_progress is not None and line != last_line:
                on_progress(line)
            if line != last_line:
                delay = poll
            last_line = line
            if run["status"] in TERMINAL_RUN_STATUSES:
                if raise_on_failure and run["status"] != "completed":
                    raise RunFailed(run)
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {run['status']} after {timeout:.0f} s")
            time.sleep(delay)
            delay = min(delay * 1.5, 5.0)  # back off while nothing changes

    def submit_and_wait(self, pipeline_id: str, *, on_progress=None, timeout: float = 3600.0, **options):
        run = self.submit(pipeline_id, **options)
        return self.wait(run["id"], on_progress=on_progress, timeout=timeout)

    def metrics(self, run_id: str) -> dict[str, dict[str, Any]]:
        """Metrics by node id, then output port: ``metrics(run)["evaluate"]["evaluation_results"]``."""
        return {s["node"]: s["metrics"] for s in self.run(run_id)["steps"] if s.get("metrics")}

    def output(self, run_id: str, node: str, port: str) -> dict[str, Any]:
        """A node output's preview: a table with column statistics, or a chart or metrics as JSON."""
        return self.get(f"/api/v1/runs/{run_id}/steps/{node}/outputs/{port}/")

    def events(self, run_id: str, after: int = 0) -> list[dict[str, Any]]:
        return self.get(f"/api/v1/runs/{run_id}/events/", after=after)["events"]

    # -- deployments -------------------------------------------------------------------------------
    def deploy(self, run_id: str, name: str, **options: Any) -> dict[str, Any]:
        """Deploy a finished training run as a real-time endpoint. The reply of the first deploy of
        ``name`` holds its keys (``new_keys``), shown only then."""
        return self.post(f"/api/v1/runs/{run_id}/deploy/", {"name": name, **options})

    def endpoint(self, name: str) -> dict[str, Any]:
        return self.get(f"/api/v1/endpoints/{name}/")

    def score(
        self, name: str, rows: Iterable[Mapping[str, Any]], *, key: str, version: int | None = None
    ) -> dict[str, Any]:
        """Score rows with a deployed endpoint. Uses the endpoint's key, not your API token."""
        headers = {"Authorization": f"Bearer {key}"}
        if version is not None:
            headers["X-Endpoint-Version"] = str(version)
        response = self._http.post(f"/score/{name}", json={"inputs": list(rows)}, headers=headers)
        if response.status_code >= 400:
            raise _error(response)
        return response.json()


def _error(response) -> DesignerError:
    retry_after = response.headers.get("Retry-After")
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        text = response.text[:300] or response.reason_phrase
        return DesignerError(response.status_code, "http_error", text)
    return DesignerError(
        response.status_code,
        str(error.get("code", "error")),
        str(error.get("message", "")),
        field=error.get("field"),
        node=error.get("node"),
        details=error.get("details"),
        retry_after=float(retry_after) if retry_after else None,
    )
