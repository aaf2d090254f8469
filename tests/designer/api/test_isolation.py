"""Tenant isolation over every REST route, every GraphQL field and the websocket.

Bob (another workspace) gets none of Alice's objects from any list or detail route and can change
none of them; Rita (a reader in Alice's team) can read the team's objects and change none of them.
"""

from __future__ import annotations

import pytest
from django.test import Client
from graphql import GraphQLList, GraphQLNonNull, get_named_type, is_leaf_type

from designer.graphql_schema import schema as graphql_schema
from tests.designer.api import world as w

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("/api/v1/auth/",)  # one's own account (logout would end the test's session)
READ_QUERIES = ("", "?workspace={team}", "?pipeline={pipeline}", "?experiment={marker}%20experiment")


@pytest.fixture
def world(django_user_model, tmp_path) -> w.World:
    return w.build_world(django_user_model, tmp_path)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _urls(world: w.World) -> list[tuple[str, str]]:
    return [(t, u) for t, u in w.concrete_urls(world) if not t.startswith(SKIPPED_PREFIXES)]


def test_routes_are_discovered_from_the_resolver(world) -> None:
    templates = {t for t, _ in w.api_routes()}
    for expected in (
        "/api/v1/pipelines/%(pk)s/",
        "/api/v1/runs/%(pk)s/steps/%(node)s/outputs/%(port)s/",
        "/api/v1/workspaces/%(pk)s/audit/",
        "/api/v1/tokens/%(pk)s/",
    ):
        assert expected in templates
    assert len(_urls(world)) > 100


def test_bob_reads_nothing_of_alices_through_any_route(world) -> None:
    bob = client_for(world.bob)
    problems = []
    for template, url in _urls(world):
        queries = READ_QUERIES if "%(" not in template else ("",)
        for query in queries:
            full = url + query.format(team=world.team.pk, pipeline=world.uuids[1], marker=w.MARKER)
            response = bob.get(full)
            if response.status_code >= 500:
                problems.append(f"GET {full}: {response.status_code}")
            if leaked := w.leaks(response.content, world):
                problems.append(f"GET {full}: {response.status_code} shows {leaked}")
            if w.UUID_RE.search(url) and response.status_code not in (404, 405):
                problems.append(f"GET {full}: {response.status_code}, expected 404 for another's object")
    assert not problems, "\n".join(problems)


def test_bob_changes_nothing_of_alices_through_any_route(world) -> None:
    bob = client_for(world.bob)
    before = w.snapshot(world)
    problems = []
    for _template, url in _urls(world):
        for method in w.UNSAFE:
            response = getattr(bob, method)(url, w.write_body(world), content_type="application/json")
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {url}: {response.status_code}")
            if leaked := w.leaks(response.content, world):
                problems.append(f"{method.upper()} {url}: shows {leaked}")
            if w.UUID_RE.search(url) and response.status_code not in (403, 404, 405):
                problems.append(f"{method.upper()} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert w.snapshot(world) == before


def test_a_reader_reads_the_team_but_changes_nothing(world) -> None:
    rita = client_for(world.rita)
    for path in (
        f"/api/v1/pipelines/{world.uuids[1]}/",
        f"/api/v1/runs/{world.uuids[2]}/",
        f"/api/v1/workspaces/{world.team.pk}/",
        f"/api/v1/workspaces/{world.team.pk}/members/",
    ):
        response = rita.get(path)
        assert (
            response.status_code == 200 and w.MARKER.encode() in response.content or path.endswith("members/")
        ), path
    before = w.snapshot(world)
    problems = []
    for _template, url in _urls(world):
        for method in w.UNSAFE:
            response = getattr(rita, method)(url, w.write_body(world), content_type="application/json")
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {url}: {response.status_code}")
            elif 200 <= response.status_code < 300 and any(
                str(i) in url for i in [*world.uuids, f"workspaces/{world.team.pk}/"]
            ):
                problems.append(f"{method.upper()} {url}: {response.status_code} for a reader")
    assert not problems, "\n".join(problems)
    assert w.snapshot(world) == before


# -- GraphQL --------------------------------------------------------------------------------------
def _selection(graphql_type, depth: int = 0) -> str:
    named = get_named_type(graphql_type)
    if is_leaf_type(named):
        return ""
    parts = []
    for name, field in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif depth < 2:
            sub = _selection(field.type, depth + 1)
            if sub:
                parts.append(f"{name} {sub}")
    return "{ " + " ".join(parts) + " }" if parts else ""


def _argument_values(field, world: w.World) -> list[dict[str, object]]:
    """Each required argument filled with each of Alice's identifiers (or a plain value)."""
    combos: list[dict[str, object]] = [{}]
    for name, argument in field.args.items():
        if not isinstance(argument.type, GraphQLNonNull):
            continue
        named = get_named_type(argument.type).name
        if named in ("ID", "String"):  # ids, endpoint names, slugs: every identifier Alice has
            values: list[object] = [*world.uuids, *map(str, world.ints), *world.kwargs["name"]]
        elif named == "Int":
            values = list(world.ints)
        else:
            values = [None]
        combos = [{**c, name: v} for c in combos for v in values]
    return combos


def _operations(root_type, keyword: str, world: w.World):
    for name, field in root_type.fields.items():
        selection = _selection(field.type)
        for values in _argument_values(field, world):
            if any(v is None for v in values.values()):
                continue
            arguments = ", ".join(f"{k}: {_literal(v)}" for k, v in values.items())
            call = f"{name}({arguments})" if arguments else name
            yield name, f"{keyword} {{ {call} {selection} }}"


def _literal(value: object) -> str:
    return str(value) if isinstance(value, int) else f'"{value}"'


def gql(client: Client, query: str):
    return client.post("/graphql/", {"query": query}, content_type="application/json")


def test_every_graphql_query_shows_bob_nothing_of_alices(world) -> None:
    bob = client_for(world.bob)
    alice = client_for(world.alice)
    covered = set()
    problems = []
    for name, query in _operations(graphql_schema.graphql_schema.query_type, "query", world):
        covered.add(name)
        response = gql(bob, query)
        assert response.status_code in (200, 400), (query, response.content)
        if leaked := w.leaks(response.content, world):
            problems.append(f"{query}: shows {leaked}")
    assert not problems, "\n".join(problems)
    assert covered >= {"pipelines", "runs", "run"}
    # The same queries do show Alice her own objects (so the check above can see a leak).
    seen = gql(alice, "{ pipelines { name } runs { id } }").content.decode()
    assert w.MARKER in seen and world.uuids[2] in seen


def test_no_graphql_mutation_lets_bob_or_a_reader_change_alices_objects(world) -> None:
    before = w.snapshot(world)
    mutation_type = graphql_schema.graphql_schema.mutation_type
    tried = set()
    for user in (world.bob, world.rita):
        client = client_for(user)
        for name, query in _operations(mutation_type, "mutation", world):
            tried.add(name)
            response = gql(client, query)
            assert response.status_code in (200, 400), (query, response.content)
            body = response.json()
            assert body.get("errors") or not any((body.get("data") or {}).values()), (user, query, body)
            if user == world.bob:
                assert not w.leaks(response.content, world), query
    assert tried >= {"submitRun", "cancelRun"}
    assert w.snapshot(world) == before


def test_list_types_are_enumerated(world) -> None:
    """Every list-valued root field is part of the sweep (and GraphQLList appears where expected)."""
    query_type = graphql_schema.graphql_schema.query_type
    lists = [
        n for n, f in query_type.fields.items() if isinstance(getattr(f.type, "of_type", f.type), GraphQLList)
    ]
    names = {n for n, _ in _operations(query_type, "query", world)}
    assert set(lists) <= names
