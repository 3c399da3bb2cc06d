"""Every field the desk edits survives every path a story's content takes: a save, a
version, a comparison, a restore and a recovery after deletion (issue 15, item 1).

The survival test walks the model's editable fields as they are, so a field added to
`Article` is tested here without anyone listing it; if this file cannot make a value for a
new kind of field it fails and says so."""

import datetime
import itertools

import pytest
from django.db import models
from reversion.models import Version
from taggit.managers import TaggableManager

from articles import conflicts, revisions, services
from articles.admin.articles import ArticleAdmin
from articles.forms import ArticleForm
from articles.models import Agency, Article, Photo, Section
from authors.models import Author
from tests.factories import make_agency, make_article, make_author, make_photo

pytestmark = pytest.mark.django_db

# Every field of Article that is not content, and why. A new field is content (saved,
# versioned, compared, restored, recovered, offered in the form) unless it is declared
# editable=False on the model and named here.
NOT_CONTENT = {
    "id": "the primary key",
    "body_text": "derived from the body on every save",
    "status": "workflow: changed only by the workflow services",
    "published_at": "workflow",
    "first_published_at": "workflow",
    "updated_at": "written by every save",
    "created_at": "written once",
    "created_by": "written once",
    "last_edited_by": "written by every save",
    "related_ids": "chosen by every save (articles/related.py)",
    "version": "the concurrent-edit check",
    "preview_secret": "the preview links (revoked by its own service)",
    "search_vector": "kept by the database",
}

EDITABLE = [
    field.name
    for field in Article._meta.get_fields()
    if getattr(field, "editable", False) and not field.primary_key
]

_numbers = itertools.count(1)


def _new(model):
    """A new related object nobody else uses."""
    number = next(_numbers)
    makers = {
        Photo: make_photo,
        Author: make_author,
        Agency: make_agency,
        Section: lambda: Section.objects.create(
            name=f"Section {number}", slug=f"section-{number}", position=100 + number
        ),
    }
    if model not in makers:
        pytest.fail(f"Teach test_content_fields.py to make a {model.__name__}.")
    return makers[model]()


def _value(field, which: int, article):
    """A value of `field` that no other version of the story has (which = 1 or 2)."""
    if field.name == "primary_section":
        # One of the story's other sections, so that only the primary section changes
        # (choosing a new one would add it to the sections as well).
        others = article.sections.exclude(pk=article.primary_section_id).order_by("pk")
        return others[which - 1]
    if isinstance(field, TaggableManager):
        return [f"topic {next(_numbers)}"]
    if field.many_to_many:
        return [_new(field.related_model)]
    if field.many_to_one:
        return _new(field.related_model)
    if isinstance(field, models.SlugField):
        return f"{field.name}-{next(_numbers)}"
    if isinstance(field, (models.CharField, models.TextField)):
        return f"{field.name} {next(_numbers)}"
    if isinstance(field, models.DateTimeField):
        return datetime.datetime(2020 + which, 1, 2, 3, 4, tzinfo=datetime.UTC)
    if isinstance(field, models.DateField):
        return datetime.date(2020 + which, 1, 2)
    if isinstance(field, models.BooleanField):
        return which == 1
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        return which
    pytest.fail(f"Teach test_content_fields.py to make a value for {field.name}.")


def _save(article, field, value, *, by):
    copy = Article.objects.get(pk=article.pk)
    relations = {}
    if field.many_to_many:
        relations[field.name] = value
    else:
        setattr(copy, field.name, value)
    return services.save_article(copy, by=by, expected_version=copy.version, **relations)


def _holds(article, field, value) -> bool:
    """Whether the article as stored has `value` in `field`."""
    article = Article.objects.get(pk=article.pk)
    if isinstance(field, TaggableManager):
        return set(article.tags.names()) == set(value)
    if field.name == "authors":
        return article.byline_authors == value
    if field.many_to_many:
        # The primary section is always among the sections, whatever else is chosen.
        return set(getattr(article, field.name).all()) - {article.primary_section} == set(value)
    return getattr(article, field.name) == value


@pytest.mark.parametrize("name", EDITABLE)
def test_every_content_field_survives_save_version_compare_restore_and_recover(name, editor):
    field = Article._meta.get_field(name)
    article = make_article("A story", sections=[_new(Section), _new(Section)])
    first, second = _value(field, 1, article), _value(field, 2, article)

    _save(article, field, first, by=editor)
    assert _holds(article, field, first), "lost by the save"
    _save(article, field, second, by=editor)
    assert _holds(article, field, second), "lost by the second save"

    newer, older = revisions.history(article)[:2]
    old, new = revisions.snapshot(older), revisions.snapshot(newer)
    assert revisions.compare(new, revisions.snapshot_of(Article.objects.get(pk=article.pk))) == []
    changes = revisions.compare(old, new)
    assert len(changes) == 1, f"compare() does not show {name} alone changing: {changes}"
    assert changes[0].label == revisions.label(field)
    assert "<del>" in changes[0].html or "<ins>" in changes[0].html

    services.restore_revision(article, older, by=editor)
    assert _holds(article, field, first), "not put back by restoring the older version"

    services.delete_article(article, by=editor)
    deleted = Version.objects.get_deleted(Article).get(object_id=str(article.pk))
    services.recover_article(deleted, by=editor)
    assert _holds(article, field, first), "not brought back by recovery"


def _as_submitted(article) -> dict:
    """The editor form's cleaned data for the article as it is saved."""
    data = {}
    for field in Article.content_fields():
        if field.name == "authors":
            value = article.byline_authors
        elif isinstance(field, TaggableManager):
            value = list(article.tags.names())
        elif field.many_to_many:
            value = list(getattr(article, field.name).all())
        else:
            value = getattr(article, field.name)
        data[conflicts.form_name(field)] = value
    return data


@pytest.mark.parametrize("name", EDITABLE)
def test_a_refused_save_shows_every_content_field_side_by_side(name):
    """The side-by-side of a stale save, and the double-click check that reads it, see a
    change to any content field."""
    field = Article._meta.get_field(name)
    article = make_article("A story", sections=[_new(Section), _new(Section)])
    submitted = _as_submitted(article)
    assert conflicts.compare(article, submitted).differences == []
    submitted[conflicts.form_name(field)] = _value(field, 1, article)
    differences = conflicts.compare(article, submitted).differences
    assert [difference.label for difference in differences] == [revisions.label(field)]


def test_the_content_fields_are_the_models_editable_fields():
    """One declaration: a field is content unless the model says editable=False, and each
    field that is not is accounted for above. The form and the versions read it."""
    every_field = {f.name for f in Article._meta.get_fields() if not f.auto_created or f.concrete}
    assert [f.name for f in Article.content_fields()] == EDITABLE
    assert every_field - set(EDITABLE) == set(NOT_CONTENT)
    form_names = {conflicts.form_name(f) for f in Article.content_fields()}
    assert set(ArticleForm._meta.fields) | {"bylines"} == form_names
    assert set(EDITABLE) <= set(revisions.snapshot_of(make_article()))
    labels = [revisions.label(field) for field in Article.content_fields()]
    assert len(set(labels)) == len(labels), "two content fields would share a name on the desk"


def test_versions_recorded_before_the_names_were_kept_still_compare_and_restore(editor):
    """Versions recorded before this change hold no names for the lead photo and the
    primary section: they compare as unchanged with the same story and restore."""
    photo = make_photo()
    article = make_article("Kept", lead_photo=photo)
    services.save_article(Article.objects.get(pk=article.pk), by=editor)
    version = revisions.history(article).first()
    data = version.revision.snapshot.data
    old_format = {
        k: v for k, v in data.items() if k not in {"lead_photo_name", "primary_section_name"}
    }
    assert revisions.compare(old_format, data) == []
    version.revision.snapshot.data = old_format
    version.revision.snapshot.save()
    Article.objects.filter(pk=article.pk).update(lead_photo=None, headline="Changed")
    services.restore_revision(article, version, by=editor)
    article.refresh_from_db()
    assert (article.headline, article.lead_photo) == ("Kept", photo)


def test_the_editor_form_offers_every_content_field_once():
    """The form and the admin read the same list: a new field appears in exactly one
    fieldset (or the admin would drop it without a word)."""
    form_names = [conflicts.form_name(field) for field in Article.content_fields()]
    assert set(form_names) <= set(ArticleForm.base_fields)
    in_fieldsets = [
        name for _title, options in ArticleAdmin.fieldsets for name in options["fields"]
    ]
    for name in form_names:
        assert in_fieldsets.count(name) == 1, f"{name} is in {in_fieldsets.count(name)} fieldsets"
