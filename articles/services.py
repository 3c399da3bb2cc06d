"""Every change to an article goes through here: content saves and workflow steps.

Each service checks permission against the row as it is in the database (locked), acts
and records who did what. (Caches learn what each change affects by themselves: see
articles/keys.py.) Nothing else assigns `status` or `published_at`.
"""

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from articles import permissions, preflight, related, revisions
from articles.models import (
    Article,
    ArticleEvent,
    ArticleRedirect,
    Byline,
    Correction,
    CorrectionKind,
    EventAction,
    Status,
)
from articles.models.articles import new_preview_secret
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


def _content_columns() -> list[str]:
    """The columns a content save writes: the article's own content fields (relations are
    set apart) and the bookkeeping of every save. Status and times are written only by the
    workflow steps, so a stale copy of an article can never write back an old status."""
    own = [field.name for field in Article.content_fields() if not field.many_to_many]
    return [*own, "updated_at", "last_edited_by", "version"]  # body_text: see Article.save


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
    comment: str = "",
    **relations: Iterable | None,
) -> Article:
    """Create or edit an article's content (never its status).

    `expected_version` is the version the editor's copy was loaded at: if someone saved
    since, StaleEdit is raised and nothing is written. `relations` are the article's
    many-to-many content fields by name — `authors` in byline order, `sections`,
    `agencies`, `tags` (names) and any added to the model; one left out or None stays as
    it is.
    """
    unknown = set(relations) - {f.name for f in Article.content_fields() if f.many_to_many}
    if unknown:
        raise TypeError(f"save_article() got relations the article does not have: {unknown}")
    creating = article.pk is None
    now = timezone.now()
    old_path = None
    if creating:
        permissions.check(permissions.can_create, by)
        article.created_by = by
        article.status = Status.DRAFT
        article.version = 1
    else:
        current = _locked(article)
        permissions.check(permissions.can_edit, by, current)
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
        article.save(update_fields=_content_columns())

    _set_relations(article, relations)
    related.refresh(article)
    _remember_old_address(article, old_path)
    revisions.record(article, by=by, comment=comment or ("Created" if creating else "Edited"))
    return article


def _set_relations(article: Article, relations: dict) -> None:
    for name, values in relations.items():
        if values is None:
            continue
        if name == "authors":
            wanted = list(dict.fromkeys(values))  # keep order, drop repeats
            Byline.objects.filter(article=article).exclude(author__in=wanted).delete()
            for position, author in enumerate(wanted):
                Byline.objects.update_or_create(
                    article=article, author=author, defaults={"position": position}
                )
        else:
            getattr(article, name).set(list(values))
    # The primary section is always one of the article's sections.
    if article.primary_section_id:
        article.sections.add(article.primary_section_id)


# --- workflow -----------------------------------------------------------------------


@transaction.atomic
def submit(article: Article, *, by, note: str = "") -> Article:
    """Journalist → desk: the draft is ready for an editor."""
    current = _locked(article)
    permissions.check(permissions.can_submit, by, current)
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
    permissions.check(permissions.can_return, by, current)
    current.move_to(Status.DRAFT)
    _bump(current, "status")
    _event(current, EventAction.RETURNED, by, note=note.strip())
    return current


@transaction.atomic
def publish(article: Article, *, by, at: datetime.datetime | None = None) -> Article:
    """Publish now, or schedule when `at` is in the future (visibility is decided when
    readers ask, so a scheduled article appears by itself). Published now, a story that
    was live before (unpublished, or deleted and recovered) keeps its publish time."""
    if at is not None and timezone.is_naive(at):
        raise ValueError("The publish time needs a time zone.")
    now = timezone.now()
    current = _locked(article)
    # Published now, a story that went out before comes back at its own address (which
    # carries its publish date), not at a new one.
    scheduling = at is not None and at > now
    when = at if scheduling else current.republish_time(now=now) or now
    action = EventAction.SCHEDULED if when > now else EventAction.PUBLISHED
    return _go_live(current, by, when=when, first_if_after=now, action=action)


@transaction.atomic
def publish_imported(article: Article, *, by, at: datetime.datetime, note: str) -> Article:
    """Publish a story brought in from another system at the time it first went out there
    (services.publish() gives a story published now today's date). The same checks as any
    publication (permission, preflight, workflow), and the step is recorded with `note`
    saying where it came from. Only past times: a future one is a schedule, which an import
    never makes."""
    if timezone.is_naive(at):
        raise ValueError("The publish time needs a time zone.")
    if at > timezone.now():
        raise ValueError("An imported story can only be published at a time already past.")
    current = _locked(article)
    return _go_live(
        current, by, when=at, first_if_after=at, action=EventAction.PUBLISHED, note=note
    )


def _go_live(current, by, *, when, first_if_after, action, note="") -> Article:
    """What every publication shares, on the locked row: the permission, the preflight,
    the move to published at `when` (first publication too, unless it went out before
    `first_if_after`), related stories, the old address kept, the event."""
    permissions.check(permissions.can_publish, by, current)
    problems = preflight.problems(current)
    if problems:
        raise PublishBlocked(problems)
    old_path = current.public_path() if current.published_at else None
    current.move_to(Status.PUBLISHED)
    current.published_at = when
    if current.first_published_at is None or current.first_published_at > first_if_after:
        current.first_published_at = when
    _bump(current, "status", "published_at", "first_published_at")
    related.refresh(current)
    _remember_old_address(current, old_path)
    _event(current, action, by, note=note, publish_time=when)
    return current


@transaction.atomic
def unpublish(article: Article, *, by, note: str = "") -> Article:
    """Take a published or scheduled article down; it goes back to draft."""
    now = timezone.now()
    current = _locked(article)
    permissions.check(permissions.can_unpublish, by, current)
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
    permissions.check(permissions.can_correct, by, current)
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
    """Delete; an editor can recover it, with its history, from the version kept here."""
    current = _locked(article)
    permissions.check(permissions.can_delete, by, current)
    revisions.record_deletion(current, by=by)
    current.delete()


# --- versions -----------------------------------------------------------------------


@transaction.atomic
def restore_revision(
    article: Article, version, *, by, expected_version: int | None = None
) -> Article:
    """Put an earlier version's content back (as a new version). The status is kept:
    restoring an old published version publishes nothing. `expected_version` is the
    version the person compared with: if someone saved since, StaleEdit is raised."""
    if version.object_id != str(article.pk) or version.content_type.model_class() is not Article:
        raise ValueError("That version belongs to another article.")
    current = _locked(article)
    permissions.check(permissions.can_edit, by, current)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    fields, relations = revisions.content_of(revisions.snapshot(version))
    # The old address comes back unless another story has taken it since; a version
    # without a primary section keeps the current one (a published story needs one).
    slug = fields.pop("slug", "") or current.slug
    if "primary_section" in fields and fields["primary_section"] is None:
        del fields["primary_section"]
    for name, value in fields.items():
        setattr(current, name, value)
    if not Article.objects.filter(slug=slug).exclude(pk=current.pk).exists():
        current.slug = slug
    when = timezone.localtime(version.revision.date_created)
    restored = save_article(
        current,
        by=by,
        expected_version=current.version,
        comment=f"Restored the version of {when:%d %B %Y, %H:%M}",
        **relations,
    )
    _event(restored, EventAction.RESTORED, by, note=f"Version of {when:%d %B %Y, %H:%M}")
    return restored


@transaction.atomic
def recover_article(version, *, by) -> Article:
    """Bring back a deleted article as a draft, from the version kept when it was deleted:
    its content and relations, its publish times (so publishing it again brings it back at
    its address, or, if another story took its slug meanwhile, at a new one its original
    address redirects to), its workflow steps, corrections and old addresses."""
    permissions.check(permissions.can_recover, by)
    if Article.objects.filter(pk=version.object_id).exists():
        raise ValueError("That article is not deleted.")
    now = timezone.now()
    fields = version.field_dict
    data = revisions.snapshot(version)
    users = get_user_model().objects.in_bulk(_people_in(fields, data.get("history") or {}))
    first_published_at = fields.get("first_published_at")
    if first_published_at and first_published_at > now:
        first_published_at = None  # it was only scheduled and never went out (as unpublish)
    content, relations = revisions.content_of(data)
    article = Article(
        pk=int(version.object_id),
        status=Status.DRAFT,
        published_at=fields.get("published_at"),
        first_published_at=first_published_at,
        created_at=fields.get("created_at") or now,
        created_by=users.get(fields.get("created_by_id")) or by,
        last_edited_by=by,
        updated_at=now,
        **content,
    )
    # Where readers last found it, if it was ever live.
    original_path = article.public_path() if article.first_published_at and article.slug else None
    if not article.slug or Article.objects.filter(slug=article.slug).exists():
        # Another story took the slug while this one was deleted. That story stays as it
        # is (it may be someone's draft or already public); this one gets a new slug and
        # its original address becomes an old address that follows it (below).
        article.slug = unique_slug(Article, article.headline, fallback="story")
    article.save(force_insert=True)
    _set_relations(article, relations)
    _bring_back_history(article, data.get("history") or {}, users=users, by=by)
    _remember_old_address(article, original_path)
    revisions.record(article, by=by, comment="Recovered after deletion")
    deleted = version.revision
    when = timezone.localtime(deleted.date_created)
    note = f"Deleted on {when:%d %B %Y, %H:%M}"
    if deleted.user:
        note += f" by {deleted.user.get_full_name() or deleted.user.get_username()}"
    _event(article, EventAction.RECOVERED, by, note=note)
    return article


def _people_in(fields: dict, history: dict) -> set:
    people = {fields.get("created_by_id")}
    people |= {event.get("actor") for event in history.get("events", [])}
    people |= {correction.get("created_by") for correction in history.get("corrections", [])}
    return {pk for pk in people if pk is not None}


def _bring_back_history(article: Article, history: dict, *, users: dict, by) -> None:
    """Recreate the workflow steps, corrections and old addresses kept at deletion. A step
    whose author's account has since been removed is credited to the recovering editor."""
    parse = datetime.datetime.fromisoformat
    ArticleEvent.objects.bulk_create(
        ArticleEvent(
            article=article,
            action=event["action"],
            actor=users.get(event.get("actor")) or by,
            at=parse(event["at"]),
            note=event.get("note", ""),
            publish_time=parse(event["publish_time"]) if event.get("publish_time") else None,
        )
        for event in history.get("events", [])
    )
    Correction.objects.bulk_create(
        Correction(
            article=article,
            kind=correction["kind"],
            text=correction["text"],
            created_at=parse(correction["created_at"]),
            created_by=users.get(correction.get("created_by")) or by,
        )
        for correction in history.get("corrections", [])
    )
    taken = set(
        ArticleRedirect.objects.filter(old_path__in=history.get("redirects", [])).values_list(
            "old_path", flat=True
        )
    )
    ArticleRedirect.objects.bulk_create(
        ArticleRedirect(old_path=path, article=article)
        for path in history.get("redirects", [])
        if path not in taken
    )


@transaction.atomic
def revoke_preview_links(article: Article, *, by) -> Article:
    """Make every preview link handed out so far stop working."""
    current = _locked(article)
    permissions.check(permissions.can_share_preview, by, current)
    current.preview_secret = new_preview_secret()
    current.save(update_fields=["preview_secret"])
    return current
