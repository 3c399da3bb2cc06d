"""Every workflow step, through the services (the only code that changes status)."""

import datetime

import pytest
from django.utils import timezone

from articles import services
from articles.models import (
    Article,
    ArticleEvent,
    ArticleRedirect,
    EventAction,
    InvalidTransition,
    Status,
)
from articles.permissions import NotAllowed
from tests.factories import make_article, make_author, make_photo, section

pytestmark = pytest.mark.django_db


def draft_by(user, **fields):
    article = Article(
        headline=fields.pop("headline", "Water talks begin in Ankara"),
        standfirst=fields.pop("standfirst", "Both sides say a deal is near."),
        body=fields.pop("body", "<p>Talks began on Monday.</p>"),
        primary_section=fields.pop("primary_section", section("middle-east")),
        **fields,
    )
    profile = getattr(user, "author_profile", None) or make_author(user=user)
    return services.save_article(article, by=user, authors=[profile])


def test_creating_makes_a_draft_with_a_slug_an_event_and_a_version(journalist):
    article = draft_by(journalist)
    assert article.status == Status.DRAFT
    assert article.slug == "water-talks-begin-in-ankara"
    assert article.created_by == journalist
    assert article.sections.filter(slug="middle-east").exists()  # primary is always included
    assert list(article.events.values_list("action", flat=True)) == [EventAction.CREATED]
    assert article.version == 1


def test_journalist_submits_editor_returns_with_a_note_journalist_resubmits(journalist, editor):
    article = draft_by(journalist)
    services.submit(article, by=journalist)
    article.refresh_from_db()
    assert article.status == Status.REVIEW

    with pytest.raises(ValueError, match="note"):
        services.return_to_journalist(article, by=editor, note="   ")
    services.return_to_journalist(article, by=editor, note="Add a second source.")
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    returned = article.events.get(action=EventAction.RETURNED)
    assert (returned.actor, returned.note) == (editor, "Add a second source.")

    services.submit(article, by=journalist)
    article.refresh_from_db()
    assert article.status == Status.REVIEW


def test_editor_publishes_now(journalist, editor):
    article = draft_by(journalist)
    services.submit(article, by=journalist)
    before = timezone.now()
    published = services.publish(article, by=editor)
    assert published.status == Status.PUBLISHED
    assert before <= published.published_at <= timezone.now()
    assert published.first_published_at == published.published_at
    assert Article.objects.published().filter(pk=article.pk).exists()
    event = published.events.first()
    assert (event.action, event.actor) == (EventAction.PUBLISHED, editor)


def test_scheduled_article_appears_by_itself_when_its_time_comes(journalist, editor):
    article = draft_by(journalist)
    at = timezone.now() + datetime.timedelta(hours=2)
    scheduled = services.publish(article, by=editor, at=at)
    assert scheduled.is_scheduled and scheduled.state_label == "Scheduled"
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert scheduled.events.first().action == EventAction.SCHEDULED
    later = at + datetime.timedelta(seconds=1)
    assert Article.objects.published(at=later).filter(pk=article.pk).exists()


def test_publish_time_in_the_past_means_now(journalist, editor):
    article = draft_by(journalist)
    published = services.publish(article, by=editor, at=timezone.now() - datetime.timedelta(days=3))
    assert published.published_at > timezone.now() - datetime.timedelta(minutes=1)


def test_naive_publish_time_is_refused(journalist, editor):
    article = draft_by(journalist)
    with pytest.raises(ValueError, match="time zone"):
        services.publish(article, by=editor, at=datetime.datetime(2030, 1, 1, 9, 0))  # noqa: DTZ001


def test_unpublish_takes_it_down_and_back_to_draft(editor):
    article = make_article()
    services.unpublish(article, by=editor, note="Legal asked us to.")
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert article.events.first().note == "Legal asked us to."


def test_unpublishing_a_scheduled_article_forgets_it_never_went_out(journalist, editor):
    article = draft_by(journalist)
    services.publish(article, by=editor, at=timezone.now() + datetime.timedelta(hours=1))
    services.unpublish(article, by=editor)
    article.refresh_from_db()
    assert article.first_published_at is None


def test_correction_is_kept_and_needs_text(editor):
    article = make_article()
    with pytest.raises(ValueError):
        services.add_correction(article, by=editor, text="")
    correction = services.add_correction(
        article, by=editor, kind="clarification", text="We meant the upper house."
    )
    assert article.corrections.get() == correction
    assert article.events.first().action == EventAction.CORRECTED


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.DRAFT, "return"),
        (Status.DRAFT, "unpublish"),
        (Status.DRAFT, "correct"),
        (Status.REVIEW, "unpublish"),
        (Status.PUBLISHED, "return"),
    ],
)
def test_steps_that_do_not_fit_the_status_are_refused(editor, status, step):
    article = make_article(status=status)
    calls = {
        "return": lambda: services.return_to_journalist(article, by=editor, note="x"),
        "unpublish": lambda: services.unpublish(article, by=editor),
        "correct": lambda: services.add_correction(article, by=editor, text="x"),
    }
    with pytest.raises(NotAllowed):
        calls[step]()
    assert Article.objects.get(pk=article.pk).status == status


def test_model_refuses_transitions_outside_the_workflow():
    article = Article(status=Status.REVIEW)
    article.move_to(Status.PUBLISHED)
    with pytest.raises(InvalidTransition):
        Article(status=Status.DRAFT).move_to("archived")
    with pytest.raises(InvalidTransition, match="draft article cannot become draft"):
        Article(status=Status.DRAFT).move_to(Status.DRAFT)


def test_preflight_blocks_publishing_with_every_problem_named(journalist, editor):
    article = Article(headline="Half written", primary_section=None)
    services.save_article(article, by=journalist)  # no byline, no standfirst, no body
    with pytest.raises(services.PublishBlocked) as blocked:
        services.publish(article, by=editor)
    problems = " ".join(blocked.value.problems)
    for words in ("standfirst", "primary section", "author", "no text"):
        assert words in problems
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_preflight_refuses_a_photo_without_credit_or_with_lapsed_rights(journalist, editor):
    lapsed = make_photo(usable_until=timezone.localdate() - datetime.timedelta(days=1))
    article = draft_by(journalist, lead_photo=lapsed)
    with pytest.raises(services.PublishBlocked, match="rights"):
        services.publish(article, by=editor)


def test_story_without_photo_can_be_published(journalist, editor):
    article = draft_by(journalist)
    assert article.lead_photo is None
    assert services.publish(article, by=editor).status == Status.PUBLISHED


def test_changing_a_published_slug_keeps_the_old_address_answering(editor):
    article = make_article("Old headline", slug="old-headline")
    old_path = article.get_absolute_url()
    article.slug = "new-headline"
    services.save_article(article, by=editor)
    redirect = ArticleRedirect.objects.get(old_path=old_path)
    assert redirect.article == article


def test_changing_a_draft_slug_leaves_no_redirect(journalist):
    article = draft_by(journalist)
    article.slug = "something-else"
    services.save_article(article, by=journalist)
    assert not ArticleRedirect.objects.exists()


def test_non_ascii_headlines_give_readable_unique_slugs(journalist):
    first = draft_by(journalist, headline="Café owners in Zürich protest")
    second = draft_by(journalist, headline="Café owners in Zürich protest")
    arabic = draft_by(journalist, headline="محادثات المياه في أنقرة")
    emoji = draft_by(journalist, headline="🔥🔥🔥")
    assert first.slug == "cafe-owners-in-zurich-protest"
    assert second.slug == "cafe-owners-in-zurich-protest-2"
    assert arabic.slug == "محادثات-المياه-في-أنقرة"
    assert emoji.slug == "story"


def test_content_save_never_writes_status_from_a_stale_copy(journalist, editor):
    article = draft_by(journalist)
    stale_copy = Article.objects.get(pk=article.pk)
    services.publish(article, by=editor)
    stale_copy.headline = "Edited by the editor"
    services.save_article(stale_copy, by=editor)  # no expected version given
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.headline == "Edited by the editor"


def test_each_step_records_who_and_when(journalist, editor):
    article = draft_by(journalist)
    services.submit(article, by=journalist)
    services.publish(article, by=editor)
    actions = list(
        ArticleEvent.objects.filter(article=article)
        .order_by("at", "id")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("created", "journalist"),
        ("submitted", "journalist"),
        ("published", "editor"),
    ]
