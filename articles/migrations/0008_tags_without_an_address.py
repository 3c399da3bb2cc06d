"""Tags saved before names were checked (issue 14, item 12) may have an empty slug: their
page was /tags//, a 404, and the tag sitemap listed it. Give each one an address of its own,
`tag-<id>`, which no slug made from a name takes (a name's slug is never followed by its
tag's own id by chance: taggit adds `_1`, `_2` for clashes). Editors can rename the tag and
its address in the tag admin afterwards."""

from django.db import migrations


def give_addresses(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    taken = set(Tag.objects.exclude(slug="").values_list("slug", flat=True))
    for tag in Tag.objects.filter(slug=""):
        slug = f"tag-{tag.pk}"
        while slug in taken:
            slug += "-1"
        taken.add(slug)
        tag.slug = slug
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_triggers_without_column_lists"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(give_addresses, migrations.RunPython.noop)]
