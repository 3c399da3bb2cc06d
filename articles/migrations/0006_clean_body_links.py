"""Clean the links of bodies saved before links were read as browsers read them
(newsroom/links.py, issue 14): a stored `<a href="/\\evil.example/">` leads readers to
another site until the story is saved again. Only the body changes, and only where the
cleaner now keeps less; no timestamp moves, since nobody edited the story."""

from django.db import migrations


def clean_links(apps, schema_editor):
    from articles import richtext

    Article = apps.get_model("articles", "Article")
    bodies = Article.objects.filter(body__contains="href").values_list("pk", "body")
    for pk, body in bodies.iterator(chunk_size=500):
        cleaned = richtext.sanitize(body)
        if cleaned != body:
            Article.objects.filter(pk=pk).update(body=cleaned)


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_tag_newest")]

    operations = [migrations.RunPython(clean_links, migrations.RunPython.noop, elidable=True)]
