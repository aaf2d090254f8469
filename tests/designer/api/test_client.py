"""The Python client drives a template from upload to scoring against a live server and worker.

The flow of docs/client.md: upload a dataset, instantiate a template and point it at the dataset,
submit and wait with progress, read the metrics, deploy, score. Parts whose server routes are not
there yet are skipped with the reason, so the test follows the server as it grows.
"""

from __future__ import annotations

import pytest
from palmerpenguins import load_penguins

from designer.client import Client, DesignerError, RunFailed, progress_line
from designer.workspaces import tokens
from tests.services import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEMPLATE = "multiclass-penguins"


def _route_missing(error: DesignerError) -> bool:
    """A 404 for the route itself (not for an object the route looked up)."""
    return error.status in (404, 405) and error.code in ("http_error", "not_found", "error")


@pytest.fixture
def designer(live_server_url, django_user_model):
    user = django_user_model.objects.create_user("scripter", password="scripter long password 1")
    _, raw = tokens.create_token(user, "client test")
    with Client(live_server_url, raw, timeout=120) as client:
        yield client


def test_client_from_upload_to_scoring(designer, celery_worker, tmp_path) -> None:
    assert designer.me()["username"] == "scripter"

    penguins = load_penguins()
    csv = tmp_path / "penguins.csv"
    penguins.to_csv(csv, index=False)
    dataset = designer.upload_dataset(csv, name="penguins")
    assert dataset["name"] == "penguins" and dataset["version"]["number"] == 1

    try:
        pipeline = designer.instantiate_template(TEMPLATE, name="My penguins")
    except DesignerError as error:
        if _route_missing(error):
            pytest.skip(f"POST /api/v1/templates/{TEMPLATE}/instantiate/ is not served yet: {error}")
        raise
    designer.set_params(pipeline["id"], "data", data_source="Registered dataset", dataset=dataset["id"])
    assert designer.validate(pipeline["id"])["valid"]

    progress: list[str] = []
    run = designer.submit_and_wait(pipeline["id"], on_progress=progress.append, timeout=300)
    assert run["status"] == "completed"
    assert progress[-1] == progress_line(run) and progress[-1].startswith("completed")
    evaluation = designer.metrics(run["id"])["evaluate"]["evaluation_results"]
    assert evaluation["Overall_Accuracy"] > 0.9, evaluation

    try:
        endpoint = designer.deploy(run["id"], "client-penguins")
    except DesignerError as error:
        if _route_missing(error):
            pytest.skip(f"POST /api/v1/runs/{{id}}/deploy/ is not served yet: {error}")
        raise
    key = next(iter(endpoint["new_keys"].values()))
    row = penguins.dropna().drop(columns=["species"]).iloc[0].to_dict()
    scored = designer.score("client-penguins", [row], key=key)
    assert "Scored Labels" in str(scored), scored
    with pytest.raises(DesignerError) as refused:
        designer.score("client-penguins", [row], key="not-the-key")
    assert refused.value.status == 401


def test_client_errors_carry_the_api_error(designer) -> None:
    with pytest.raises(DesignerError) as missing:
        designer.pipeline("00000000-0000-0000-0000-000000000000")
    assert missing.value.status == 404
    with pytest.raises(DesignerError) as invalid:
        designer.create_pipeline("x", graph=["not", "a", "graph"])  # type: ignore[arg-type]
    assert invalid.value.status == 400 and invalid.value.field == "graph"
    empty = designer.create_pipeline("empty")
    with pytest.raises(DesignerError) as refused:
        designer.submit(empty["id"])
    assert refused.value.code == "invalid_graph"


def test_wait_raises_with_the_failed_step(designer, celery_worker) -> None:
    script = "def azureml_main(dataframe1=None, dataframe2=None):\n    raise ValueError('on purpose')\n"
    graph = {
        "schema_version": 1,
        "nodes": [
            {
                "id": "data",
                "module": "data_input_output.enter_data_manually",
                "module_version": 1,
                "params": {"data": "x\n1\n"},
            },
            {
                "id": "boom",
                "module": "python_language.execute_python_script",
                "module_version": 1,
                "params": {"python_script": script},
            },
        ],
        "edges": [{"source": "data", "source_port": "dataset", "target": "boom", "target_port": "dataset1"}],
        "ui": {},
    }
    pipeline = designer.create_pipeline("fails", graph)
    with pytest.raises(RunFailed) as failed:
        designer.submit_and_wait(pipeline["id"], timeout=120)
    assert failed.value.node == "boom" and failed.value.run["status"] == "failed"


def test_the_documented_example_runs_as_written(
    live_server_url, celery_worker, django_user_model, tmp_path, monkeypatch, capsys
) -> None:
    """docs/client.md's example, run verbatim but for the server's address and the token."""
    user = django_user_model.objects.create_user("reader-of-docs", password="docs long password 1")
    _, raw = tokens.create_token(user, "docs")
    text = (ROOT / "docs" / "client.md").read_text()
    example = next(block for block in text.split("```python\n")[1:] if "from designer.client import" in block)
    example = example.split("```")[0]
    assert 'Client("http://localhost:8000", token="dsn_...")' in example
    assert f"```python\n{example}```" in (ROOT / "README.md").read_text(), "the README shows the same example"
    code = example.replace("http://localhost:8000", live_server_url).replace("dsn_...", raw)
    load_penguins().to_csv(tmp_path / "penguins.csv", index=False)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/client.md", "exec"), {})  # noqa: S102 - our own documentation
    printed = capsys.readouterr().out.splitlines()
    assert printed[-3].startswith("completed:"), printed  # the last progress line
    assert float(printed[-2]) > 0.9  # Overall_Accuracy
    assert "Scored Labels" in printed[-1]
