"""Team workspaces: members and roles, invitations, and objects created in a chosen workspace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from designer.graphs.models import Pipeline
from designer.runs.models import Run
from designer.workspaces.models import AuditEvent, Invitation, Membership, Workspace
from tests.designer.runs import graphs as g
from tests.designer.workspaces.conftest import json_patch, json_post, session_client, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_user):
    return make_user("olivia", email="olivia@example.com")


@pytest.fixture
def other(make_user):
    return make_user("bob", email="Bob@Example.com")


def test_creating_a_workspace_makes_me_its_owner_and_lists_it_with_my_role(owner) -> None:
    client = session_client(owner)
    created = json_post(client, "/api/v1/workspaces/", {"name": "Fraud team"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["role"] == "owner" and body["personal"] is False and body["members"] == 1
    listed = client.get("/api/v1/workspaces/").json()
    assert [w["name"] for w in listed] == ["olivia's workspace", "Fraud team"]  # personal first
    renamed = json_patch(client, f"/api/v1/workspaces/{body['id']}/", {"name": "Risk team"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Risk team"


def test_owner_adds_changes_and_removes_members(owner, other) -> None:
    workspace = team(owner)
    client = session_client(owner)
    base = f"/api/v1/workspaces/{workspace.pk}/members/"
    added = json_post(client, base, {"username": "bob", "role": "reader"})
    assert added.status_code == 201 and added.json() == {"username": "bob", "role": "reader"}
    again = json_post(client, base, {"username": "bob", "role": "reader"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_member"
    unknown = json_post(client, base, {"username": "nobody", "role": "reader"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_user"
    assert {m["username"] for m in client.get(base).json()} == {"olivia", "bob"}

    # A reader sees the members but cannot manage them.
    bob = session_client(other)
    assert bob.get(base).status_code == 200
    refused = json_post(bob, base, {"username": "olivia", "role": "reader"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden_role"
    assert json_patch(bob, f"{base}bob/", {"role": "owner"}).status_code == 403

    promoted = json_patch(client, f"{base}bob/", {"role": "contributor"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "contributor"
    assert client.delete(f"{base}bob/").status_code == 204
    assert not Membership.objects.filter(workspace=workspace, user=other).exists()
    assert bob.get(f"/api/v1/workspaces/{workspace.pk}/").status_code == 404


def test_a_workspace_keeps_at_least_one_owner(owner, other) -> None:
    workspace = team(owner)
    client = session_client(owner)
    base = f"/api/v1/workspaces/{workspace.pk}/members/"
    demoted = json_patch(client, f"{base}olivia/", {"role": "reader"})
    assert demoted.status_code == 409 and demoted.json()["error"]["code"] == "last_owner"
    assert client.delete(f"{base}olivia/").status_code == 409
    json_post(client, base, {"username": "bob", "role": "owner"})
    assert client.delete(f"{base}olivia/").status_code == 204  # now bob owns it; olivia may leave


def test_members_may_leave_but_not_remove_others(owner, other, make_user) -> None:
    workspace = team(owner)
    Membership.objects.create(workspace=workspace, user=other, role="contributor")
    carol = make_user("carol")
    Membership.objects.create(workspace=workspace, user=carol, role="contributor")
    bob = session_client(other)
    base = f"/api/v1/workspaces/{workspace.pk}/members/"
    assert bob.delete(f"{base}carol/").status_code == 403
    assert bob.delete(f"{base}bob/").status_code == 204


def test_personal_workspaces_have_no_other_members_and_cannot_be_deleted(owner, other) -> None:
    client = session_client(owner)
    personal = client.get("/api/v1/workspaces/").json()[0]
    assert personal["personal"]
    added = json_post(client, f"/api/v1/workspaces/{personal['id']}/members/", {"username": "bob"})
    assert added.status_code == 409 and added.json()["error"]["code"] == "personal_workspace"
    assert client.delete(f"/api/v1/workspaces/{personal['id']}/").status_code == 409


def test_deleting_a_team_workspace_deletes_what_it_holds(owner, other) -> None:
    workspace = team(owner)
    Membership.objects.create(workspace=workspace, user=other, role="contributor")
    client = session_client(owner)
    graph = g.graph([g.node("d", "data_input_output.enter_data_manually", data=g.TINY_CSV)], [])
    created = json_post(
        client, "/api/v1/pipelines/", {"name": "p", "workspace": workspace.pk, "graph": graph}
    )
    assert created.status_code == 201
    run = json_post(client, f"/api/v1/pipelines/{created.json()['id']}/runs/", {})  # runs keep versions
    assert run.status_code == 201
    assert session_client(other).delete(f"/api/v1/workspaces/{workspace.pk}/").status_code == 403
    assert client.delete(f"/api/v1/workspaces/{workspace.pk}/").status_code == 204
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    assert not Pipeline.objects.filter(pk=created.json()["id"]).exists()
    assert not Run.objects.filter(pk=run.json()["id"]).exists()
    deleted = AuditEvent.objects.get(action="workspace.deleted")
    assert deleted.workspace is None and deleted.details == {"workspace_id": workspace.pk}


# -- objects in a chosen workspace -------------------------------------------------------------------
def test_pipelines_go_to_the_workspace_asked_for_when_the_caller_may_write_there(
    owner, other, make_user
) -> None:
    workspace = team(owner)
    Membership.objects.create(workspace=workspace, user=other, role="contributor")
    reader = make_user("rita")
    Membership.objects.create(workspace=workspace, user=reader, role="reader")
    stranger = make_user("sam")

    bob = session_client(other)
    in_team = json_post(bob, "/api/v1/pipelines/", {"name": "shared", "workspace": workspace.pk})
    assert in_team.status_code == 201 and in_team.json()["workspace"] == workspace.pk
    default = json_post(bob, "/api/v1/pipelines/", {"name": "mine"})
    assert default.json()["workspace"] == Workspace.objects.get(personal_for=other).pk

    for user in (reader, stranger):
        refused = json_post(
            session_client(user), "/api/v1/pipelines/", {"name": "x", "workspace": workspace.pk}
        )
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden_workspace"
    missing = json_post(bob, "/api/v1/pipelines/", {"name": "x", "workspace": 999999})
    assert missing.status_code == 403

    # Everyone in the workspace sees it; a reader cannot change, run or delete it.
    pipeline = in_team.json()["id"]
    rita = session_client(reader)
    assert rita.get(f"/api/v1/pipelines/{pipeline}/").status_code == 200
    assert json_patch(rita, f"/api/v1/pipelines/{pipeline}/", {"name": "mine now"}).status_code == 403
    assert json_post(rita, f"/api/v1/pipelines/{pipeline}/runs/", {}).status_code == 403
    assert rita.delete(f"/api/v1/pipelines/{pipeline}/").status_code == 403
    assert session_client(stranger).get(f"/api/v1/pipelines/{pipeline}/").status_code == 404
    # and it cannot be moved out of the workspace
    moved = json_patch(bob, f"/api/v1/pipelines/{pipeline}/", {"workspace": default.json()["workspace"]})
    assert moved.status_code == 400 and moved.json()["error"]["code"] == "workspace_immutable"


# -- invitations -------------------------------------------------------------------------------------
def test_invite_by_username_and_accept(owner, other, make_user) -> None:
    workspace = team(owner)
    client = session_client(owner)
    invited = json_post(
        client, f"/api/v1/workspaces/{workspace.pk}/invitations/", {"username": "bob", "role": "reader"}
    )
    assert invited.status_code == 201, invited.content
    body = invited.json()
    token = body["token"]
    assert body["status"] == "pending" and body["accept_path"] == f"/api/v1/invitations/{token}/accept/"
    stored = Invitation.objects.get(pk=body["id"])
    assert token not in stored.digest  # only the HMAC is kept
    listed = client.get(f"/api/v1/workspaces/{workspace.pk}/invitations/").json()
    assert listed[0]["username"] == "bob" and "token" not in listed[0]

    # Someone else holding the link cannot use it.
    eve = session_client(make_user("eve"))
    stolen = json_post(eve, body["accept_path"])
    assert stolen.status_code == 403 and stolen.json()["error"]["code"] == "not_your_invitation"

    accepted = json_post(session_client(other), body["accept_path"])
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["role"] == "reader" and accepted.json()["workspace"]["id"] == workspace.pk
    assert Membership.objects.get(workspace=workspace, user=other).role == "reader"
    reused = json_post(session_client(other), body["accept_path"])
    assert reused.status_code == 404 and reused.json()["error"]["code"] == "invalid_invitation"


def test_invite_by_email_matches_the_accounts_address(owner, other, make_user) -> None:
    workspace = team(owner)
    client = session_client(owner)
    body = json_post(
        client, f"/api/v1/workspaces/{workspace.pk}/invitations/", {"email": "bob@example.com"}
    ).json()
    wrong = json_post(session_client(make_user("eve", email="eve@example.com")), body["accept_path"])
    assert wrong.status_code == 403
    accepted = json_post(session_client(other), body["accept_path"])  # Bob@Example.com: case ignored
    assert accepted.status_code == 200 and accepted.json()["role"] == "contributor"


def test_invitations_expire_and_can_be_withdrawn(owner, other) -> None:
    workspace = team(owner)
    client = session_client(owner)
    base = f"/api/v1/workspaces/{workspace.pk}/invitations/"
    first = json_post(client, base, {"username": "bob"}).json()
    Invitation.objects.filter(pk=first["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = json_post(session_client(other), first["accept_path"])
    assert expired.status_code == 404 and "expired" in expired.json()["error"]["message"]

    second = json_post(client, base, {"username": "bob"}).json()
    assert client.delete(f"{base}{second['id']}/").status_code == 204
    assert json_post(session_client(other), second["accept_path"]).status_code == 404
    assert json_post(session_client(other), "/api/v1/invitations/inv_made-up/accept/").status_code == 404
    assert not Membership.objects.filter(workspace=workspace, user=other).exists()


def test_only_owners_invite_and_input_is_checked(owner, other) -> None:
    workspace = team(owner)
    Membership.objects.create(workspace=workspace, user=other, role="contributor")
    base = f"/api/v1/workspaces/{workspace.pk}/invitations/"
    assert json_post(session_client(other), base, {"username": "olivia"}).status_code == 403
    client = session_client(owner)
    neither = json_post(client, base, {"role": "reader"})
    assert neither.status_code == 400 and neither.json()["error"]["field"] == "username"
    both = json_post(client, base, {"username": "bob", "email": "b@example.com"})
    assert both.status_code == 400
    bad_role = json_post(client, base, {"username": "bob", "role": "admin"})
    assert bad_role.status_code == 400 and bad_role.json()["error"]["field"] == "role"
