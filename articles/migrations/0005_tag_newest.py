"""Tag pages read a tag's stories newest first from one index.

A tag page used to walk the whole archive's newest stories and probe each for the tag, a
walk that grew with the archive (1.8x slower at 100,000 articles than at 2,000). Each tag
link now carries a copy of its story's publish time, and an index on (tag, publish time,
story) hands the page its links in order. The copy is kept by the database, so nothing
that changes a publish time (the desk, the scheduler, a bulk update, a data fix in SQL)
can forget it: a trigger copies it when a link is written, another when the story's
publish time changes. Existing links are filled in here. (On PostgreSQL migration 0007
rewrote the story's trigger without a column list; on SQLite the triggers live in
articles/sqlite_triggers.py.)
"""

from django.db import migrations, models

POSTGRESQL = [
    """
    CREATE FUNCTION articles_taggedarticle_copy_published_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        SELECT published_at INTO NEW.published_at
        FROM articles_article WHERE id = NEW.content_object_id;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER articles_taggedarticle_published_at
    BEFORE INSERT OR UPDATE ON articles_taggedarticle
    FOR EACH ROW EXECUTE FUNCTION articles_taggedarticle_copy_published_at()
    """,
    """
    CREATE FUNCTION articles_article_share_published_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE articles_taggedarticle SET published_at = NEW.published_at
        WHERE content_object_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER articles_article_published_at_to_tags
    AFTER UPDATE OF published_at ON articles_article
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION articles_article_share_published_at()
    """,
    """
    UPDATE articles_taggedarticle AS link SET published_at = article.published_at
    FROM articles_article AS article WHERE article.id = link.content_object_id
    """,
]
POSTGRESQL_BACKWARDS = [
    "DROP TRIGGER IF EXISTS articles_article_published_at_to_tags ON articles_article",
    "DROP FUNCTION IF EXISTS articles_article_share_published_at()",
    "DROP TRIGGER IF EXISTS articles_taggedarticle_published_at ON articles_taggedarticle",
    "DROP FUNCTION IF EXISTS articles_taggedarticle_copy_published_at()",
]

# SQLite gets the same copy from triggers installed after every `migrate` run and dropped
# before the next (articles/sqlite_triggers.py): created here, they broke every later
# migration that remakes the articles table.
SQLITE = [
    """
    UPDATE articles_taggedarticle SET published_at = (
        SELECT published_at FROM articles_article
        WHERE articles_article.id = articles_taggedarticle.content_object_id
    )
    """,
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL, "sqlite": SQLITE})


def backwards(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_BACKWARDS})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_narrow_article_rows"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="taggedarticle",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="The story's publish time, copied here by the database so tag pages "
                "can list a tag's stories in order from one index. Never set it yourself.",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="taggedarticle",
            index=models.Index(
                fields=["tag", "-published_at", "-content_object"], name="tag_newest_idx"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
