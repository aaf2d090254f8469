"""The GraphQL schema: a read model over the same services the REST API uses."""

import graphene
from graphene.types.generic import GenericScalar

from designer.catalog import services as catalog


class ModuleType(graphene.ObjectType):
    key = graphene.String(required=True)
    version = graphene.Int(required=True)
    title = graphene.String(required=True)
    category = graphene.String(required=True)
    help = graphene.String()
    inputs = GenericScalar()
    outputs = GenericScalar()
    params_schema = GenericScalar()


class Query(graphene.ObjectType):
    modules = graphene.List(graphene.NonNull(ModuleType), required=True)

    def resolve_modules(root, info):
        return [
            ModuleType(**{k: v for k, v in spec.items() if k in ModuleType._meta.fields})
            for spec in catalog.module_specs()
        ]


schema = graphene.Schema(query=Query)
