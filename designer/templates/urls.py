from django.urls import path

from . import api

urlpatterns = [
    path("", api.template_list, name="template-list"),
    path("<slug:slug>/", api.template_detail, name="template-detail"),
    path("<slug:slug>/thumbnail.svg", api.template_thumbnail, name="template-thumbnail"),
    path("<slug:slug>/instantiate/", api.template_instantiate, name="template-instantiate"),
]
