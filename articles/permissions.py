"""Who may do what with an article, and with what readers see through it (its photo, its
tags). The one place these rules live.

Used by the admin (buttons, forms, querysets), the services (which refuse whatever a
crafted request asks for) and the tests.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from articles.models import Article, Photo, Status, TaggedArticle

PUBLISH = "articles.publish_article"


class NotAllowed(PermissionDenied):
    """The user may not take this step; the message says why in the desk's words."""


def is_editor(user) -> bool:
    return bool(user.is_active and user.has_perm(PUBLISH))


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def is_own(user, article: Article) -> bool:
    """The user created the story or is one of its bylines."""
    if article.created_by_id == user.pk:
        return True
    if article.pk is None:
        return False
    return article.bylines.filter(author__user=user).exists()


def visible_in_admin(user, queryset):
    """The articles a staff member sees in the admin: editors all, journalists their own
    and what readers can already see (not others' drafts, nor embargoed scheduled ones)."""
    if is_editor(user):
        return queryset
    if not _is_staff(user):
        return queryset.none()
    return queryset.filter(
        Q(created_by=user)
        | Q(bylines__author__user=user)
        | Q(pk__in=Article.objects.published().values("pk"))
    ).distinct()


def can_view(user, article: Article) -> bool:
    return visible_in_admin(user, Article.objects.filter(pk=article.pk)).exists()


def can_create(user) -> bool:
    return _is_staff(user) and user.has_perm("articles.add_article")


def can_edit(user, article: Article | None = None) -> bool:
    """Editors edit everything; journalists their own drafts (including returned ones).
    Without an article: whether the user edits articles at all."""
    if not _is_staff(user) or not user.has_perm("articles.change_article"):
        return False
    if article is None or is_editor(user):
        return True
    return article.status == Status.DRAFT and is_own(user, article)


def can_delete(user, article: Article) -> bool:
    """Editors delete anything (it can be recovered); journalists only their own drafts
    that never went out."""
    if not _is_staff(user) or not user.has_perm("articles.delete_article"):
        return False
    if is_editor(user):
        return True
    return (
        article.status == Status.DRAFT
        and article.first_published_at is None
        and is_own(user, article)
    )


def can_submit(user, article: Article) -> bool:
    return article.status == Status.DRAFT and can_edit(user, article)


def can_publish(user, article: Article) -> bool:
    """Publish now or schedule: editors only, from draft, review or scheduled."""
    return is_editor(user) and (not article.is_live_or_scheduled or article.is_scheduled)


def can_unpublish(user, article: Article) -> bool:
    return is_editor(user) and article.is_live_or_scheduled


def can_return(user, article: Article) -> bool:
    return is_editor(user) and article.status == Status.REVIEW


def can_correct(user, article: Article) -> bool:
    return is_editor(user) and article.is_live_or_scheduled


def can_recover(user) -> bool:
    """Deleted stories come back through an editor."""
    return is_editor(user)


def can_preview(user, article: Article) -> bool:
    """Staff preview what they may edit, and their own stories in any state."""
    return can_edit(user, article) or (_is_staff(user) and is_own(user, article))


def can_share_preview(user, article: Article) -> bool:
    """Editors and the story's own people may hand out a preview link."""
    return is_editor(user) or (_is_staff(user) and is_own(user, article))


# --- photos: what readers see of a story through its lead photo ----------------------
# Article bodies hold no images (articles/richtext.py allows none), so a story shows a
# photo only as its lead photo.

PHOTO_ON_PUBLIC_STORY = (
    "This photo appears on a live or scheduled story, so only an editor can change it. "
    "To use a different photo or wording, ask an editor."
)


def photo_is_public(photo: Photo) -> bool:
    """The photo is the lead photo of a live or scheduled story: changing it changes what
    readers see (or will see), as changing the story's text would."""
    if photo.pk is None:
        return False
    return Article.objects.live_or_scheduled().filter(lead_photo=photo).exists()


def can_change_photo(user, photo: Photo | None = None) -> bool:
    """Editors change any photo; journalists only photos that appear on nothing public."""
    if not _is_staff(user) or not user.has_perm("articles.change_photo"):
        return False
    if photo is None or is_editor(user):
        return True
    return not photo_is_public(photo)


def can_delete_photo(user, photo: Photo | None = None) -> bool:
    """The same rule as changing (a photo in use on a published story is also protected
    from deletion for everyone, see admin/protection.py)."""
    if not _is_staff(user) or not user.has_perm("articles.delete_photo"):
        return False
    if photo is None or is_editor(user):
        return True
    return not photo_is_public(photo)


# --- tags -----------------------------------------------------------------------------


def visible_tags(user, queryset):
    """The tags a staff member may see (in suggestions and the tag list): editors all;
    others the tags of the stories they see in the admin (public ones and their own), so a
    tag used only on someone else's draft or an embargoed story gives nothing away."""
    if is_editor(user):
        return queryset
    if not _is_staff(user):
        return queryset.none()
    seen = visible_in_admin(user, Article.objects.all()).values("pk")
    return queryset.filter(
        pk__in=TaggedArticle.objects.filter(content_object__in=seen).values("tag_id")
    )


# --- webhooks (api/) -------------------------------------------------------------------


def can_manage_webhooks(user) -> bool:
    """Editors register webhook endpoints and read the delivery log: an endpoint receives
    every story as it goes out, which is the editors' call."""
    return _is_staff(user) and is_editor(user)


# --- refusals -------------------------------------------------------------------------

# What the desk is told when a rule says no. The services and the admin's workflow pages
# both refuse through check(), so a refusal reads the same wherever it is met.
REFUSALS: dict[Callable[..., bool], str] = {
    can_view: "You cannot see this article.",
    can_create: "You cannot create articles.",
    can_edit: "You cannot edit this article.",
    can_delete: "You cannot delete this article.",
    can_submit: "You cannot submit this article for review.",
    can_publish: "Only editors can publish or schedule.",
    can_unpublish: "Only editors can unpublish.",
    can_return: "Only editors can return articles in review.",
    can_correct: "Only editors can add corrections, and only to published articles.",
    can_recover: "Only editors can recover deleted articles.",
    can_preview: "You cannot preview this article.",
    can_share_preview: "You cannot share or revoke preview links of this article.",
}


def check(rule: Callable[..., bool], user, *subject) -> None:
    """Raise NotAllowed, in the desk's words for `rule`, unless `rule(user, *subject)`."""
    if not rule(user, *subject):
        raise NotAllowed(REFUSALS[rule])
