"""Versions: every save kept, compared, restored (never changing status), deleted articles
recovered."""

import pytest
from django.urls import reverse
from reversion.models import Version

from articles import revisions, services
from articles.models import Article, Status
from tests.articles.test_admin_doors import change_url, form_data
from tests.factories import make_agency, make_article, make_author, section

pytestmark = pytest.mark.django_db


def edit(article, by, **changes):
    copy = Article.objects.get(pk=article.pk)
    relations = {
        k: changes.pop(k) for k in ("authors", "sections", "tags", "agencies") if k in changes
    }
    for field, value in changes.items():
        setattr(copy, field, value)
    return services.save_article(copy, by=by, **relations)


def test_every_save_keeps_a_version_with_relations(editor):
    first, second = make_author("First Author"), make_author("Second Author")
    article = make_article("Version one", authors=[first])
    edit(article, editor, headline="Version two", authors=[second, first], tags=["floods"],
         sections=[section("world")], agencies=[make_agency("AP")])  # fmt: skip
    edit(article, editor, headline="Version three", body="<p>New body</p>")
    versions = list(revisions.history(article))
    assert len(versions) == 2
    snapshot = revisions.snapshot(versions[1])
    assert snapshot["headline"] == "Version two"
    assert [name for _, name in snapshot["authors"]] == ["Second Author", "First Author"]
    assert snapshot["tags"] == ["floods"]
    assert snapshot["agency_names"] == ["AP"]
    assert set(snapshot["section_names"]) == {"Politics", "World"}


def test_compare_shows_word_level_changes(editor_client, editor):
    article = make_article("Old words here")
    edit(article, editor, headline="Old words here")
    edit(article, editor, headline="New words here", body="<p>Changed body</p>")
    newer, older = revisions.history(article)[:2]
    url = reverse("admin:articles_article_compare", args=[article.pk])
    page = editor_client.get(url, {"from": older.pk, "to": newer.pk})
    assert page.status_code == 200
    assert b"<del>Old</del>" in page.content and b"<ins>New</ins>" in page.content
    assert editor_client.get(url, {"from": "x", "to": newer.pk}).status_code == 404


def test_restore_puts_content_back_and_keeps_the_status(editor_client, editor):
    author = make_author("Kept")
    article = make_article("Published headline", authors=[author])
    edit(article, editor, headline="Published headline", tags=["alpha"])
    edit(article, editor, headline="Worse headline", tags=["beta"])
    old = revisions.history(article)[1]
    url = reverse("admin:articles_article_restore", args=[article.pk, old.pk])
    assert b"<del>Worse</del>" in editor_client.get(url).content
    article.refresh_from_db()
    assert editor_client.post(url, {"loaded_version": article.version}).status_code == 302
    article.refresh_from_db()
    assert article.headline == "Published headline"
    assert list(article.tags.names()) == ["alpha"]
    assert article.status == Status.PUBLISHED
    assert revisions.history(article).count() == 3  # the replaced text is kept too


def test_a_restore_compared_before_a_newer_save_is_refused(editor_client, editor):
    """The restore page's comparison is with the version it showed: a colleague's save in
    between is never replaced unseen (issue 14, item 14)."""
    article = make_article("First headline")
    edit(article, editor, headline="First headline")
    old = revisions.history(article).first()
    url = reverse("admin:articles_article_restore", args=[article.pk, old.pk])
    editor_client.get(url)
    shown = Article.objects.get(pk=article.pk).version
    edit(article, editor, headline="A colleague's newer headline")
    refused = editor_client.post(url, {"loaded_version": shown})
    assert refused.status_code == 409
    assert b"since you opened this page, so nothing was restored" in refused.content
    assert editor_client.post(url).status_code == 409  # no version named: refused too
    article.refresh_from_db()
    assert article.headline == "A colleague's newer headline"
    # The page shown with the refusal compares with the newest version: restoring from it works.
    assert f'value="{article.version}"'.encode() in refused.content
    assert editor_client.post(url, {"loaded_version": article.version}).status_code == 302
    article.refresh_from_db()
    assert article.headline == "First headline"


def test_restoring_a_published_version_does_not_publish_a_draft(
    journalist_client, journalist, editor
):
    profile = make_author(user=journalist)
    article = make_article("Was live", authors=[profile], created_by=journalist)
    edit(article, editor, headline="Was live")
    services.unpublish(article, by=editor)  # back to the journalist as a draft
    live_version = revisions.history(article).first()
    url = reverse("admin:articles_article_restore", args=[article.pk, live_version.pk])
    article.refresh_from_db()
    assert journalist_client.post(url, {"loaded_version": article.version}).status_code == 302
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_journalist_cannot_restore_others_or_published_articles(journalist_client, editor):
    article = make_article("Editors only")
    edit(article, editor, headline="Editors only, v2")
    version = revisions.history(article).first()
    url = reverse("admin:articles_article_restore", args=[article.pk, version.pk])
    assert journalist_client.post(url).status_code == 403
    article.refresh_from_db()
    assert article.headline == "Editors only, v2"


def test_a_version_of_another_article_cannot_be_restored_here(editor_client, editor):
    one, two = make_article("One"), make_article("Two")
    edit(one, editor, headline="One")
    version = revisions.history(one).first()
    url = reverse("admin:articles_article_restore", args=[two.pk, version.pk])
    assert editor_client.post(url).status_code == 404


def test_deleted_article_is_recovered_as_a_draft_with_its_relations(editor_client, editor):
    author = make_author("Byline Kept")
    article = make_article("Deleted by mistake", authors=[author])
    edit(article, editor, headline="Deleted by mistake", tags=["kept tag"])
    pk = article.pk
    assert (
        editor_client.post(
            reverse("admin:articles_article_delete", args=[pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    assert not Article.objects.filter(pk=pk).exists()

    listing = editor_client.get(reverse("admin:articles_article_deleted"))
    assert b"Deleted by mistake" in listing.content
    version = Version.objects.get_deleted(Article).get(object_id=str(pk))
    response = editor_client.post(reverse("admin:articles_article_recover", args=[version.pk]))
    assert response.status_code == 302
    recovered = Article.objects.get(pk=pk)
    assert recovered.status == Status.DRAFT
    assert recovered.byline_authors == [author]
    assert list(recovered.tags.names()) == ["kept tag"]


def test_journalists_cannot_list_or_recover_deleted_articles(journalist_client):
    assert journalist_client.get(reverse("admin:articles_article_deleted")).status_code == 403


def test_history_page_shows_workflow_and_versions(editor_client, editor, journalist):
    article = make_article("With history", status=Status.DRAFT, created_by=journalist)
    edit(article, editor, headline="With history")
    services.publish(article, by=editor)
    page = editor_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert page.status_code == 200
    assert b"Published" in page.content and b"Versions" in page.content


def test_the_admin_form_records_a_version(editor_client):
    article = make_article("Through the form")
    editor_client.post(change_url(article), form_data(article, headline="Edited in the form"))
    assert (
        revisions.snapshot(revisions.history(article).first())["headline"] == "Edited in the form"
    )
