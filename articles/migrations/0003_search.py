"""PostgreSQL full-text search: a trigger keeps search_vector current, a GIN index makes it
fast. Headline weighs more than standfirst, which weighs more than the body. SQLite has
neither and uses the simpler search in articles/search.py."""

from django.db import migrations

FORWARDS = """
CREATE OR REPLACE FUNCTION articles_article_search_update() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
      setweight(to_tsvector('english', coalesce(NEW.headline, '')), 'A')
   || setweight(to_tsvector('english', coalesce(NEW.standfirst, '')), 'B')
   || setweight(to_tsvector('english', coalesce(NEW.body_text, '')), 'C');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER articles_article_search_update
  BEFORE INSERT OR UPDATE OF headline, standfirst, body_text ON articles_article
  FOR EACH ROW EXECUTE FUNCTION articles_article_search_update();

UPDATE articles_article SET headline = headline;

CREATE INDEX IF NOT EXISTS article_search_gin ON articles_article USING gin (search_vector);
"""

BACKWARDS = """
DROP INDEX IF EXISTS article_search_gin;
DROP TRIGGER IF EXISTS articles_article_search_update ON articles_article;
DROP FUNCTION IF EXISTS articles_article_search_update();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_sections_and_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
