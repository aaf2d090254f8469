from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    name = "designer.deployments"
    label = "deployments"
