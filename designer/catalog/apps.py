from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "designer.catalog"
    label = "catalog"
    verbose_name = "Module catalogue"
