"""Run by tests/articles/test_later_migrations.py in a process of its own, on a fresh
database: migrate to today's last articles migration, write two tagged stories, apply a
later migration that remakes `articles_article` on SQLite (MIGRATION_MODULES names the
package the test wrote), undo it, and print what the tag page's query shows after each
step as one line of JSON.

    python -m tests.articles.later_migration <migrations package> <today's last migration>
"""

import datetime
import json
import sys

import django
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone


def tag_page(tag_id: int) -> list[str]:
    """The headlines the tag page lists, in its order (the query of articles/views.py)."""
    from articles.models import Article

    now = timezone.now()
    stories = Article.objects.published(at=now).tagged(tag_id, at=now).newest_first()
    return list(stories.values_list("headline", flat=True))


def moved_to_the_top(headline: str, tag_id: int) -> list[str]:
    """Give `headline` the newest publish time of all, with a bulk update."""
    from articles.models import Article

    Article.objects.filter(headline=headline).update(published_at=timezone.now())
    return tag_page(tag_id)


def article_columns() -> dict[str, str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, "articles_article")
    return {column.name: column.display_size for column in description}


def main(package: str, last_migration: str) -> dict:
    from taggit.models import Tag

    from tests.factories import make_article

    seen = {}
    with override_settings(MIGRATION_MODULES={"articles": package}):
        call_command("migrate", "articles", last_migration, verbosity=0)
        now = timezone.now()
        make_article("Reservoir levels fall", tags=["drought"],
                     published_at=now - datetime.timedelta(hours=5))  # fmt: skip
        make_article("Farmers ration water", tags=["drought"],
                     published_at=now - datetime.timedelta(hours=1))  # fmt: skip
        wells = make_article("Wells run dry", tags=["water"],
                             published_at=now - datetime.timedelta(hours=3))  # fmt: skip
        tag_id = Tag.objects.get(name="drought").pk
        seen["before"] = tag_page(tag_id)

        call_command("migrate", verbosity=0)
        seen["columns"] = article_columns()
        seen["after"] = moved_to_the_top("Reservoir levels fall", tag_id)
        wells.tags.add("drought")  # a link written after the migration
        seen["tagged_after"] = tag_page(tag_id)

        call_command("migrate", "articles", last_migration, verbosity=0)
        seen["columns_undone"] = article_columns()
        seen["undone"] = moved_to_the_top("Farmers ration water", tag_id)
    return seen


if __name__ == "__main__":
    django.setup()
    print(json.dumps(main(*sys.argv[1:])))
