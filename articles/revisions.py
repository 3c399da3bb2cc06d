"""Saved versions of articles (django-reversion), compared and read back for restore.

Every content save records a revision holding the article's row and a snapshot of its
relations (RevisionSnapshot). Restoring applies a snapshot's content through the normal
save service and never touches the workflow status, so an old "published" version cannot
publish anything.
"""

import difflib
from dataclasses import dataclass

import reversion
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from reversion.models import Version
from taggit.managers import TaggableManager

from articles.models import Article, RevisionSnapshot
from articles.richtext import to_text

reversion.register(
    Article,
    exclude=("search_vector", "body_text", "preview_secret"),
)

# The desk's words for a field, where the model's verbose name is not what editors see.
LABELS = {"slug": "Address (slug)", "authors": "Bylines"}


def label(field) -> str:
    """How compare and the side-by-side conflict name a content field."""
    return LABELS.get(field.name) or capfirst(field.verbose_name)


def snapshot_of(article: Article) -> dict:
    """The article's content as a plain document (what restore puts back): every content
    field of the model (`Article.content_fields()`), relations with the names they had,
    so a version reads the same after a section or an author is renamed or deleted."""
    data = {}
    for field in Article.content_fields():
        name = field.name
        if name == "authors":
            # The byline order is part of the story.
            bylines = article.bylines.select_related("author").order_by("position", "id")
            data[name] = [[byline.author_id, byline.author.name] for byline in bylines]
        elif isinstance(field, TaggableManager):
            # By name: a tag renamed or deleted since comes back as it was called.
            data[name] = sorted(article.tags.values_list("name", flat=True), key=str.lower)
        elif field.many_to_many:
            related = sorted(getattr(article, name).all(), key=lambda obj: obj.pk)
            data[name] = [obj.pk for obj in related]
            data[_names_key(name)] = sorted(str(obj) for obj in related)
        elif field.many_to_one:
            related = getattr(article, name)
            data[name] = related.pk if related else None
            data[f"{name}_name"] = str(related) if related else ""
        else:
            data[name] = _plain(field.value_from_object(article))
    return data


def _names_key(name: str) -> str:
    # Versions recorded before relations were read from the model keep their sections'
    # and agencies' names under these keys; new relations get "<name>_names".
    return {"sections": "section_names", "agencies": "agency_names"}.get(name, f"{name}_names")


def _plain(value):
    """A value a JSON document can hold (dates as ISO text, decimals as text);
    `field.to_python()` reads it back."""
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def content_of(data: dict) -> tuple[dict, dict]:
    """A version's content as the article takes it back: its own fields ({name: value},
    foreign keys as objects) and its relations ({name: objects, or tag names}) for
    services.save_article(). What the version does not hold is left out — a field added
    since, a related object deleted since — so the article keeps what it has."""
    fields, relations = {}, {}
    for field in Article.content_fields():
        name = field.name
        if name not in data:
            continue
        value = data[name]
        if name == "authors":
            by_id = field.related_model._default_manager.in_bulk([pk for pk, _ in value])
            relations[name] = [by_id[pk] for pk, _name in value if pk in by_id]
        elif isinstance(field, TaggableManager):
            relations[name] = list(value)
        elif field.many_to_many:
            relations[name] = list(field.related_model._default_manager.filter(pk__in=value))
        elif field.many_to_one:
            related = field.related_model._default_manager.filter(pk=value).first()
            if value is None or related is not None:
                fields[name] = related
        else:
            fields[name] = field.to_python(value)
    return fields, relations


def record(article: Article, *, by, comment: str) -> None:
    """Keep a version of the article as it is now (call inside the saving transaction)."""
    with reversion.create_revision(atomic=False):
        reversion.add_to_revision(article)
        reversion.set_user(by)
        reversion.set_comment(comment)
        reversion.add_meta(RevisionSnapshot, data=snapshot_of(article))


def record_deletion(article: Article, *, by) -> None:
    """Keep the article as it is when deleted, with what the deletion would otherwise lose
    for good (its workflow steps, corrections and old addresses cascade away with it): the
    last version is what recovery brings back."""
    with reversion.create_revision(atomic=False):
        reversion.add_to_revision(article)
        reversion.set_user(by)
        reversion.set_comment("Deleted")
        reversion.add_meta(
            RevisionSnapshot, data={**snapshot_of(article), "history": _history_of(article)}
        )


def _history_of(article: Article) -> dict:
    return {
        "events": [
            {
                "action": event.action,
                "actor": event.actor_id,
                "at": event.at.isoformat(),
                "note": event.note,
                "publish_time": event.publish_time.isoformat() if event.publish_time else None,
            }
            for event in article.events.order_by("at", "id")
        ],
        "corrections": [
            {
                "kind": correction.kind,
                "text": correction.text,
                "created_at": correction.created_at.isoformat(),
                "created_by": correction.created_by_id,
            }
            for correction in article.corrections.order_by("created_at", "id")
        ],
        "redirects": list(article.redirects.values_list("old_path", flat=True)),
    }


def history(article: Article):
    """The article's versions, newest first."""
    return (
        Version.objects.get_for_object(article)
        .select_related("revision__user", "revision__snapshot")
        .order_by("-revision__date_created", "-pk")
    )


def deleted_articles():
    """The last version of each deleted article, newest first."""
    return Version.objects.get_deleted(Article).select_related(
        "revision__user", "revision__snapshot"
    )


def snapshot(version: Version) -> dict:
    try:
        return version.revision.snapshot.data
    except RevisionSnapshot.DoesNotExist:
        # A version recorded without a snapshot holds the article's own columns only.
        fields = version.field_dict
        return {
            field.name: _plain(fields[field.attname])
            for field in Article.content_fields()
            if not field.many_to_many and field.attname in fields
        }


# --- comparing two versions ---------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    html: SafeString


def _word_diff(old: str, new: str) -> SafeString:
    old_words, new_words = old.split(), new.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(f"<del>{escape(' '.join(old_words[a1:a2]))}</del>")
        if b2 > b1:
            parts.append(f"<ins>{escape(' '.join(new_words[b1:b2]))}</ins>")
    return mark_safe(" ".join(parts))  # noqa: S308 - every word is escaped above


def compare(old: dict, new: dict) -> list[Change]:
    """What changed between two snapshots, field by field, as word-level diffs."""
    changes = []
    for field in Article.content_fields():
        old_value, old_words = _read(field, old)
        new_value, new_words = _read(field, new)
        if old_value != new_value:
            changes.append(Change(label(field), _word_diff(old_words, new_words)))
    return changes


def _read(field, data: dict) -> tuple[object, str]:
    """What a snapshot holds for `field`: a value to compare (ids for relations, so a
    rename alone is no change) and the words to show."""
    name, value = field.name, data.get(field.name)
    if name == "authors":
        return [pk for pk, _ in value or []], ", ".join(author for _, author in value or [])
    if isinstance(field, TaggableManager):
        return sorted(tag.lower() for tag in value or []), ", ".join(value or [])
    if field.many_to_many:
        return sorted(value or []), ", ".join(data.get(_names_key(name), []))
    if field.many_to_one:
        # Versions recorded before names were kept show the id.
        return value, data.get(f"{name}_name") or (f"#{value}" if value else "none")
    if name == "body":
        text = to_text(value or "")
        return text, text
    if name not in data:
        value = field.get_default()  # a version recorded before the field existed
    return value, "" if value is None else str(value)
