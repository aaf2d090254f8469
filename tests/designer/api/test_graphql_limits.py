"""GraphQL abuse is refused before execution with a clear, coded error; list fields are not N+1."""

from __future__ import annotations

import time

import graphene
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import get_introspection_query, parse, validate

from designer.core.graphql_limits import QueryLimitsRule
from designer.runs import engine
from designer.workspaces.services import personal_workspace
from tests.designer.runs import graphs as g
from tests.designer.workspaces.conftest import json_post, session_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(make_user):
    return session_client(make_user("ada"))


def gql(client, query: str, **variables):
    return json_post(client, "/graphql/", {"query": query, "variables": variables})


def refused(response, code: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert "data" not in body or body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == code, error
    return error


def test_ordinary_queries_and_graphiql_introspection_pass(client) -> None:
    assert gql(client, "{ modules { key title inputs outputs paramsSchema } }").status_code == 200
    assert gql(client, "{ runs(first: 100) { id status steps { node status metrics } } }").status_code == 200
    introspection = gql(client, get_introspection_query(descriptions=True))
    assert introspection.status_code == 200 and introspection.json()["data"]["__schema"]["queryType"]


def test_alias_fan_out_is_refused_with_the_measured_cost(client) -> None:
    fields = " ".join(f"a{i}: modules {{ key title help }}" for i in range(30))
    error = refused(gql(client, f"{{ {fields} }}"), "query_too_costly")
    assert error["extensions"]["cost"] > error["extensions"]["limit"] == 10_000
    assert "aliases" in error["message"]


def test_a_small_document_cannot_fan_out_through_nested_list_aliases(client) -> None:
    # About 100 bytes: 3 aliases of a 200-run page, each with 3 aliases of every step.
    query = "{a:runs(first:200){...S} b:runs(first:200){...S} c:runs(first:200){...S}} fragment S on RunType{x:steps{node} y:steps{node} z:steps{node}}"
    refused(gql(client, query), "query_too_costly")


def test_fragments_are_measured_once_so_a_fragment_bomb_is_refused_fast(client) -> None:
    layers = ["fragment F0 on RunType { steps { node status } }"]
    for level in range(1, 25):
        layers.append(
            f"fragment F{level} on RunType {{ ...F{level - 1} x{level}: steps {{ node }} ...F{level - 1} }}"
        )
    query = "{ runs { ...F24 } } " + " ".join(layers)
    started = time.perf_counter()
    refused(gql(client, query), "query_too_costly")
    assert time.perf_counter() - started < 2.0


def test_mutation_fan_out_is_refused(client) -> None:
    calls = " ".join(
        f'c{i}: cancelRun(id: "00000000-0000-0000-0000-00000000000{i % 10}") {{ run {{ id }} }}'
        for i in range(11)
    )
    refused(gql(client, f"mutation {{ {calls} }}"), "query_too_costly")


def test_oversized_documents_are_refused_at_parse_time(client) -> None:
    many_tokens = refused(gql(client, "{" + "modules{key}" * 1000 + "}"), "query_too_large")
    assert "tokens" in many_tokens["message"]
    too_long = refused(gql(client, "{ modules { key } }" + " " * 40_000), "query_too_large")
    assert "code points" in too_long["message"]


def test_repeated_introspection_is_refused(client) -> None:
    query = "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(3)) + " }"
    refused(gql(client, query), "too_much_introspection")
    deep = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    assert gql(client, deep).status_code == 400  # graphql-core's introspection depth rule


def test_depth_limit_on_a_recursive_schema() -> None:
    class Node(graphene.ObjectType):
        name = graphene.String()
        children = graphene.List(lambda: Node)
        parent = graphene.Field(lambda: Node)

    class Query(graphene.ObjectType):
        root = graphene.Field(Node)

    schema = graphene.Schema(query=Query).graphql_schema
    nine = "{ root { " + "parent { " * 8 + "name" + " }" * 8 + " } }"
    errors = validate(schema, parse(nine), [QueryLimitsRule])
    assert [e.extensions["code"] for e in errors] == ["query_too_deep"]
    assert errors[0].extensions == {"code": "query_too_deep", "depth": 10, "limit": 8}
    fine = "{ root { " + "parent { " * 5 + "name" + " }" * 5 + " } }"
    assert validate(schema, parse(fine), [QueryLimitsRule]) == []
    # Lists without a page size count DEFAULT_LIST_SIZE (20) each: 20 ** 4 > 10,000.
    wide = "{ root { children { children { children { children { name } } } } } }"
    assert [e.extensions["code"] for e in validate(schema, parse(wide), [QueryLimitsRule])] == [
        "query_too_costly"
    ]


def test_limits_come_from_settings(client, settings) -> None:
    settings.GRAPHQL_LIMITS = {"max_depth": 1}
    refused(gql(client, "{ runs { steps { node } } }"), "query_too_deep")


def _submit_runs(user, count: int) -> None:
    from designer.graphs import services as graphs

    pipeline = graphs.create_pipeline(
        personal_workspace(user),
        user,
        "p",
        g.graph([g.node("d", "data_input_output.enter_data_manually", data=g.TINY_CSV)], []),
    )
    for _ in range(count):
        engine.submit(pipeline, user)


def test_list_fields_do_not_query_per_item(client, django_user_model, django_assert_max_num_queries) -> None:
    user = django_user_model.objects.get(username="ada")
    query = "{ runs { id experiment pipeline pipelineVersion steps { node status cachedFromRun } } pipelines { id name } }"

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = gql(client, query)
        assert response.status_code == 200 and "errors" not in response.json(), response.content
        return len(captured.captured_queries)

    _submit_runs(user, 2)
    few = count_queries()
    _submit_runs(user, 6)
    assert count_queries() == few  # the same number of queries for 2 runs and 8
    with django_assert_max_num_queries(8):
        gql(client, query)
