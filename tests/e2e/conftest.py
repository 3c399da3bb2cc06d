"""Browser tests: Playwright drives Chromium against the real site served by
pytest-django's live server (the test database: SQLite or PostgreSQL)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import LAUNCH_ARGS, find_chromium

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls our tests
    # make between browser steps are ordinary synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    path = find_chromium()
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
        except Exception as error:  # no browser at all: say how to get one
            pytest.fail(
                f"No Chromium for the browser tests ({error}). Install Debian's `chromium`, "
                "set CHROMIUM_PATH, or run `.venv/bin/playwright install chromium`."
            )
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """What the data migrations create (sections, roles), back after each test's flush.

    (Django's serialized_rollback cannot be used: Playwright's sync API runs the test in
    another context, where the connection that holds the serialized data is not seen.)"""
    from importlib import import_module

    from django.apps import apps

    import_module("articles.migrations.0002_sections_and_roles").seed(apps)


@pytest.fixture
def site(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def new_page(browser):
    """Pages in fresh contexts (separate cookies), closed after the test."""
    contexts = []

    def make(*, width=1280, height=900, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                page.errors.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    """Save a screenshot under tests/artifacts/<test>/<step>.png."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, step: str, *, full_page: bool = True):
        page.screenshot(path=str(folder / f"{step}.png"), full_page=full_page)

    return take


def log_in(page, site: str, username: str, password: str = "pw"):
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))


def choose_in_autocomplete(page, field_id: str, text: str):
    """Pick `text` in a Django admin autocomplete (select2) field."""
    page.click(f"#{field_id} + .select2")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:has-text('{text}')")
