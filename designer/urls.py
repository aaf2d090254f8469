from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from designer.automation import api as automation_api
from designer.catalog import api as catalog_api
from designer.core import views as core
from designer.core.graphql_view import DesignerGraphQLView
from designer.datasets.api import DatasetViewSet
from designer.deployments import api as deployments_api
from designer.graphs.api import PipelineViewSet
from designer.registry import api as registry_api
from designer.runs.api import ExperimentViewSet, RunViewSet
from designer.workspaces import api as workspaces_api

router = SimpleRouter()
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("runs", RunViewSet, basename="run")
router.register("experiments", ExperimentViewSet, basename="experiment")
router.register("datasets", DatasetViewSet, basename="dataset")
router.register("models", registry_api.ModelViewSet, basename="model")
router.register("endpoints", deployments_api.EndpointViewSet, basename="endpoint")
router.register("workspaces", workspaces_api.WorkspaceViewSet, basename="workspace")
router.register("tokens", workspaces_api.ApiTokenViewSet, basename="token")
router.register("pipeline-endpoints", automation_api.PipelineEndpointViewSet, basename="pipeline-endpoint")
router.register("schedules", automation_api.ScheduleViewSet, basename="schedule")
router.register("drift-alerts", automation_api.DriftAlertViewSet, basename="drift-alert")
router.register("notifications", automation_api.NotificationViewSet, basename="notification")

api_v1 = [
    path("auth/csrf/", core.csrf, name="auth-csrf"),
    path("auth/login/", core.login_view, name="auth-login"),
    path("auth/logout/", core.logout_view, name="auth-logout"),
    path("auth/me/", core.me, name="auth-me"),
    path("auth/signup/", workspaces_api.sign_up, name="auth-signup"),
    path("auth/password/", workspaces_api.change_password, name="auth-password"),
    path("invitations/<str:token>/accept/", workspaces_api.accept_invitation, name="invitation-accept"),
    path("modules/", catalog_api.module_list, name="module-list"),
    path("modules/<str:key>/", catalog_api.module_detail, name="module-detail"),
    path("samples/", catalog_api.sample_list, name="sample-list"),
    path("templates/", include("designer.templates.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("runs/<uuid:run_id>/deploy/", deployments_api.deploy, name="run-deploy"),
    path("runs/<uuid:run_id>/inference-graph/", deployments_api.inference_graph, name="run-inference-graph"),
    path("endpoints/<str:name>/score/", deployments_api.score_view, name="endpoint-score"),
    path("lineage/", registry_api.lineage_view, name="lineage"),
    path("pipelines/<uuid:pk>/publish/", automation_api.publish, name="pipeline-publish"),
    path("endpoints/<str:name>/drift-monitor/", automation_api.drift_monitor, name="endpoint-drift-monitor"),
    path(
        "endpoints/<str:name>/drift-monitor/check/", automation_api.drift_check, name="endpoint-drift-check"
    ),
    path("workspaces/<str:pk>/webhook/", automation_api.webhook, name="workspace-webhook"),
    path(
        "workspaces/<str:pk>/webhook/test/",
        automation_api.webhook_test,
        name="workspace-webhook-test",
    ),
    *router.urls,
]

urlpatterns = [
    path("healthz", core.healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    # Session writes need the CSRF token; a Bearer API token needs none (see DesignerGraphQLView).
    path("graphql/", DesignerGraphQLView.as_view(graphiql=True)),
    path("admin/", admin.site.urls),
    path("", core.root),
    re_path(r"^app(?:/(?P<path>.*))?$", core.spa, name="spa"),
]
