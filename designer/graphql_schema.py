"""The GraphQL schema: a read model over the same services the REST API uses, plus the main mutations.

Every resolver scopes by the caller's workspaces through designer.workspaces.services, like REST.
"""

from __future__ import annotations

import graphene
from graphene.types.generic import GenericScalar
from graphql import GraphQLError

from designer.catalog import services as catalog
from designer.graphs.models import Pipeline
from designer.registry.graphql import RegistryQuery
from designer.runs import engine
from designer.runs.models import Run
from designer.workspaces.services import can_write, scope_to_user


def _user(info):
    user = info.context.user
    if not user.is_authenticated:
        raise GraphQLError("Sign in first.", extensions={"code": "not_authenticated"})
    return user


class ModuleType(graphene.ObjectType):
    key = graphene.String(required=True)
    version = graphene.Int(required=True)
    title = graphene.String(required=True)
    category = graphene.String(required=True)
    help = graphene.String()
    inputs = GenericScalar()
    outputs = GenericScalar()
    params_schema = GenericScalar()


class StepType(graphene.ObjectType):
    node = graphene.String(required=True)
    title = graphene.String(required=True)
    module = graphene.String(required=True)
    status = graphene.String(required=True)
    error = GenericScalar()
    metrics = GenericScalar()
    outputs = GenericScalar()
    duration_ms = graphene.Float()
    cached_from_run = graphene.String()


class RunType(graphene.ObjectType):
    id = graphene.ID(required=True)
    status = graphene.String(required=True)
    experiment = graphene.String(required=True)
    pipeline = graphene.ID(required=True)
    pipeline_version = graphene.Int(required=True)
    created_at = graphene.DateTime()
    finished_at = graphene.DateTime()
    steps = graphene.List(graphene.NonNull(StepType), required=True)

    @staticmethod
    def from_model(run: Run) -> RunType:
        return RunType(
            id=run.pk,
            status=run.status,
            experiment=run.experiment.name,
            pipeline=run.pipeline_version.pipeline_id,
            pipeline_version=run.pipeline_version.number,
            created_at=run.created_at,
            finished_at=run.finished_at,
            steps=[
                StepType(
                    node=s.node_id, title=s.title, module=s.module_key, status=s.status, error=s.error,
                    metrics=s.metrics, outputs=s.outputs, duration_ms=s.duration_ms,
                    cached_from_run=str(s.cached_from.run_id) if s.cached_from is not None else None,
                )
                for s in run.steps.all()
            ],
        )  # fmt: skip


class PipelineType(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    description = graphene.String()
    graph = GenericScalar()
    updated_at = graphene.DateTime()


def _runs(user):
    return scope_to_user(Run.objects.select_related("experiment", "pipeline_version"), user).prefetch_related(
        "steps__cached_from"
    )


class Query(RegistryQuery, graphene.ObjectType):
    modules = graphene.List(graphene.NonNull(ModuleType), required=True)
    pipelines = graphene.List(
        graphene.NonNull(PipelineType), required=True, first=graphene.Int(default_value=50)
    )
    runs = graphene.List(graphene.NonNull(RunType), required=True, first=graphene.Int(default_value=50))
    run = graphene.Field(RunType, id=graphene.ID(required=True))

    def resolve_modules(root, info):
        fields = ModuleType._meta.fields
        return [
            ModuleType(**{k: v for k, v in spec.items() if k in fields}) for spec in catalog.module_specs()
        ]

    def resolve_pipelines(root, info, first: int):
        pipelines = scope_to_user(Pipeline.objects.all(), _user(info))[: min(first, 200)]
        return [
            PipelineType(
                id=p.pk, name=p.name, description=p.description, graph=p.draft, updated_at=p.updated_at
            )
            for p in pipelines
        ]

    def resolve_runs(root, info, first: int):
        return [RunType.from_model(r) for r in _runs(_user(info))[: min(first, 200)]]

    def resolve_run(root, info, id: str):
        run = _runs(_user(info)).filter(pk=id).first()
        return RunType.from_model(run) if run else None


class SubmitRun(graphene.Mutation):
    class Arguments:
        pipeline = graphene.ID(required=True)
        experiment = graphene.String(default_value="Default")

    run = graphene.Field(RunType)
    problems = GenericScalar()

    def mutate(root, info, pipeline: str, experiment: str):
        user = _user(info)
        found = scope_to_user(Pipeline.objects.all(), user).filter(pk=pipeline).first()
        if found is None or not can_write(user, found.workspace_id):
            raise GraphQLError("No such pipeline you may run.", extensions={"code": "not_found"})
        try:
            run = engine.submit(found, user, experiment_name=experiment)
        except engine.GraphInvalid as exc:
            return SubmitRun(run=None, problems=[p.as_dict() for p in exc.problems])
        return SubmitRun(run=RunType.from_model(Run.objects.get(pk=run.pk)), problems=[])


class CancelRun(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)

    run = graphene.Field(RunType)

    def mutate(root, info, id: str):
        user = _user(info)
        run = scope_to_user(Run.objects.all(), user).filter(pk=id).first()
        if run is None or not can_write(user, run.workspace_id):
            raise GraphQLError("No such run you may cancel.", extensions={"code": "not_found"})
        return CancelRun(run=RunType.from_model(engine.cancel(run, actor=user)))


class Mutation(graphene.ObjectType):
    submit_run = SubmitRun.Field()
    cancel_run = CancelRun.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
