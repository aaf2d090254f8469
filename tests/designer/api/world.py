"""Two tenants for the isolation tests: Alice's objects (every name carries MARKER) in her personal
workspace and a team workspace where Rita is a reader, and Bob, who belongs to neither.

Every route, GraphQL field and model is discovered, not listed, so a new one is covered on arrival:
REST routes come from the URL resolver, GraphQL fields from the schema, and the "nothing changed"
snapshot from every model with a ``workspace`` foreign key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import get_resolver

from designer.graphs import services as graphs
from designer.runs.models import Experiment, Run, RunEvent, Step
from designer.workspaces import services as workspaces
from designer.workspaces import tokens
from designer.workspaces.models import ApiToken, Invitation, Membership, Workspace

MARKER = "zqsecreta"  # letters only: valid in every name field (endpoint names included)
NODE, PORT = "data", "dataset"
GRAPH = {
    "schema_version": 1,
    "nodes": [
        {
            "id": NODE,
            "module": "data_input_output.enter_data_manually",
            "module_version": 1,
            "params": {"data": "x,y\n1,2\n"},
        }
    ],
    "edges": [],
    "ui": {},
}
UNSAFE = ("post", "put", "patch", "delete")
# Scoring checks endpoint keys, not workspaces or CSRF tokens first, and its runtime calls
# close_old_connections() inside the request, which closes a test's transaction. Its own tests cover it.
TEST_HOSTILE_ROUTES = ("/api/v1/endpoints/%(name)s/score/",)


@dataclass
class World:
    alice: Any
    bob: Any
    rita: Any
    personal: Workspace
    team: Workspace
    token: str
    uuids: list[str] = field(default_factory=list)  # Alice's objects that have a UUID (never B's)
    ints: list[int] = field(default_factory=list)
    kwargs: dict[str, list[str]] = field(default_factory=dict)

    def secrets(self) -> list[str]:
        """What must never appear in a response to Bob."""
        return [MARKER, *self.uuids, self.token]


def build_world(django_user_model, tmp_path: Path) -> World:
    make = django_user_model.objects.create_user
    alice = make("alice", password="alice long password 1", email=f"alice-{MARKER}@example.com")
    bob = make("bob", password="bob long password 1")
    rita = make("rita", password="rita long password 1")
    personal = workspaces.personal_workspace(alice)
    workspaces.personal_workspace(bob)
    team = workspaces.create_workspace(alice, f"{MARKER} team")
    Membership.objects.create(workspace=team, user=rita, role=Membership.Role.READER)

    own = graphs.create_pipeline(personal, alice, f"{MARKER} personal pipeline", GRAPH)
    shared = graphs.create_pipeline(team, alice, f"{MARKER} team pipeline", GRAPH)
    version = graphs.freeze_version(shared, GRAPH)
    experiment = Experiment.objects.create(workspace=team, name=f"{MARKER} experiment")
    # Made directly rather than submitted, so no worker is needed and nothing is dispatched.
    run = Run.objects.create(
        workspace=team, experiment=experiment, pipeline_version=version, created_by=alice, status="completed"
    )
    Step.objects.create(
        run=run,
        node_id=NODE,
        title=f"{MARKER} step",
        module_key="data_input_output.enter_data_manually",
        module_version=1,
        status="completed",
        logs=f"{MARKER} log line",
    )
    RunEvent.objects.create(run=run, kind="run_finished", payload={"note": MARKER})
    token, raw = tokens.create_token(alice, f"{MARKER} token")
    invitation, _ = workspaces.create_invitation(team, alice, role="reader", email=f"{MARKER}@example.com")
    world = World(alice, bob, rita, personal, team, raw)
    world.uuids = [str(own.pk), str(shared.pk), str(run.pk)]
    world.ints = [personal.pk, team.pk, experiment.pk, token.pk, invitation.pk]
    _dataset(world, tmp_path)
    endpoint_names = _endpoint(world)
    model_names = _registered_model(world, run)
    published_names = _automation(world, shared, endpoint_names)
    world.kwargs = {
        "pk": [*world.uuids, *map(str, world.ints)],
        "run_id": [str(run.pk)],
        "job_id": ["00000000-0000-0000-0000-000000000000"],
        "name": [*endpoint_names, *model_names, *published_names] or [f"{MARKER}-none"],
        "node": [NODE],
        "port": [PORT],
        "number": ["1"],
        "username": ["alice"],
        "invitation_id": [str(invitation.pk)],
        "token": ["inv_not-a-real-invitation"],
        "key": ["data_input_output.enter_data_manually"],
        "slug": [_template_slug()],
    }
    return world


def _dataset(world: World, tmp_path: Path) -> None:
    try:
        from designer.datasets import services as datasets
    except ImportError:
        return
    path = tmp_path / "secret.csv"
    path.write_text("x,y\n1,2\n3,4\n")
    version = datasets.upload_dataset(
        world.alice, path=path, filename="secret.csv", name=f"{MARKER}data", workspace=world.team
    )
    world.uuids.append(str(version.dataset_id))


def _endpoint(world: World) -> list[str]:
    try:
        Endpoint = apps.get_model("deployments", "Endpoint")  # noqa: N806
    except LookupError:
        return []
    endpoint = Endpoint.objects.create(
        workspace=world.team, name=f"{MARKER}-endpoint", created_by=world.alice
    )
    return [endpoint.name]


def _registered_model(world: World, run: Run) -> list[str]:
    """A registered model with one version of the team's run (made directly: no trained model needed)."""
    try:
        RegisteredModel = apps.get_model("registry", "RegisteredModel")  # noqa: N806
        ModelVersion = apps.get_model("registry", "ModelVersion")  # noqa: N806
    except LookupError:
        return []
    model = RegisteredModel.objects.create(
        workspace=world.team, name=f"{MARKER}-model", last_number=1, created_by=world.alice
    )
    ModelVersion.objects.create(
        model=model, workspace=world.team, number=1, run=run, node=NODE, port=PORT, port_type="trained_model",
        digest="0" * 64, module_key="model_training.train_model", description=f"{MARKER} model version",
        pipeline_version=run.pipeline_version, created_by=world.alice,
    )  # fmt: skip
    return [model.name]


def _automation(world: World, shared, endpoint_names: list[str]) -> list[str]:
    """Alice's published pipeline, schedule, notification, webhook, drift monitor and alert."""
    try:
        from designer.automation import notifications
        from designer.automation import services as automation
        from designer.automation.models import DriftAlert, DriftMonitor, Webhook
    except ImportError:
        return []
    Endpoint = apps.get_model("deployments", "Endpoint")  # noqa: N806
    published = automation.publish(shared, world.alice, f"{MARKER}-published").published
    schedule = automation.create_schedule(
        published, world.alice, {"cron": "@daily", "name": f"{MARKER} schedule"}
    )
    note = notifications.notify(world.team.pk, "run_completed", f"{MARKER} note", dedupe_key=f"{MARKER}-note")
    Webhook.objects.create(
        workspace=world.team, url=f"https://93.184.216.34/{MARKER}", secret=f"whsec_{MARKER}"
    )
    world.ints += [schedule.pk, note.pk]
    for name in endpoint_names:
        endpoint = Endpoint.objects.filter(name=name).first()
        if endpoint is None:
            continue
        monitor = DriftMonitor.objects.create(
            workspace=world.team, endpoint=endpoint, thresholds={MARKER: 0.2}
        )
        alert = DriftAlert.objects.create(
            monitor=monitor, workspace=world.team, endpoint_version=1, features=[{"name": MARKER}]
        )
        world.ints.append(alert.pk)
    return [published.name]


def _template_slug() -> str:
    try:
        from designer.templates import services as templates

        found = templates.list_templates(None, None)
        return found[0].slug if found else "no-such-template"
    except Exception:  # the templates app is optional here: any slug exercises the route
        return "no-such-template"


# -- discovery ---------------------------------------------------------------------------------------
def api_routes() -> list[tuple[str, tuple[str, ...]]]:
    """Every ``/api/v1/`` route as a format string and its parameter names, from the URL resolver."""
    resolver = get_resolver()
    found: set[tuple[str, tuple[str, ...]]] = set()
    for key in list(resolver.reverse_dict.keys()):
        for possibilities, *_ in resolver.reverse_dict.getlist(key):
            for template, params in possibilities:
                if template.startswith("api/v1/") and "/" + template not in TEST_HOSTILE_ROUTES:
                    found.add(("/" + template, tuple(params)))
    return sorted(found)


def concrete_urls(world: World, routes=None) -> list[tuple[str, str]]:
    """(route template, URL) for every combination of Alice's identifiers in the route's parameters."""
    urls: list[tuple[str, str]] = []
    for template, params in routes or api_routes():
        combos: list[dict[str, str]] = [{}]
        for param in params:
            if param not in world.kwargs:
                raise AssertionError(
                    f"{template}: no value for the URL parameter '{param}'; add Alice's to World.kwargs"
                )
            combos = [{**c, param: value} for c in combos for value in world.kwargs[param]]
        urls.extend((template, template % combo) for combo in combos)
    return urls


def workspace_models() -> list:
    return [
        model
        for model in apps.get_models()
        if any(
            f.name == "workspace" and getattr(f, "related_model", None) is Workspace
            for f in model._meta.fields
        )
    ]


def snapshot(world: World) -> str:
    """Everything Alice's workspaces hold, her tokens and the memberships: equal before and after."""
    ids = [world.personal.pk, world.team.pk]
    state: dict[str, Any] = {
        model._meta.label: list(model.objects.filter(workspace__in=ids).order_by("pk").values())
        for model in workspace_models()
    }
    state["workspaces"] = list(Workspace.objects.filter(pk__in=ids).order_by("pk").values())
    state["members"] = list(Membership.objects.filter(workspace__in=ids).order_by("pk").values())
    state["tokens"] = list(ApiToken.objects.filter(user=world.alice).order_by("pk").values())
    state["invitations"] = list(Invitation.objects.filter(workspace__in=ids).order_by("pk").values())
    state["steps"] = list(Step.objects.filter(run__workspace__in=ids).order_by("pk").values())
    return json.dumps(state, cls=DjangoJSONEncoder, sort_keys=True)


def leaks(content: bytes, world: World) -> list[str]:
    text = content.decode("utf-8", "replace")
    return [s for s in world.secrets() if s in text]


def write_body(world: World) -> dict[str, Any]:
    """What an intruder sends with every write: aimed at Alice's team workspace."""
    return {
        "name": "intruder",
        "workspace": world.team.pk,
        "username": "bob",
        "role": "owner",
        "graph": GRAPH,
        "email": "bob@example.com",
    }


UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
