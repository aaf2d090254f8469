"""The Celery application. Queues: ``cpu`` (default) and ``gpu``.

Configuration comes from Django settings (``CELERY_*``), read lazily so that test settings and the
embedded launcher's environment are honoured. Late acknowledgement and reject-on-worker-lost put a task
whose worker dies back in the queue; the run engine adds its own step leases on top, because a
whole-worker kill -9 can still lose a task for the broker's visibility timeout.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

app = Celery("designer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
