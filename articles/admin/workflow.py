"""The admin pages of the workflow: submit, publish (with its preflight), return, unpublish,
correct, share a preview, compare and restore versions, recover deleted articles.

Each view finds the article among those the user may see (404 otherwise), asks
permissions.py whether the step is allowed (403 otherwise) and calls a service.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from reversion.models import Version
from taggit.models import Tag

from articles import permissions, preflight, previews, revisions, services
from articles.forms import CorrectionForm, PublishForm, ReturnForm, ShareForm, UnpublishForm
from articles.models import Article, EventAction, Status
from articles.views import render_article


def _article(request, pk: int, model_admin) -> Article:
    queryset = model_admin.get_queryset(request)
    return get_object_or_404(queryset, pk=pk)


def _change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def _render(request, model_admin, template: str, article: Article | None, **context):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": article,
        "article": article,
        **context,
    }
    return TemplateResponse(request, f"admin/articles/article/{template}", context)


# --- the change form's buttons ------------------------------------------------------


def buttons_context(user, article: Article) -> dict:
    return {
        "can_submit": permissions.can_submit(user, article),
        "can_publish": permissions.can_publish(user, article),
        "can_unpublish": permissions.can_unpublish(user, article),
        "can_return": permissions.can_return(user, article),
        "can_correct": permissions.can_correct(user, article),
        "can_preview": permissions.can_preview(user, article),
        "can_share": permissions.can_share_preview(user, article),
        "is_editor": permissions.is_editor(user),
    }


def returned_note(article: Article):
    """The editor's note, when the article is a draft that was returned."""
    if article.status != Status.DRAFT:
        return None
    last = article.events.exclude(action=EventAction.CREATED).first()
    if last is not None and last.action == EventAction.RETURNED:
        return last
    return None


# --- workflow steps -----------------------------------------------------------------


@require_POST
def submit_view(request, pk, model_admin):
    article = _article(request, pk, model_admin)
    permissions.check(permissions.can_submit, request.user, article)
    services.submit(article, by=request.user)
    messages.success(request, f"“{article}” was sent to the editors for review.")
    return HttpResponseRedirect(reverse("admin:articles_article_changelist"))


@never_cache
def publish_view(request, pk, model_admin):
    article = _article(request, pk, model_admin)
    permissions.check(permissions.can_publish, request.user, article)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            published = services.publish(article, by=request.user, at=form.publish_time)
        except services.PublishBlocked as blocked:
            for problem in blocked.problems:
                form.add_error(None, problem)
        else:
            when = timezone.localtime(published.published_at)
            if published.is_scheduled:
                messages.success(
                    request, f"“{published}” is scheduled for {when:%d %B %Y at %H:%M}."
                )
            else:
                messages.success(request, f"“{published}” is published.")
            return HttpResponseRedirect(_change_url(published))
    at = form.cleaned_data.get("publish_at") if form.is_bound and form.is_valid() else None
    return _render(
        request,
        model_admin,
        "publish.html",
        article,
        title=f"Publish “{article}”",
        form=form,
        checks=preflight.run(article),
        changes=preflight.what_changes(article, at=at or timezone.now()),
    )


@never_cache
def return_view(request, pk, model_admin):
    article = _article(request, pk, model_admin)
    permissions.check(permissions.can_return, request.user, article)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.return_to_journalist(article, by=request.user, note=form.cleaned_data["note"])
        messages.success(request, f"“{article}” was returned to its journalist with your note.")
        return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
    return _render(
        request, model_admin, "step.html", article,
        title=f"Return “{article}” to the journalist", form=form, button="Return with note",
    )  # fmt: skip


@never_cache
def unpublish_view(request, pk, model_admin):
    article = _article(request, pk, model_admin)
    permissions.check(permissions.can_unpublish, request.user, article)
    form = UnpublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.unpublish(article, by=request.user, note=form.cleaned_data["note"])
        messages.success(
            request, f"“{article}” was taken down; it is a draft again and readers get a 404."
        )
        return HttpResponseRedirect(_change_url(article))
    return _render(
        request, model_admin, "step.html", article,
        title=f"Unpublish “{article}”", form=form, button="Unpublish",
        explanation="Readers will no longer find it anywhere: its page, lists, feeds, "
        "sitemaps and search. It goes back to draft.",
    )  # fmt: skip


@never_cache
def correct_view(request, pk, model_admin):
    article = _article(request, pk, model_admin)
    permissions.check(permissions.can_correct, request.user, article)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_correction(
            article, by=request.user, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"]
        )
        messages.success(request, "The note was added; readers see it now.")
        return HttpResponseRedirect(_change_url(article))
    return _render(
        request, model_admin, "step.html", article,
        title=f"Add a correction or update to “{article}”", form=form, button="Add note",
        corrections=article.corrections.all(),
    )  # fmt: skip


@never_cache
def share_view(request, pk, model_admin):
    article = _article(request, pk, model_admin)
    permissions.check(permissions.can_share_preview, request.user, article)
    form = ShareForm(request.POST or None)
    link = expires = None
    if request.method == "POST" and "revoke" in request.POST:
        services.revoke_preview_links(article, by=request.user)
        messages.success(request, "Every preview link given out so far has stopped working.")
        return HttpResponseRedirect(request.path)
    if request.method == "POST" and form.is_valid():
        path, expires = previews.make_link(article, days=form.cleaned_data["days"])
        link = request.build_absolute_uri(path)
    return _render(
        request, model_admin, "share.html", article,
        title=f"Share a preview of “{article}”", form=form, link=link, expires=expires,
    )  # fmt: skip


@never_cache
def preview_view(request, pk, model_admin):
    article = _article(request, pk, model_admin)
    permissions.check(permissions.can_preview, request.user, article)
    article = Article.objects.for_detail().get(pk=article.pk)
    return render_article(request, article, preview=True)


def tag_suggestions(request):
    """Existing tags starting with what the journalist typed (for the tags field): only
    tags the user could see used, so a suggestion never reveals an embargoed topic."""
    typed = request.GET.get("q", "").strip()[:50]
    names = []
    if typed and permissions.can_edit(request.user):
        names = list(
            permissions.visible_tags(request.user, Tag.objects.filter(name__istartswith=typed))
            .order_by("name")
            .values_list("name", flat=True)[:10]
        )
    return JsonResponse({"results": names})


# --- versions -----------------------------------------------------------------------


def history_context(request, article: Article) -> dict:
    versions = list(revisions.history(article))
    return {
        "events": article.events.select_related("actor"),
        "versions": versions,
        "can_restore": permissions.can_edit(request.user, article),
    }


def _version(article: Article, version_id: int) -> Version:
    version = get_object_or_404(
        revisions.history(article).select_related("content_type"), pk=version_id
    )
    return version


@never_cache
def compare_view(request, pk, model_admin):
    article = _article(request, pk, model_admin)
    permissions.check(permissions.can_view, request.user, article)
    try:
        older = _version(article, int(request.GET.get("from", "")))
        newer = _version(article, int(request.GET.get("to", "")))
    except ValueError:
        raise Http404("Choose two versions to compare.") from None
    if older.revision.date_created > newer.revision.date_created:
        older, newer = newer, older
    return _render(
        request, model_admin, "compare.html", article,
        title=f"Changes to “{article}”", older=older, newer=newer,
        changes=revisions.compare(revisions.snapshot(older), revisions.snapshot(newer)),
    )  # fmt: skip


@never_cache
def restore_view(request, pk, version_id, model_admin):
    article = _article(request, pk, model_admin)
    permissions.check(permissions.can_edit, request.user, article)
    version = _version(article, version_id)
    refused = None
    if request.method == "POST":
        # Like any save, a restore is checked against the version the person compared
        # with on this page: it never replaces a newer save they have not seen.
        try:
            shown = int(request.POST.get("loaded_version", ""))
            services.restore_revision(article, version, by=request.user, expected_version=shown)
        except ValueError:
            refused = (
                "This page did not say which version it compared with, so nothing was restored."
            )
        except services.StaleEdit as stale:
            refused = (
                f"{stale.changed_by.get_full_name() or stale.changed_by.get_username()} "
                f"changed this article at {stale.changed_at:%H:%M on %d %B %Y} since you "
                "opened this page, so nothing was restored."
            )
        else:
            messages.success(
                request,
                "The earlier version's content is back (its status was not changed). The "
                "version you replaced is kept in the history.",
            )
            return HttpResponseRedirect(_change_url(article))
        article = _article(request, pk, model_admin)
    response = _render(
        request, model_admin, "restore.html", article,
        title=f"Restore an earlier version of “{article}”", version=version, refused=refused,
        changes=revisions.compare(revisions.snapshot_of(article), revisions.snapshot(version)),
    )  # fmt: skip
    if refused:
        response.status_code = 409
    return response


@never_cache
def deleted_view(request, model_admin):
    permissions.check(permissions.can_recover, request.user)
    return _render(
        request, model_admin, "deleted.html", None,
        title="Deleted articles", versions=revisions.deleted_articles()[:200],
    )  # fmt: skip


@require_POST
def recover_view(request, version_id, model_admin):
    permissions.check(permissions.can_recover, request.user)
    version = get_object_or_404(revisions.deleted_articles(), pk=version_id)
    article = services.recover_article(version, by=request.user)
    messages.success(request, f"“{article}” was recovered as a draft.")
    return HttpResponseRedirect(_change_url(article))
