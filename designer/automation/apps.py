from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "designer.automation"
    label = "automation"
    verbose_name = "Automation: published pipelines, schedules, drift retraining, notifications"
