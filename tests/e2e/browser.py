"""Which Chromium the browser tests drive.

CHROMIUM_PATH wins; then Debian's /usr/bin/chromium (what CI installs); then a browser
Playwright downloaded itself (`playwright install chromium`, where downloads work).
`python -m tests.e2e.browser` prints the path or exits 1 (used by `make test`)."""

import os
import shutil
import sys
from pathlib import Path

# Headless, and quiet: this machine's network is closed, so no background connections.
LAUNCH_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip


def find_chromium() -> str | None:
    candidates = [
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        shutil.which("chromium"),
        "/Applications/Chromium.app/Contents/MacOS/Chromium",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    return None  # Playwright's own download, if any, is used


def playwright_has_its_own() -> bool:
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            return Path(playwright.chromium.executable_path).exists()
    except Exception:
        return False


if __name__ == "__main__":
    path = find_chromium()
    if path or playwright_has_its_own():
        print(path or "playwright's chromium")
        sys.exit(0)
    sys.exit(1)
