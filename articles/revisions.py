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
from reversion.models import Version

from articles.models import Article, RevisionSnapshot

SNAPSHOT_FIELDS = ("headline", "slug", "standfirst", "body")

reversion.register(
    Article,
    exclude=("search_vector", "body_text", "preview_secret"),
)


def snapshot_of(article: Article) -> dict:
    """The article's content as a plain document (what restore puts back)."""
    return {
        **{field: getattr(article, field) for field in SNAPSHOT_FIELDS},
        "lead_photo": article.lead_photo_id,
        "primary_section": article.primary_section_id,
        "sections": sorted(article.sections.values_list("pk", flat=True)),
        "section_names": sorted(article.sections.values_list("name", flat=True)),
        "authors": [
            [byline.author_id, byline.author.name]
            for byline in article.bylines.select_related("author").order_by("position", "id")
        ],
        "agencies": sorted(article.agencies.values_list("pk", flat=True)),
        "agency_names": sorted(article.agencies.values_list("name", flat=True)),
        "tags": sorted(article.tags.values_list("name", flat=True), key=str.lower),
    }


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
        fields = version.field_dict
        return {field: fields.get(field, "") for field in SNAPSHOT_FIELDS}


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
    from articles.richtext import to_text

    pairs = [
        ("Headline", old.get("headline", ""), new.get("headline", "")),
        ("Address (slug)", old.get("slug", ""), new.get("slug", "")),
        ("Standfirst", old.get("standfirst", ""), new.get("standfirst", "")),
        ("Body", to_text(old.get("body", "")), to_text(new.get("body", ""))),
        (
            "Bylines",
            ", ".join(name for _, name in old.get("authors", [])),
            ", ".join(name for _, name in new.get("authors", [])),
        ),
        (
            "Sections",
            ", ".join(old.get("section_names", [])),
            ", ".join(new.get("section_names", [])),
        ),
        ("Tags", ", ".join(old.get("tags", [])), ", ".join(new.get("tags", []))),
        (
            "With input from",
            ", ".join(old.get("agency_names", [])),
            ", ".join(new.get("agency_names", [])),
        ),
        ("Lead photo", str(old.get("lead_photo") or "none"), str(new.get("lead_photo") or "none")),
    ]
    return [Change(label, _word_diff(a, b)) for label, a, b in pairs if a != b]
