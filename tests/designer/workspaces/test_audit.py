"""The audit log: what the services record, and who may read it."""

from __future__ import annotations

import pytest

from designer.workspaces import audit
from designer.workspaces.models import AuditEvent, Membership
from tests.designer.runs import graphs as g
from tests.designer.workspaces.conftest import json_patch, json_post, session_client, team

pytestmark = pytest.mark.django_db


def test_pipeline_and_run_changes_are_recorded_with_who_and_what(make_user) -> None:
    owner = make_user("olivia")
    workspace = team(owner)
    client = session_client(owner)
    graph = g.graph([g.node("d", "data_input_output.enter_data_manually", data=g.TINY_CSV)], [])
    created = json_post(
        client, "/api/v1/pipelines/", {"name": "churn", "workspace": workspace.pk, "graph": graph}
    ).json()
    pipeline = created["id"]
    for name in ("churn v2", "churn v3", "churn v4"):  # autosave: folded into one event
        assert json_patch(client, f"/api/v1/pipelines/{pipeline}/", {"name": name}).status_code == 200
    run = json_post(client, f"/api/v1/pipelines/{pipeline}/runs/", {})
    assert run.status_code == 201, run.content
    run_id = run.json()["id"]
    assert json_post(client, f"/api/v1/runs/{run_id}/cancel/").status_code == 200

    log = client.get(f"/api/v1/workspaces/{workspace.pk}/audit/").json()
    events = [(e["action"], e["object_type"], e["object_id"], e["actor"]) for e in log["results"]]
    assert events[:4] == [
        ("run.cancelled", "run", run_id, "olivia"),
        ("run.submitted", "run", run_id, "olivia"),
        ("pipeline.updated", "pipeline", pipeline, "olivia"),
        ("pipeline.created", "pipeline", pipeline, "olivia"),
    ]
    updated = log["results"][2]
    assert updated["count"] == 3 and updated["object_repr"] == "churn v4"
    assert log["results"][1]["details"] == {"pipeline": pipeline, "version": 1}

    # A pipeline with runs keeps its versions: deleting it is refused with a reason, not a 500.
    refused = client.delete(f"/api/v1/pipelines/{pipeline}/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "pipeline_has_runs"
    other = json_post(client, "/api/v1/pipelines/", {"name": "scratch", "workspace": workspace.pk}).json()
    assert client.delete(f"/api/v1/pipelines/{other['id']}/").status_code == 204
    deleted = client.get(f"/api/v1/workspaces/{workspace.pk}/audit/?action=pipeline.deleted").json()
    assert deleted["count"] == 1 and deleted["results"][0]["details"] == {"name": "scratch"}


def test_audit_is_for_owners_and_contributors_only(make_user) -> None:
    owner, contributor, reader, stranger = (make_user(n) for n in ("o", "c", "r", "s"))
    workspace = team(owner)
    Membership.objects.create(workspace=workspace, user=contributor, role="contributor")
    Membership.objects.create(workspace=workspace, user=reader, role="reader")
    path = f"/api/v1/workspaces/{workspace.pk}/audit/"
    assert session_client(owner).get(path).status_code == 200
    assert session_client(contributor).get(path).status_code == 200
    refused = session_client(reader).get(path)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden_role"
    assert session_client(stranger).get(path).status_code == 404


def test_audit_filters_and_pages(make_user) -> None:
    owner = make_user("olivia")
    workspace = team(owner)
    for index in range(7):
        audit.record(owner, workspace, "dataset.uploaded", None, index=index)
    audit.record(None, workspace, "endpoint.deployed", None)
    client = session_client(owner)
    page = client.get(f"/api/v1/workspaces/{workspace.pk}/audit/?action=dataset.uploaded&limit=3").json()
    assert page["count"] == 7 and len(page["results"]) == 3 and page["next"]
    assert [e["details"]["index"] for e in page["results"]] == [6, 5, 4]
    system = client.get(f"/api/v1/workspaces/{workspace.pk}/audit/?actor=system").json()
    assert [e["action"] for e in system["results"]] == ["endpoint.deployed"]


def test_membership_changes_are_recorded(make_user) -> None:
    owner = make_user("olivia")
    make_user("bob")
    workspace = team(owner)
    client = session_client(owner)
    base = f"/api/v1/workspaces/{workspace.pk}/members/"
    json_post(client, base, {"username": "bob", "role": "reader"})
    json_patch(client, f"{base}bob/", {"role": "contributor"})
    client.delete(f"{base}bob/")
    actions = list(
        AuditEvent.objects.filter(workspace=workspace).order_by("id").values_list("action", "object_repr")
    )
    assert actions == [
        ("workspace.created", "Team"),
        ("member.added", "bob"),
        ("member.role_changed", "bob"),
        ("member.removed", "bob"),
    ]
