"""What our emails say and how they are put together: the confirmation, the daily briefing
and breaking-news alerts, as Django's EmailMultiAlternatives (an HTML part that survives
mail clients — inline styles, tables, images with width and alt — and a plain-text part).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles import frontpage, renditions
from articles.models import Article
from newsletter import tokens
from newsroom.site import absolute_url

# Stands in for each subscriber's own unsubscribe address in an issue rendered once.
UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.invalid/__SUBSCRIBER__"
IMAGE_WIDTH = 600  # the usual width of an email's body


def confirmation(request: tokens.Request) -> EmailMultiAlternatives:
    url = absolute_url(
        reverse("newsletter:confirm", kwargs={"token": tokens.confirm_token(request)})
    )
    context = {
        "url": url,
        "site_name": settings.SITE_NAME,
        "days": settings.NEWSLETTER_CONFIRM_DAYS,
    }
    message = EmailMultiAlternatives(
        subject=f"Confirm your subscription to {settings.SITE_NAME}",
        body=render_to_string("newsletter/email/confirm.txt", context),
        to=[request.email],
    )
    message.attach_alternative(
        render_to_string("newsletter/email/confirm.html", context), "text/html"
    )
    return message


def unsubscribe_url(subscriber) -> str:
    token = tokens.unsubscribe_token(subscriber)
    return absolute_url(reverse("newsletter:unsubscribe", kwargs={"token": token}))


def personal(subject: str, html: str, text: str, subscriber) -> EmailMultiAlternatives:
    """An issue's copy for one subscriber: their unsubscribe link in the body and in the
    List-Unsubscribe headers (RFC 2369, and RFC 8058's one-click POST)."""
    url = unsubscribe_url(subscriber)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text.replace(UNSUBSCRIBE_PLACEHOLDER, url),
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html.replace(UNSUBSCRIBE_PLACEHOLDER, url), "text/html")
    return message


def _story(article: Article, *, with_image: bool) -> dict:
    photo = article.visible_lead_photo if with_image else None
    image = None
    if photo is not None:
        best = renditions.best(photo, max_width=IMAGE_WIDTH)
        image = {
            "url": absolute_url(best["url"]),
            "width": min(best["width"], IMAGE_WIDTH),
            "alt": photo.alt_text,
            "credit": photo.public_credit,
        }
    return {
        "headline": article.headline,
        "standfirst": article.standfirst,
        "url": absolute_url(article.get_absolute_url()),
        "section": article.primary_section.name if article.primary_section_id else "",
        "image": image,
    }


def briefing(*, now=None) -> tuple[str, str, str, list[Article]]:
    """(subject, html, text, articles) of the daily briefing, from the front page as it
    stands: published stories only (articles/frontpage.py starts from published())."""
    now = now or timezone.now()
    page = frontpage.build(now=now)
    day = timezone.localtime(now).strftime("%A %-d %B %Y")
    lead = [page.lead] if page.lead else []
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "title": f"Your briefing for {day}",
        "lead": [_story(a, with_image=True) for a in lead],
        "top": [_story(a, with_image=False) for a in page.top],
        "blocks": [
            {
                "name": block.section.name,
                "stories": [_story(a, with_image=False) for a in block.articles],
            }
            for block in page.blocks
        ],
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
    }
    articles = lead + page.top + [a for block in page.blocks for a in block.articles]
    subject = f"{settings.SITE_NAME} briefing: {page.lead.headline}" if page.lead else ""
    return (
        subject or f"{settings.SITE_NAME} briefing, {day}",
        render_to_string("newsletter/email/briefing.html", context),
        render_to_string("newsletter/email/briefing.txt", context),
        articles,
    )


def alert(article: Article) -> tuple[str, str, str]:
    """(subject, html, text) of a breaking-news alert for one story."""
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "title": "Breaking news",
        "lead": [_story(article, with_image=True)],
        "top": [],
        "blocks": [],
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
    }
    return (
        f"Breaking: {article.headline}",
        render_to_string("newsletter/email/briefing.html", context),
        render_to_string("newsletter/email/briefing.txt", context),
    )
