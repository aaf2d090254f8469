from django.apps import AppConfig


class TemplatesConfig(AppConfig):
    name = "designer.templates"
    label = "pipeline_templates"
    verbose_name = "Template gallery"
