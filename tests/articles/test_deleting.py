"""Issue 14, item 15: deleting a live story says what readers lose; recovering brings back
its history and publish dates; published again, it is back at its original address."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import services
from articles.models import Article, ArticleRedirect, EventAction, FrontPageSlot, Status
from tests.factories import make_article, make_author, make_user

pytestmark = pytest.mark.django_db

NOV_3 = datetime.datetime(2026, 11, 3, 9, 30, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC)


def delete_url(article):
    return reverse("admin:articles_article_delete", args=[article.pk])


def test_the_delete_confirmation_of_a_live_story_says_what_readers_lose(editor_client, editor):
    live = make_article("Floods reach the old town", tags=["floods"])
    FrontPageSlot.objects.create(article=live, position=2, created_by=editor)
    page = editor_client.get(delete_url(live)).content.decode()
    assert "is live: readers can read it now" in page
    assert f'href="{settings.SITE_URL}{live.get_absolute_url()}"' in page
    assert "will answer “not found”" in page
    assert "front page, where it holds position 2" in page
    assert "/tags/floods/feed/" in page and "/feed/" in page
    # None of the rows behind the story, in Django's words.
    for internal in ("object (", "Article events", "Article_sections", "Byline", "Tagged"):
        assert internal not in page, internal


def test_the_delete_confirmation_of_a_draft_says_readers_lose_nothing(editor_client):
    draft = make_article("Unfinished", status=Status.DRAFT)
    page = editor_client.get(delete_url(draft)).content.decode()
    assert "is not public: readers lose nothing" in page
    assert "is live" not in page


def test_the_bulk_delete_confirmation_says_the_same(editor_client):
    live = make_article("Live one")
    draft = make_article("Draft one", status=Status.DRAFT)
    page = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected_safely", "_selected_action": [live.pk, draft.pk]},
    ).content.decode()
    assert "“Live one” is live" in page and "“Draft one” is not public" in page
    assert "object (" not in page and "Article events" not in page
    assert 'name="action" value="delete_selected_safely"' in page


def deleted_and_recovered(client, article) -> Article:
    assert client.post(delete_url(article), {"post": "yes"}).status_code == 302
    version = Version.objects.get_deleted(Article).get(object_id=str(article.pk))
    recover = reverse("admin:articles_article_recover", args=[version.pk])
    assert client.post(recover).status_code == 302
    return Article.objects.get(pk=article.pk)


def published_story(journalist, editor) -> Article:
    """Written and saved as a draft (the last saved version is a draft's), then published
    on 3 November with a correction and a changed address."""
    profile = make_author("Leila Haddad", user=journalist)
    with time_machine.travel(NOV_3 - datetime.timedelta(hours=2), tick=False):
        draft = make_article("Talks resume", status=Status.DRAFT, created_by=journalist,
                             authors=[profile], slug="talks-resume")  # fmt: skip
        services.save_article(draft, by=journalist)
    with time_machine.travel(NOV_3, tick=False):
        services.publish(draft, by=editor)
    with time_machine.travel(NOV_3 + datetime.timedelta(hours=1), tick=False):
        services.add_correction(draft, by=editor, text="The talks are in Geneva, not Vienna.")
    return Article.objects.get(pk=draft.pk)


def test_recovery_brings_back_the_history_and_first_published_date(client, journalist, editor):
    story = published_story(journalist, editor)
    steps = list(story.events.values_list("action", "actor", "at"))
    client.force_login(editor)
    with time_machine.travel(NOV_20, tick=False):
        recovered = deleted_and_recovered(client, story)
    assert recovered.status == Status.DRAFT
    assert recovered.first_published_at == NOV_3
    assert recovered.published_at == NOV_3
    actions = list(recovered.events.order_by("at", "id").values_list("action", "actor", "at"))
    assert actions[:-1] == sorted(steps, key=lambda step: step[2])
    assert actions[-1][:2] == (EventAction.RECOVERED, editor.pk)
    assert [c.text for c in recovered.corrections.all()] == ["The talks are in Geneva, not Vienna."]


def test_republishing_a_recovered_story_keeps_its_original_address(client, journalist, editor):
    story = published_story(journalist, editor)
    story.slug = "geneva-talks-resume"  # renamed after publication: the old address redirects
    services.save_article(story, by=editor)
    original = story.get_absolute_url()
    assert original == "/2026/11/03/geneva-talks-resume/"
    client.force_login(editor)
    with time_machine.travel(NOV_20, tick=False):
        recovered = deleted_and_recovered(client, story)
        publish = reverse("admin:articles_article_publish", args=[recovered.pk])
        assert "/2026/11/03/geneva-talks-resume/" in client.get(publish).content.decode()
        assert client.post(publish, {"when": "now"}).status_code == 302
        recovered.refresh_from_db()
        assert recovered.get_absolute_url() == original
        assert recovered.first_published_at == NOV_3
        client.logout()
        assert client.get(original).status_code == 200
        assert client.get("/2026/11/03/talks-resume/")["Location"] == original
    assert ArticleRedirect.objects.filter(old_path="/2026/11/03/talks-resume/").exists()


def test_a_story_that_never_went_out_is_published_with_todays_date(editor):
    draft = make_article("Brand new", status=Status.DRAFT)
    published = services.publish(draft, by=editor)
    assert timezone.now() - published.published_at < datetime.timedelta(seconds=5)


def test_recovered_steps_of_a_removed_account_are_credited_to_the_recovering_editor(client, editor):
    leaving = make_user("leaving", "Editor")
    story = make_article("Short-lived")
    services.unpublish(story, by=leaving)
    client.force_login(editor)
    assert client.post(delete_url(story), {"post": "yes"}).status_code == 302
    leaving.delete()
    version = Version.objects.get_deleted(Article).get(object_id=str(story.pk))
    client.post(reverse("admin:articles_article_recover", args=[version.pk]))
    recovered = Article.objects.get(pk=story.pk)
    unpublished = recovered.events.get(action=EventAction.UNPUBLISHED)
    assert unpublished.actor == editor


def test_a_recovered_story_whose_slug_was_taken_is_found_at_its_original_address(
    client, journalist, editor
):
    story = published_story(journalist, editor)
    original = story.get_absolute_url()
    assert original == "/2026/11/03/talks-resume/"
    client.force_login(editor)
    with time_machine.travel(NOV_20, tick=False):
        assert client.post(delete_url(story), {"post": "yes"}).status_code == 302
        # Meanwhile a journalist starts a story with the same headline: it takes the slug.
        newcomer = make_article("Talks resume", status=Status.DRAFT, created_by=journalist,
                                slug="talks-resume")  # fmt: skip
        version = Version.objects.get_deleted(Article).get(object_id=str(story.pk))
        recover = reverse("admin:articles_article_recover", args=[version.pk])
        assert client.post(recover).status_code == 302
        recovered = Article.objects.get(pk=story.pk)
        publish = reverse("admin:articles_article_publish", args=[recovered.pk])
        assert client.post(publish, {"when": "now"}).status_code == 302
        recovered.refresh_from_db()
        assert recovered.get_absolute_url() == "/2026/11/03/talks-resume-2/"
        client.logout()
        response = client.get(original)
        assert response.status_code == 301 and response["Location"] == recovered.get_absolute_url()
        assert client.get(recovered.get_absolute_url()).status_code == 200
    # The other story keeps its slug, and once it is published the old address still
    # leads to the story readers knew there, not to the newcomer.
    newcomer.refresh_from_db()
    assert newcomer.slug == "talks-resume"
    with time_machine.travel(NOV_20 + datetime.timedelta(days=1), tick=False):
        newcomer = services.publish(newcomer, by=editor)
        assert newcomer.get_absolute_url() == "/2026/11/21/talks-resume/"
        assert client.get(original)["Location"] == recovered.get_absolute_url()
        assert client.get(newcomer.get_absolute_url()).status_code == 200


def test_the_delete_confirmation_promises_the_original_address_only_to_a_story_that_went_out(
    client, editor_client, editor
):
    live = make_article("Floods reach the old town")
    page = editor_client.get(delete_url(live)).content.decode()
    assert f"its original address {settings.SITE_URL}{live.get_absolute_url()} leads to it" in page
    assert "never been live" not in page
    scheduled = make_article("Budget day", published_at=timezone.now() + datetime.timedelta(days=2))
    page = editor_client.get(delete_url(scheduled)).content.decode()
    assert "original address" not in page
    assert "“Budget day” has never been live: published again, it takes the date it is" in page
    # And that is what happens: deleted before its time, recovered, published now.
    client.force_login(editor)
    recovered = deleted_and_recovered(client, scheduled)
    published = services.publish(recovered, by=editor)
    assert timezone.now() - published.published_at < datetime.timedelta(seconds=5)
