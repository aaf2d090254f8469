"""Automation: published pipelines with parameters, schedules run by Celery beat, drift-triggered
retraining, and notifications (in the app and to a workspace webhook)."""
