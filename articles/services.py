"""Every change to an article goes through here: content saves and workflow steps.

Each service checks permission against the row as it is in the database (locked), acts
and records who did what. (The page cache learns of every change by itself: see
`pagecache.watch()` in apps.py.) Nothing else assigns `status` or `published_at`.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles import permissions, preflight, related, revisions
from articles.models import (
    Agency,
    Article,
    ArticleEvent,
    ArticleRedirect,
    Byline,
    Correction,
    CorrectionKind,
    EventAction,
    Photo,
    Section,
    Status,
)
from articles.models.articles import new_preview_secret
from articles.permissions import require
from authors.models import Author
from newsroom.slugs import unique_slug


class StaleEdit(Exception):
    """The article changed since the editor's copy was loaded; nothing was saved."""

    def __init__(self, article: Article):
        self.article = article
        who = article.last_edited_by or article.created_by
        when = timezone.localtime(article.updated_at or article.created_at)
        self.changed_by = who
        self.changed_at = when
        super().__init__(
            f"{who.get_full_name() or who.get_username()} changed this article at "
            f"{when:%H:%M on %d %B %Y} while you were editing it, so your save was refused. "
            "Your text is still in the form: compare it with the saved version below, keep "
            "what you need from each, and save again."
        )


class PublishBlocked(Exception):
    """Publishing was refused by the preflight checks; `problems` says what to fix."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Cannot publish yet: " + " ".join(problems))


# Fields a content save writes. Status and times are written only by workflow steps.
CONTENT_FIELDS = [
    "headline",
    "slug",
    "standfirst",
    "body",
    "body_text",
    "lead_photo",
    "primary_section",
    "updated_at",
    "last_edited_by",
    "version",
]


def _locked(article: Article) -> Article:
    # No joins here: after waiting for the lock PostgreSQL re-reads the locked row but not
    # joined ones, which would then describe the row as it was before the wait.
    return Article.objects.select_for_update().get(pk=article.pk)


def _bump(current: Article, *fields: str) -> None:
    current.version += 1
    current.save(update_fields=[*fields, "version"])


def _event(article: Article, action: str, by, *, note: str = "", publish_time=None) -> None:
    ArticleEvent.objects.create(
        article=article, action=action, actor=by, note=note, publish_time=publish_time
    )


def _remember_old_address(article: Article, old_path: str | None) -> None:
    """Keep an address readers may have seen answering, once it changes."""
    if article.first_published_at is None or old_path is None:
        return
    new_path = article.public_path() if article.published_at else None
    if old_path == new_path:
        return
    ArticleRedirect.objects.update_or_create(old_path=old_path, defaults={"article": article})
    if new_path:
        ArticleRedirect.objects.filter(old_path=new_path).delete()


# --- content ------------------------------------------------------------------------


@transaction.atomic
def save_article(
    article: Article,
    *,
    by,
    expected_version: int | None = None,
    authors: Sequence | None = None,
    sections: Iterable[Section] | None = None,
    agencies: Iterable | None = None,
    tags: Iterable[str] | None = None,
    comment: str = "",
) -> Article:
    """Create or edit an article's content (never its status).

    `expected_version` is the version the editor's copy was loaded at: if someone saved
    since, StaleEdit is raised and nothing is written. Relations left as None stay as
    they are.
    """
    creating = article.pk is None
    now = timezone.now()
    old_path = None
    if creating:
        require(permissions.can_create(by), "You cannot create articles.")
        article.created_by = by
        article.status = Status.DRAFT
        article.version = 1
    else:
        current = _locked(article)
        require(permissions.can_edit(by, current), "You cannot edit this article.")
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(current)
        article.version = current.version + 1
        # Workflow fields always come from the database, never from the caller's copy.
        for field in ("status", "published_at", "first_published_at", "created_by_id"):
            setattr(article, field, getattr(current, field))
        old_path = current.public_path() if current.published_at else None

    if not article.slug:
        article.slug = unique_slug(
            Article, article.headline, exclude_pk=article.pk, fallback="story"
        )
    article.last_edited_by = by
    article.updated_at = now
    if creating:
        article.save()
        _event(article, EventAction.CREATED, by)
    else:
        article.save(update_fields=CONTENT_FIELDS)

    _set_relations(article, authors=authors, sections=sections, agencies=agencies, tags=tags)
    related.refresh(article)
    _remember_old_address(article, old_path)
    revisions.record(article, by=by, comment=comment or ("Created" if creating else "Edited"))
    return article


def _set_relations(article: Article, *, authors, sections, agencies, tags) -> None:
    if authors is not None:
        wanted = list(dict.fromkeys(authors))  # keep order, drop repeats
        Byline.objects.filter(article=article).exclude(author__in=wanted).delete()
        for position, author in enumerate(wanted):
            Byline.objects.update_or_create(
                article=article, author=author, defaults={"position": position}
            )
    if sections is not None:
        article.sections.set(sections)
    if agencies is not None:
        article.agencies.set(agencies)
    if tags is not None:
        article.tags.set(list(tags))
    # The primary section is always one of the article's sections.
    if article.primary_section_id:
        article.sections.add(article.primary_section_id)


# --- workflow -----------------------------------------------------------------------


@transaction.atomic
def submit(article: Article, *, by, note: str = "") -> Article:
    """Journalist → desk: the draft is ready for an editor."""
    current = _locked(article)
    require(permissions.can_submit(by, current), "You cannot submit this article for review.")
    current.move_to(Status.REVIEW)
    _bump(current, "status")
    _event(current, EventAction.SUBMITTED, by, note=note)
    return current


@transaction.atomic
def return_to_journalist(article: Article, *, by, note: str) -> Article:
    """Editor → journalist: back to draft with a note saying what to fix."""
    if not note.strip():
        raise ValueError("Write a note telling the journalist what to change.")
    current = _locked(article)
    require(permissions.can_return(by, current), "Only editors can return articles in review.")
    current.move_to(Status.DRAFT)
    _bump(current, "status")
    _event(current, EventAction.RETURNED, by, note=note.strip())
    return current


@transaction.atomic
def publish(article: Article, *, by, at: datetime.datetime | None = None) -> Article:
    """Publish now, or schedule when `at` is in the future (visibility is decided when
    readers ask, so a scheduled article appears by itself)."""
    now = timezone.now()
    current = _locked(article)
    require(permissions.can_publish(by, current), "Only editors can publish or schedule.")
    if at is not None and timezone.is_naive(at):
        raise ValueError("The publish time needs a time zone.")
    when = now if at is None or at <= now else at
    problems = preflight.problems(current)
    if problems:
        raise PublishBlocked(problems)
    old_path = current.public_path() if current.published_at else None
    current.move_to(Status.PUBLISHED)
    current.published_at = when
    if current.first_published_at is None or current.first_published_at > now:
        current.first_published_at = when
    _bump(current, "status", "published_at", "first_published_at")
    related.refresh(current)
    _remember_old_address(current, old_path)
    scheduled = when > now
    _event(
        current,
        EventAction.SCHEDULED if scheduled else EventAction.PUBLISHED,
        by,
        publish_time=when,
    )
    return current


@transaction.atomic
def unpublish(article: Article, *, by, note: str = "") -> Article:
    """Take a published or scheduled article down; it goes back to draft."""
    now = timezone.now()
    current = _locked(article)
    require(permissions.can_unpublish(by, current), "Only editors can unpublish.")
    current.move_to(Status.DRAFT)
    if current.first_published_at and current.first_published_at > now:
        # It was only scheduled and never went out.
        current.first_published_at = None
    _bump(current, "status", "first_published_at")
    _event(current, EventAction.UNPUBLISHED, by, note=note)
    return current


@transaction.atomic
def add_correction(
    article: Article,
    *,
    by,
    text: str,
    kind: str = CorrectionKind.CORRECTION,
    at: datetime.datetime | None = None,
) -> Correction:
    """A correction, clarification or update note, shown to readers for good."""
    if not text.strip():
        raise ValueError("Write the text readers will see.")
    if kind not in CorrectionKind.values:
        raise ValueError("Choose correction, clarification or update.")
    current = _locked(article)
    require(
        permissions.can_correct(by, current),
        "Only editors can add corrections, and only to published articles.",
    )
    correction = Correction.objects.create(
        article=current,
        kind=kind,
        text=text.strip(),
        created_at=at or timezone.now(),
        created_by=by,
    )
    _bump(current)
    _event(current, EventAction.CORRECTED, by, note=text.strip())
    return correction


@transaction.atomic
def delete_article(article: Article, *, by) -> None:
    """Delete (recoverable from its last saved version by an editor)."""
    current = _locked(article)
    require(permissions.can_delete(by, current), "You cannot delete this article.")
    current.delete()


# --- versions -----------------------------------------------------------------------


@transaction.atomic
def restore_revision(article: Article, version, *, by) -> Article:
    """Put an earlier version's content back (as a new version). The status is kept:
    restoring an old published version publishes nothing."""
    if version.object_id != str(article.pk) or version.content_type.model_class() is not Article:
        raise ValueError("That version belongs to another article.")
    current = _locked(article)
    require(permissions.can_edit(by, current), "You cannot edit this article.")
    data = revisions.snapshot(version)
    for field in ("headline", "standfirst", "body"):
        setattr(current, field, data.get(field, getattr(current, field)))
    slug = data.get("slug") or current.slug
    if not Article.objects.filter(slug=slug).exclude(pk=current.pk).exists():
        current.slug = slug
    current.lead_photo = Photo.objects.filter(pk=data.get("lead_photo")).first()
    if Section.objects.filter(pk=data.get("primary_section")).exists():
        current.primary_section_id = data["primary_section"]
    author_ids = [author_id for author_id, _name in data.get("authors", [])]
    authors_by_id = Author.objects.in_bulk(author_ids)
    when = timezone.localtime(version.revision.date_created)
    restored = save_article(
        current,
        by=by,
        expected_version=current.version,
        authors=[authors_by_id[pk] for pk in author_ids if pk in authors_by_id],
        sections=Section.objects.filter(pk__in=data.get("sections", [])),
        agencies=Agency.objects.filter(pk__in=data.get("agencies", [])),
        tags=data.get("tags", []),
        comment=f"Restored the version of {when:%d %B %Y, %H:%M}",
    )
    _event(restored, EventAction.RESTORED, by, note=f"Version of {when:%d %B %Y, %H:%M}")
    return restored


@transaction.atomic
def recover_article(version, *, by) -> Article:
    """Bring back a deleted article from its last saved version, as a draft."""
    require(permissions.is_editor(by), "Only editors can recover deleted articles.")
    if Article.objects.filter(pk=version.object_id).exists():
        raise ValueError("That article is not deleted.")
    fields = version.field_dict
    data = revisions.snapshot(version)
    creator = get_user_model().objects.filter(pk=fields.get("created_by_id")).first() or by
    article = Article(
        pk=int(version.object_id),
        headline=data.get("headline", ""),
        standfirst=data.get("standfirst", ""),
        body=data.get("body", ""),
        slug=data.get("slug", ""),
        status=Status.DRAFT,
        published_at=fields.get("published_at"),
        first_published_at=fields.get("first_published_at"),
        created_at=fields.get("created_at") or timezone.now(),
        created_by=creator,
        last_edited_by=by,
        updated_at=timezone.now(),
        lead_photo=Photo.objects.filter(pk=data.get("lead_photo")).first(),
        primary_section=Section.objects.filter(pk=data.get("primary_section")).first(),
    )
    if not article.slug or Article.objects.filter(slug=article.slug).exists():
        article.slug = unique_slug(Article, article.headline, fallback="story")
    article.save(force_insert=True)
    author_ids = [author_id for author_id, _name in data.get("authors", [])]
    authors_by_id = Author.objects.in_bulk(author_ids)
    _set_relations(
        article,
        authors=[authors_by_id[pk] for pk in author_ids if pk in authors_by_id],
        sections=Section.objects.filter(pk__in=data.get("sections", [])),
        agencies=Agency.objects.filter(pk__in=data.get("agencies", [])),
        tags=data.get("tags", []),
    )
    revisions.record(article, by=by, comment="Recovered after deletion")
    _event(article, EventAction.RECOVERED, by)
    return article


@transaction.atomic
def revoke_preview_links(article: Article, *, by) -> Article:
    """Make every preview link handed out so far stop working."""
    current = _locked(article)
    require(permissions.can_share_preview(by, current), "You cannot manage preview links.")
    current.preview_secret = new_preview_secret()
    current.save(update_fields=["preview_secret"])
    return current
