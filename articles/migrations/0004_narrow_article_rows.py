"""Keep article rows narrow on PostgreSQL: bodies, their plain text and the search vector
move to TOAST storage, so a row in the table itself is a few hundred bytes instead of
~1.3 KB. Lists and search read thousands of rows by their publish time and status and
never the body; with six rows per 8 KB page they read five times as many pages as they
need. Measured at 100,000 articles: the heap shrinks from 131 MB to 24 MB and a two-word
search goes from 25 ms to 14 ms (docs/performance.md). The article page reads one body
from TOAST, which costs nothing measurable.

Rows written before this migration move on their next update; `VACUUM FULL
articles_article` moves them all at once (it locks the table: a maintenance window)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE articles_article SET (toast_tuple_target = 256)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE articles_article RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_search")]

    operations = [migrations.RunPython(forwards, backwards)]
