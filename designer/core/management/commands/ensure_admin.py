"""Create the first admin account when there is none, and print its generated password once."""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create an 'admin' superuser with a random password if no superuser exists."

    def handle(self, *args, **options) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            return
        username = os.environ.get("DESIGNER_ADMIN_USER", "admin")
        password = os.environ.get("DESIGNER_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)  # type: ignore[attr-defined]
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the first user. Sign in as '{username}' with password: {password}\n"
                "(shown once; change it after signing in)"
            )
        )
