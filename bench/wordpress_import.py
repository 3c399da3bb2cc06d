"""Speed and memory of `manage.py import_wordpress` on generated exports, without media.

    .venv/bin/python bench/wordpress_import.py                  # 5,000 and 50,000 posts
    .venv/bin/python bench/wordpress_import.py --posts 2000     # one size
    DATABASE_URL=postgres://…/bench .venv/bin/python bench/wordpress_import.py

Writes each export to a temporary folder (streaming, so the generator itself stays small):
every post has a title, three paragraphs of classic-editor text with a heading, a caption
shortcode and an embed, two categories (one mapped to a section) and five tags from a
pool of 500, an author from a pool of 20; one post in ten is a draft. Each size is
imported into a fresh database (SQLite in the temporary folder unless DATABASE_URL is set;
a PostgreSQL database is emptied first) by a child process, with the progress bar off.
Prints JSON lines: posts, file size, wall and CPU seconds, posts per second (wall and
per CPU second) and the child's peak resident memory. Targets (issue 19): at least 200
posts a second, memory flat as the file grows.
"""

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench Times</title><link>https://bench.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
"""

BODY = """<h1>Heading {n}</h1>
The council met on Tuesday to discuss story {n}. Residents asked about the budget,
the new road and the school that was promised three years ago.

[caption id="attachment_1"]<img src="https://bench.example/a.jpg" alt="x"> A caption.[/caption]

https://www.youtube.com/watch?v=bench{n}

"We will see," the mayor said. The next meeting is in <strong>two weeks</strong>, and
<a href="https://bench.example/{n}">the minutes</a> are online."""


def write_export(path: Path, posts: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for a in range(20):
            out.write(
                f"<wp:author><wp:author_login>writer{a}</wp:author_login>"
                f"<wp:author_display_name><![CDATA[Writer {a}]]></wp:author_display_name>"
                "</wp:author>\n"
            )
        for c, name in enumerate(("News", "Opinion", "Sport", "Culture")):
            out.write(
                f"<wp:category><wp:term_id>{c + 1}</wp:term_id><wp:category_nicename>"
                f"{name.lower()}</wp:category_nicename><wp:cat_name><![CDATA[{name}]]>"
                "</wp:cat_name></wp:category>\n"
            )
        for t in range(500):
            out.write(
                f"<wp:tag><wp:term_id>{100 + t}</wp:term_id><wp:tag_slug>topic-{t}</wp:tag_slug>"
                f"<wp:tag_name><![CDATA[Topic {t}]]></wp:tag_name></wp:tag>\n"
            )
        for n in range(1, posts + 1):
            day = f"20{10 + n % 14:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            status = "draft" if n % 10 == 0 else "publish"
            tags = "".join(
                f'<category domain="post_tag" nicename="topic-{(n * 7 + k) % 500}">'
                f"<![CDATA[Topic {(n * 7 + k) % 500}]]></category>"
                for k in range(5)
            )
            out.write(
                f"""<item><title>Story number {n} about the council</title>
<link>https://bench.example/{day.replace("-", "/")}/story-{n}/</link>
<dc:creator><![CDATA[writer{n % 20}]]></dc:creator>
<guid isPermaLink="false">https://bench.example/?p={n}</guid>
<content:encoded><![CDATA[{BODY.format(n=n)}]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{n}</wp:post_id><wp:post_date_gmt>{day} 10:00:00</wp:post_date_gmt>
<wp:post_name>story-{n}</wp:post_name><wp:status>{status}</wp:status>
<wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type><wp:post_password/>
<category domain="category" nicename="news"><![CDATA[News]]></category>
<category domain="category" nicename="opinion"><![CDATA[Opinion]]></category>{tags}
</item>
"""
            )
        out.write("</channel></rss>\n")


def child(export: Path) -> None:
    """In a child process: a fresh database, then the measured import."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from articles.models import Article
    from tests.factories import make_user

    if Article.objects.exists():
        raise SystemExit("The benchmark database is not empty: give it a database of its own.")
    make_user("bench-editor", "Editor")
    started, cpu_started = time.perf_counter(), time.process_time()
    call_command(
        "import_wordpress",
        str(export),
        by="bench-editor",
        sections="News=Politics",
        no_fetch=True,
        quiet=True,
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    count = Article.objects.count()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "articles": count,
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu, 1),
                "peak_mb": round(peak_mb),
            }
        )
    )


def parse_child(export: Path) -> None:
    """In a child process: both passes of the reader over the file, writing nothing."""
    sys.path.insert(0, str(ROOT))
    from wordpress import wxr

    started = time.perf_counter()
    items = 0
    for _ in range(2):  # the importer reads the file twice
        for _item in wxr.read(export, wxr.Channel()):
            items += 1
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 1), "peak_mb": round(peak_mb)}))


def measure_parsing(posts: int, folder: Path) -> dict:
    export = folder / f"export-{posts}.xml"
    write_export(export, posts)
    result = subprocess.run(
        [PYTHON, __file__, "--parse-child", str(export)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    size_mb = round(export.stat().st_size / 1024 / 1024, 1)
    export.unlink()
    return {
        "parse_only": True,
        "posts": posts,
        "file_mb": size_mb,
        **figures,
        "posts_per_second": round(posts / max(figures["seconds"], 0.01)),
    }


def measure(posts: int, folder: Path) -> dict:
    export = folder / f"export-{posts}.xml"
    write_export(export, posts)
    env = {
        **os.environ,
        "SQLITE_PATH": str(folder / f"bench-{posts}.sqlite3"),
        # Production settings: DEBUG would keep every query's SQL.
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS") or "bench.example",
    }
    if env.get("DATABASE_URL"):
        subprocess.run(  # an empty schema for each size
            [PYTHON, "-c", _FLUSH], env=env, cwd=ROOT, check=True
        )
    result = subprocess.run(
        [PYTHON, __file__, "--child", str(export)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "posts": posts,
        "file_mb": round(export.stat().st_size / 1024 / 1024, 1),
        **figures,
        "posts_per_second": round(posts / figures["seconds"]),
        # On a shared machine the wall clock measures the neighbours too: posts per second
        # of the importer's own CPU time is what one free core would do (plus fsyncs).
        "posts_per_cpu_second": round(posts / max(figures["cpu_seconds"], 0.01)),
    }


_FLUSH = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, action="append")
    parser.add_argument(
        "--parse-only",
        action="store_true",
        help="Only the reader's two passes (no database): its speed and memory.",
    )
    parser.add_argument("--child")
    parser.add_argument("--parse-child")
    args = parser.parse_args()
    if args.child:
        child(Path(args.child))
        return
    if args.parse_child:
        parse_child(Path(args.parse_child))
        return
    with tempfile.TemporaryDirectory(prefix="wp-bench-") as folder:
        for posts in args.posts or [5_000, 50_000]:
            how = measure_parsing if args.parse_only else measure
            print(json.dumps(how(posts, Path(folder))), flush=True)


if __name__ == "__main__":
    main()
