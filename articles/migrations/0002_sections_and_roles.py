"""The paper's first sections, and the Journalist and Editor roles with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SECTIONS = [
    ("Middle East", "middle-east", "News and analysis from across the Middle East.", 10),
    ("Politics", "politics", "Governments, elections and the people who run them.", 20),
    ("USA", "usa", "The United States: its politics, economy and people.", 30),
    ("World", "world", "The rest of the world, from our correspondents and agencies.", 40),
]

JOURNALIST = {
    "articles": [
        "add_article", "change_article", "view_article", "delete_article",
        "view_section", "view_agency",
        "add_photo", "change_photo", "view_photo",
        "view_correction",
    ],
    "authors": ["view_author"],
    "taggit": ["view_tag"],
}  # fmt: skip

EDITOR_EXTRA = {
    "articles": [
        "publish_article",
        "add_section", "change_section", "delete_section",
        "add_agency", "change_agency", "delete_agency",
        "delete_photo",
        "add_correction", "change_correction",
        "add_frontpageslot", "change_frontpageslot", "delete_frontpageslot", "view_frontpageslot",
        "add_breakingnews", "change_breakingnews", "delete_breakingnews", "view_breakingnews",
    ],
    "authors": [
        "add_author", "change_author", "delete_author",
        "add_authorlink", "change_authorlink", "delete_authorlink", "view_authorlink",
    ],
    "taggit": ["add_tag", "change_tag", "delete_tag"],
}  # fmt: skip


def _permissions(apps, codenames_by_app):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codenames in codenames_by_app.items():
        for codename in codenames:
            found.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return found


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    seed(apps)


def seed(apps):
    """The sections and the roles (their permissions must exist). Idempotent."""
    Section = apps.get_model("articles", "Section")
    for name, slug, description, position in SECTIONS:
        Section.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )

    Group = apps.get_model("auth", "Group")
    journalist, _ = Group.objects.get_or_create(name="Journalist")
    journalist.permissions.add(*_permissions(apps, JOURNALIST))
    editor, _ = Group.objects.get_or_create(name="Editor")
    editor.permissions.add(*_permissions(apps, JOURNALIST), *_permissions(apps, EDITOR_EXTRA))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("authors", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
