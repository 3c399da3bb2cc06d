"""PostgreSQL triggers that name no column, so later migrations can change those columns.

PostgreSQL refuses to change a column's type while a trigger names it in `UPDATE OF` or
`WHEN` ("cannot alter type of a column used in a trigger definition"). The search trigger
(0003) named the headline, standfirst and body text, the tag links' trigger (0005) the
publish time, so an `AlterField` lengthening the headline failed. Both triggers now fire
on every update of a story, and their functions compare OLD and NEW to decide whether there
is anything to do: a function's body is not a dependency. The search vector is also
computed again when something wrote it directly, which `UPDATE OF` caught before (a full
`save()` writes the column it read). SQLite keeps its triggers out of migrations
altogether (articles/sqlite_triggers.py).
"""

from django.db import migrations

_SEARCH_VECTOR = """
    setweight(to_tsvector('english', coalesce(NEW.headline, '')), 'A')
    || setweight(to_tsvector('english', coalesce(NEW.standfirst, '')), 'B')
    || setweight(to_tsvector('english', coalesce(NEW.body_text, '')), 'C')
"""

FORWARDS = [
    f"""
    CREATE OR REPLACE FUNCTION articles_article_search_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT'
           OR NEW.headline IS DISTINCT FROM OLD.headline
           OR NEW.standfirst IS DISTINCT FROM OLD.standfirst
           OR NEW.body_text IS DISTINCT FROM OLD.body_text
           OR NEW.search_vector IS DISTINCT FROM OLD.search_vector THEN
            NEW.search_vector := {_SEARCH_VECTOR};
        END IF;
        RETURN NEW;
    END $$
    """,
    "DROP TRIGGER articles_article_search_update ON articles_article",
    """
    CREATE TRIGGER articles_article_search_update
    BEFORE INSERT OR UPDATE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_update()
    """,
    """
    CREATE OR REPLACE FUNCTION articles_article_share_published_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.published_at IS DISTINCT FROM OLD.published_at THEN
            UPDATE articles_taggedarticle SET published_at = NEW.published_at
            WHERE content_object_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER articles_article_published_at_to_tags ON articles_article",
    """
    CREATE TRIGGER articles_article_published_at_to_tags
    AFTER UPDATE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_share_published_at()
    """,
]

# The definitions of 0003 and 0005.
BACKWARDS = [
    f"""
    CREATE OR REPLACE FUNCTION articles_article_search_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := {_SEARCH_VECTOR};
        RETURN NEW;
    END $$
    """,
    "DROP TRIGGER articles_article_search_update ON articles_article",
    """
    CREATE TRIGGER articles_article_search_update
    BEFORE INSERT OR UPDATE OF headline, standfirst, body_text ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_update()
    """,
    """
    CREATE OR REPLACE FUNCTION articles_article_share_published_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE articles_taggedarticle SET published_at = NEW.published_at
        WHERE content_object_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER articles_article_published_at_to_tags ON articles_article",
    """
    CREATE TRIGGER articles_article_published_at_to_tags
    AFTER UPDATE OF published_at ON articles_article
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION articles_article_share_published_at()
    """,
]


def _run(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, FORWARDS)


def backwards(apps, schema_editor):
    _run(schema_editor, BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_clean_body_links")]

    operations = [migrations.RunPython(forwards, backwards)]
