"""Screenshots of the readers' site for the docs, from a running site (`make run`).

    .venv/bin/python docs/screenshots/take.py [http://127.0.0.1:8000]

Writes article-390.png and article-1280.png (phone and desktop widths, full page) and
front-1280.png next to this file, using the same Chromium as the browser tests."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.e2e.browser import LAUNCH_ARGS, find_chromium  # noqa: E402

HERE = Path(__file__).resolve().parent


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/")
        page.screenshot(path=str(HERE / "front-1280.png"))
        # The demo story with two bylines, two agencies and a correction shows the most.
        story = page.locator(".card__title a", has_text="Jordan opens second border crossing")
        if not story.count():
            story = page.locator(".card--lead .card__title a")
        article = story.first.get_attribute("href")
        for width in (390, 1280):
            page = browser.new_page(viewport={"width": width, "height": 844})
            page.goto(base + article)
            page.evaluate(
                "document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
            )
            page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
            page.screenshot(path=str(HERE / f"article-{width}.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
