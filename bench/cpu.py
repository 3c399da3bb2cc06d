"""CPU time per request of each page kind, in one process, with the page cache off.

    .venv/bin/python bench/cpu.py          # after bench/run.py has seeded the bench database

Requests go through Django's test client (every middleware, no gunicorn, no wrk), on the
bench database and production settings. Each kind is requested 20 times to warm up, then
seven batches of 40; the best batch is printed, which is far steadier on a noisy machine
than requests per second under wrk. See docs/performance.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, manage, production_env  # noqa: E402

SCRIPT = """
import json, time
from django.test import Client
from taggit.models import Tag
from articles.models import Article, Section
from authors.models import Author
client = Client()
urls = {
    "article": Article.objects.published().order_by("-published_at")[5].get_absolute_url(),
    "front": "/",
    "section": Section.objects.order_by("position").first().get_absolute_url(),
    "tag": "/tags/%s/" % Tag.objects.order_by("pk").first().slug,
    "author": Author.objects.filter(bylines__isnull=False).order_by("pk")[0].get_absolute_url(),
    "feed": "/feed/",
    "search": "/search/?q=port+authority",
}
for kind, url in urls.items():
    assert client.get(url).status_code == 200, url
    for _ in range(20):
        client.get(url)
    best = float("inf")
    for _ in range(7):
        started = time.process_time()
        for _ in range(40):
            client.get(url)
        best = min(best, (time.process_time() - started) / 40 * 1000)
    print(json.dumps({"page": kind, "path": url, "cpu_ms_per_request": round(best, 2)}))
"""

if __name__ == "__main__":
    env = production_env(
        DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, PAGE_CACHE_SECONDS="0", ALLOWED_HOSTS="testserver"
    )
    print(manage("shell", "-v0", "-c", SCRIPT, env=env), end="")
