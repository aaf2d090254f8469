from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "designer.workspaces"
    label = "workspaces"
