"""The checks an article must pass before it is published or scheduled, what publishing
will change, and what deleting would take away from readers.

The editor sees them on the publish page (and the delete confirmation); services.publish()
runs the checks again on the server whatever the form sent.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from articles.models import Article, ArticleRedirect, FrontPageSlot


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    problem: str = ""


def run(article: Article) -> list[Check]:
    """Every check, passed or not, in the order the editor reads them."""
    checks = [
        Check("Headline", bool(article.headline.strip()), "Write a headline."),
        Check(
            "Standfirst",
            bool(article.standfirst.strip()),
            "Write a standfirst: one or two sentences that sum up the story.",
        ),
        Check(
            "Primary section",
            article.primary_section_id is not None,
            "Choose the primary section.",
        ),
        Check(
            "Byline",
            article.pk is not None and article.bylines.exists(),
            "Add at least one author.",
        ),
        Check("Body", bool(article.body.strip()), "The story has no text."),
    ]
    photo = article.lead_photo
    if photo is not None:
        checks += [
            Check("Lead photo: alt text", bool(photo.alt_text.strip()), "Describe the photo."),
            Check(
                "Lead photo: credit",
                bool(photo.public_credit),
                "Give the lead photo a credit line or an agency.",
            ),
            Check(
                "Lead photo: usage rights",
                not photo.rights_lapsed(),
                f"The rights to the lead photo ran out on {photo.usable_until:%d %B %Y}; "
                "choose another photo."
                if photo.usable_until
                else "",
            ),
        ]
    slug_taken = (
        Article.objects.filter(slug=article.slug).exclude(pk=article.pk).exists()
        if article.slug
        else False
    )
    checks.append(
        Check(
            "Address",
            bool(article.slug) and not slug_taken,
            f"Another article already uses the address “{article.slug}”; change the slug."
            if article.slug
            else "The article has no address (slug).",
        )
    )
    return checks


def problems(article: Article) -> list[str]:
    return [check.problem for check in run(article) if not check.ok]


def _feeds(sections, authors, tags) -> list[str]:
    feeds = ["/feed/"]
    feeds += [f"{section.get_absolute_url()}feed/" for section in sections]
    feeds += [f"{author.get_absolute_url()}feed/" for author in authors]
    feeds += [f"/tags/{tag.slug}/feed/" for tag in tags]
    return feeds


def what_changes(article: Article, *, at) -> dict:
    """What publishing (at `at`) will do: the address, and the lists and feeds it joins."""
    if at <= timezone.now():
        at = article.republish_time(now=timezone.now()) or at  # as services.publish() does
    path = article.public_path(at=at)
    sections = article.all_sections
    tags = list(article.tags.all())
    authors = article.byline_authors
    feeds = _feeds(sections, authors, tags)
    return {
        "path": path,
        "old_path": article.public_path() if article.published_at else None,
        "redirect_taken": ArticleRedirect.objects.filter(old_path=path)
        .exclude(article=article)
        .exists(),
        "sections": sections,
        "authors": authors,
        "tags": tags,
        "feeds": feeds,
        "sitemaps": ["/sitemap.xml", "/news-sitemap.xml"],
    }


@dataclass(frozen=True)
class ReadersLose:
    """What deleting one article takes away from readers, in the desk's words."""

    article: Article
    is_live: bool = False
    scheduled_for: datetime.datetime | None = None
    address: str = ""
    front_page_positions: list[int] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    # Recovered and published again, it returns at the address it had (it went out once);
    # a story only ever scheduled or never published gets the date it is published then.
    returns_at_its_address: bool = False


def what_deleting_takes(article: Article, *, now: datetime.datetime | None = None) -> ReadersLose:
    """For the delete confirmation: the live address, the front-page places and the feeds
    a deleted story leaves (nothing for a story readers cannot see)."""
    now = now or timezone.now()
    went_out = article.first_published_at is not None and article.first_published_at <= now
    if not article.is_visible(at=now) and not article.is_scheduled:
        return ReadersLose(article, returns_at_its_address=went_out)
    # Places it holds now or will hold (a scheduled story's slot may start later).
    slots = FrontPageSlot.objects.filter(article=article).exclude(ends_at__lte=now)
    positions = sorted(set(slots.values_list("position", flat=True)))
    feeds = _feeds(article.all_sections, article.byline_authors, article.tags.all())
    return ReadersLose(
        article,
        is_live=article.is_visible(at=now),
        scheduled_for=None if article.is_visible(at=now) else article.published_at,
        address=settings.SITE_URL + article.public_path(),
        front_page_positions=positions,
        feeds=[settings.SITE_URL + feed for feed in feeds],
        returns_at_its_address=went_out,
    )
