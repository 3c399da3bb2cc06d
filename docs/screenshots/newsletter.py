"""Screenshots of the newsletter for the docs: the subscribe flow and a briefing email.

    .venv/bin/python docs/screenshots/newsletter.py

Starts the development server on a throw-away SQLite database with the demo newsroom, its
worker in a thread, and an SMTP server (aiosmtpd) in this process; subscribes through the
front page's form in Chromium, follows the confirmation email's link, sends a briefing and
opens the email received. Writes newsletter-*.png next to this file."""

import email
import email.policy
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.e2e.browser import LAUNCH_ARGS, find_chromium  # noqa: E402
from tests.support import free_port, wait_for_http  # noqa: E402

HERE = Path(__file__).resolve().parent


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def wait(self, count: int) -> email.message.EmailMessage:
        for _ in range(300):
            if len(self.messages) >= count:
                return self.messages[count - 1]
            time.sleep(0.1)
        raise SystemExit("no email arrived")


def main() -> None:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "ENV_FILE": "", "SQLITE_PATH": f"{tmp}/db.sqlite3", "MEDIA_ROOT": f"{tmp}/media",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port), "EMAIL_USE_TLS": "0",
            "SITE_URL": base, "TASKS_EMBEDDED_WORKER": "1", "DEMO_PASSWORD": "screenshots-only",
        }  # fmt: skip
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        server = subprocess.Popen(
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for_http(base + "/healthz", timeout=60)
            shoot(base, inbox, manage, env)
        finally:
            server.terminate()
            server.wait()
            smtp.stop()


def shoot(base, inbox, manage, env) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/")
        form = page.locator(".newsletter-signup")
        form.scroll_into_view_if_needed()
        page.fill("#nl-email-front-page", "reader@example.com")
        page.check("input[name=sections][value=politics]")
        form.screenshot(path=str(HERE / "newsletter-form.png"))
        page.click(".newsletter-signup button[type=submit]")
        page.screenshot(path=str(HERE / "newsletter-check-inbox.png"))
        confirmation = inbox.wait(1)
        text = confirmation.get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"https?://\S+/newsletter/confirm/\S+", text).group(0)
        page.goto(link)
        page.screenshot(path=str(HERE / "newsletter-confirm.png"))
        page.click("main form button[type=submit]")
        page.screenshot(path=str(HERE / "newsletter-subscribed.png"))
        subprocess.run(
            [*manage, "shell", "-c", "from newsletter import services; services.start_briefing()"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        briefing = inbox.wait(2)
        html = briefing.get_body(preferencelist=("html",)).get_content()
        mail = browser.new_page(viewport={"width": 700, "height": 900})
        # Shown at an address of the site itself: development media answers with
        # Cross-Origin-Resource-Policy: same-origin (see docs/newsletter.md on images).
        mail.route(
            base + "/email-preview",
            lambda route: route.fulfill(body=html, content_type="text/html"),
        )
        mail.goto(base + "/email-preview")
        mail.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
        mail.screenshot(path=str(HERE / "newsletter-briefing.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
