"""A later migration that remakes the articles table works on both databases, and the tag
links keep their story's publish time afterwards (issue 15, item 2).

On SQLite, Django alters a column or adds a non-nullable one by remaking the table: it
creates `new__articles_article`, copies the rows, drops the old table and renames the new
one. The triggers that copy publish times to tag links (docs/decisions.md) broke the rename
("no such table: main.articles_article"), and the table's own trigger would have been
dropped with the old table. The migration runs in a process of its own
(tests/articles/later_migration.py) on a fresh database, so the test database is untouched.
"""

import contextlib
import json
import shutil
import subprocess
import sys
import textwrap

import psycopg
import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from articles.models import Article, Status
from tests.factories import make_article
from tests.support import ROOT, clean_env

LATER_MIGRATION = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "{last}")]

    operations = [
        # A longer headline: SQLite remakes the table to change a column.
        migrations.AlterField(
            model_name="article",
            name="headline",
            field=models.CharField(max_length=250),
        ),
        # A non-nullable column with a default: SQLite remakes the table again.
        migrations.AddField(
            model_name="article",
            name="is_exclusive",
            field=models.BooleanField(default=False),
        ),
    ]
"""


def write_migrations_with_a_later_one(folder) -> str:
    """Today's articles migrations plus one after them, as a package in `folder`; returns
    the name of today's last migration."""
    (last,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("articles")
    package = folder / "later_articles_migrations"
    shutil.copytree(ROOT / "articles" / "migrations", package,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    (package / "9999_later.py").write_text(textwrap.dedent(LATER_MIGRATION.format(last=last[1])))
    return last[1]


@contextlib.contextmanager
def fresh_database(tmp_path):
    """The URL of an empty database on the server this test run uses."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'later.sqlite3'}"
        return
    settings = connection.settings_dict
    server = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or None,
    }
    name = f"{settings['NAME']}_later_migrations"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            password = f":{server['password']}" if server["password"] else ""
            yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_later_migration_that_remakes_the_articles_table_keeps_tag_pages_in_order(tmp_path):
    last = write_migrations_with_a_later_one(tmp_path)
    with fresh_database(tmp_path) as database_url:
        env = clean_env(DATABASE_URL=database_url, PYTHONPATH=f"{tmp_path}:{ROOT}")
        result = subprocess.run(
            [sys.executable, "-m", "tests.articles.later_migration",
             "later_articles_migrations", last],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["before"] == ["Farmers ration water", "Reservoir levels fall"]
    # The later migration really ran, and was really undone.
    assert "is_exclusive" in seen["columns"] and "is_exclusive" not in seen["columns_undone"]
    # After it, a bulk update of a publish time still reorders the tag page...
    assert seen["after"] == ["Reservoir levels fall", "Farmers ration water"]
    # ...and a link written afterwards still gets its story's time.
    assert seen["tagged_after"] == ["Reservoir levels fall", "Farmers ration water",
                                    "Wells run dry"]  # fmt: skip
    # Undoing it (two more remakes on SQLite) keeps both as well.
    assert seen["undone"] == ["Farmers ration water", "Reservoir levels fall", "Wells run dry"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's search trigger")
@pytest.mark.django_db
def test_the_search_vector_follows_the_text_whatever_else_is_written():
    """Since 0007 the search trigger names no column: its function decides."""
    story = make_article("Lighthouse keeper retires")

    def matches(word):
        return Article.objects.filter(pk=story.pk, search_vector=word).exists()

    assert matches("lighthouse")
    Article.objects.filter(pk=story.pk).update(headline="Ferry timetable changes")
    assert matches("ferry") and not matches("lighthouse")
    Article.objects.filter(pk=story.pk).update(status=Status.DRAFT)  # text untouched
    assert matches("ferry")
    Article.objects.filter(pk=story.pk).update(search_vector=None)  # a stale write
    assert matches("ferry")
