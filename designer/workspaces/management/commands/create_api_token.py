"""Create a personal API token for a user from the server's shell (for headless setups and CI)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from designer.workspaces import tokens


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--days", type=int, default=tokens.DEFAULT_EXPIRY_DAYS)

    def handle(self, *args, username: str, name: str, days: int, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active user '{username}'.")
        if not 1 <= days <= tokens.MAX_EXPIRY_DAYS:
            raise CommandError(f"--days must be between 1 and {tokens.MAX_EXPIRY_DAYS}.")
        token, raw = tokens.create_token(user, name, days)
        self.stdout.write(raw)
        self.stderr.write(f"Token '{name}' for {username}, expires {token.expires_at:%Y-%m-%d}. Shown once.")
