from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "designer.runs"
    label = "runs"
