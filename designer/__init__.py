"""The designer: Django project, its apps, the run engine and the deployments."""

from .celery_app import app as celery_app

__all__ = ["celery_app"]
