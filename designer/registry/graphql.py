"""GraphQL for lineage: ``lineage(kind, id)`` answers what ``GET /api/v1/lineage/`` answers."""

from __future__ import annotations

import graphene
from graphql import GraphQLError

from . import lineage as lineage_service


class LineageNodeType(graphene.ObjectType):
    key = graphene.String(required=True)
    kind = graphene.String(required=True)
    id = graphene.String(required=True)
    label = graphene.String(required=True)
    status = graphene.String()
    url = graphene.String()


class LineageEdgeType(graphene.ObjectType):
    source = graphene.String(required=True, name="from")
    target = graphene.String(required=True, name="to")
    relation = graphene.String(required=True)


class LineageType(graphene.ObjectType):
    root = graphene.String(required=True, description="The key (<kind>:<id>) of the node asked about")
    nodes = graphene.List(graphene.NonNull(LineageNodeType), required=True)
    edges = graphene.List(graphene.NonNull(LineageEdgeType), required=True)
    truncated = graphene.Boolean(required=True)


class RegistryQuery(graphene.ObjectType):
    lineage = graphene.Field(
        LineageType,
        kind=graphene.String(required=True, description="dataset_version, run, model_version or endpoint"),
        id=graphene.String(required=True),
        workspace=graphene.Int(),
    )

    def resolve_lineage(root, info, kind: str, id: str, workspace: int | None = None):
        user = info.context.user
        if not user.is_authenticated:
            raise GraphQLError("Sign in first.", extensions={"code": "not_authenticated"})
        try:
            found = lineage_service.lineage(user, kind, id, workspace)
        except lineage_service.LineageError as exc:
            raise GraphQLError(exc.message, extensions={"code": exc.code}) from None
        except LookupError:
            raise GraphQLError(
                f"There is no such {kind.replace('_', ' ')} in your workspaces.",
                extensions={"code": "not_found"},
            ) from None
        fields = LineageNodeType._meta.fields
        return LineageType(
            root=f"{found['root']['kind']}:{found['root']['id']}",
            nodes=[
                LineageNodeType(**{k: v for k, v in node.items() if k in fields}) for node in found["nodes"]
            ],
            edges=[
                LineageEdgeType(source=e["from"], target=e["to"], relation=e["relation"])
                for e in found["edges"]
            ],
            truncated=found["truncated"],
        )
