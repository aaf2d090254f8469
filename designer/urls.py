from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from graphene_django.views import GraphQLView
from rest_framework.routers import SimpleRouter

from designer.catalog import api as catalog_api
from designer.core import views as core
from designer.datasets.api import DatasetViewSet
from designer.graphs.api import PipelineViewSet
from designer.runs.api import ExperimentViewSet, RunViewSet

router = SimpleRouter()
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("runs", RunViewSet, basename="run")
router.register("experiments", ExperimentViewSet, basename="experiment")
router.register("datasets", DatasetViewSet, basename="dataset")

api_v1 = [
    path("auth/csrf/", core.csrf, name="auth-csrf"),
    path("auth/login/", core.login_view, name="auth-login"),
    path("auth/logout/", core.logout_view, name="auth-logout"),
    path("auth/me/", core.me, name="auth-me"),
    path("modules/", catalog_api.module_list, name="module-list"),
    path("modules/<str:key>/", catalog_api.module_detail, name="module-detail"),
    path("samples/", catalog_api.sample_list, name="sample-list"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    *router.urls,
]

urlpatterns = [
    path("healthz", core.healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    # Session-authenticated, so mutations need the CSRF token like every other session write.
    path("graphql/", GraphQLView.as_view(graphiql=True)),
    path("admin/", admin.site.urls),
    path("", core.root),
    re_path(r"^app(?:/(?P<path>.*))?$", core.spa, name="spa"),
]
