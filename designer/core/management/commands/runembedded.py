"""`python manage.py runembedded`: migrate, make sure an admin exists, then start Redis, a worker and
the web server, and stop all of them on Ctrl-C. This is what `make run` calls."""

from __future__ import annotations

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from designer import embedded


class Command(BaseCommand):
    help = "Start the embedded designer: Redis, one Celery worker and the ASGI web server."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--queues", default=os.environ.get("WORKER_QUEUES", "cpu"))
        parser.add_argument("--concurrency", type=int, default=None)

    def handle(self, *args, host: str, port: int, queues: str, concurrency: int | None, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("ensure_admin")
        code = embedded.run(host, port, [q for q in queues.split(",") if q], concurrency)
        if code:
            raise SystemExit(code)
