"""Load the demo newsroom: accounts now, stories as the domain grows. Safe to run twice."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_ACCOUNTS = ("editor", "journalist")


class Command(BaseCommand):
    help = (
        "Create the demo newsroom (idempotent). Passwords come from DEMO_PASSWORD or are generated."
    )

    def handle(self, *args, **options):
        password = self.demo_password()
        User = get_user_model()
        for username in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            user.is_staff = True
            user.set_password(password)
            user.save()
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/")
        for username in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username} / {password}")

    def demo_password(self) -> str:
        import os

        if os.environ.get("DEMO_PASSWORD"):
            return os.environ["DEMO_PASSWORD"]
        stored = Path(settings.BASE_DIR) / "var" / "demo-password"
        if not stored.exists():
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_text(secrets.token_urlsafe(12))
        return stored.read_text().strip()
