"""SQLite's triggers that copy a story's publish time to its tag links (docs/decisions.md,
"A tag's stories from one index"): out of the way while migrations run, installed after.

SQLite cannot alter a column in place, so Django remakes the table: it creates
`new__articles_article`, copies the rows, drops `articles_article` and renames the new
table. A trigger on the tag links that reads `articles_article` makes that rename fail
("no such table: main.articles_article"), and the story table's own trigger goes with the
dropped table. So `migrate` drops these triggers before it runs anything (pre_migrate) and
installs them again when it is done (post_migrate), after refreshing every link's copy in
case a migration changed a publish time meanwhile. A later migration need not know they
exist. On PostgreSQL tables are altered in place and the triggers live in migrations
0005 and 0007. A `migrate` that fails half way leaves SQLite without them until the next
one succeeds.
"""

from django.db import connections, transaction

# SQLite's BEFORE triggers cannot change the row: the AFTER triggers write the copy, and
# recursive triggers are off, so those writes fire nothing further.
_STORY_TIME = "(SELECT published_at FROM articles_article WHERE id = NEW.content_object_id)"
TRIGGERS = {
    "articles_taggedarticle_published_at_insert": f"""
        CREATE TRIGGER articles_taggedarticle_published_at_insert
        AFTER INSERT ON articles_taggedarticle
        BEGIN
            UPDATE articles_taggedarticle SET published_at = {_STORY_TIME} WHERE id = NEW.id;
        END
    """,
    "articles_taggedarticle_published_at_update": f"""
        CREATE TRIGGER articles_taggedarticle_published_at_update
        AFTER UPDATE ON articles_taggedarticle
        WHEN NEW.published_at IS NOT {_STORY_TIME}
        BEGIN
            UPDATE articles_taggedarticle SET published_at = {_STORY_TIME} WHERE id = NEW.id;
        END
    """,
    "articles_article_published_at_to_tags": """
        CREATE TRIGGER articles_article_published_at_to_tags
        AFTER UPDATE OF published_at ON articles_article
        WHEN OLD.published_at IS NOT NEW.published_at
        BEGIN
            UPDATE articles_taggedarticle SET published_at = NEW.published_at
            WHERE content_object_id = NEW.id;
        END
    """,
}
REFRESH = """
    UPDATE articles_taggedarticle SET published_at = (
        SELECT published_at FROM articles_article
        WHERE articles_article.id = articles_taggedarticle.content_object_id
    )
"""


def drop(*, using: str, **kwargs) -> None:
    """Before `migrate` runs anything (a pre_migrate receiver)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def install(*, using: str, **kwargs) -> None:
    """After `migrate` (and `flush`), when the links have their copy (migration 0005 on):
    refresh every copy, then (re)create the triggers (a post_migrate receiver)."""
    connection = connections[using]
    if connection.vendor != "sqlite" or not _links_have_a_copy(connection):
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(REFRESH)
        for name, create in TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(create)


def _links_have_a_copy(connection) -> bool:
    with connection.cursor() as cursor:
        if "articles_taggedarticle" not in connection.introspection.table_names(cursor):
            return False
        columns = connection.introspection.get_table_description(cursor, "articles_taggedarticle")
    return any(column.name == "published_at" for column in columns)
