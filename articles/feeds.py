"""RSS 2.0 feeds: the whole paper, each section, author and tag, and corrections.

Items carry every author (dc:creator), sections and tags as categories, the standfirst as
description, the sanitised body as content:encoded and the lead photo as an enclosure and
media:content with its credit. Addresses come from SITE_URL.

Everything but content:encoded is text someone typed, and it reaches readers as text:
- <description> (and media:description, marked type="html") is read as HTML by feed
  readers, so the generator escapes it as text once more, on top of the XML escaping:
  "<img onerror=…>" in a standfirst reaches a reader as those characters.
- Titles (item and channel), categories, dc:creator and media:credit are plain text in
  the specs but many readers decode them and render what looks like HTML (feedparser
  marks a title text/html when it sees a closing tag or an entity). Escaping twice would
  show "&amp;" to readers that follow the spec, so these lose their markup instead
  (`as_plain_text`): a headline "<b>B</b>" is "B"; "AT&T" and "3 < 5" stay as typed.
content:encoded is the one field that carries markup, the body as the allow-list left it.
"""

import html
import io

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import strip_tags

from articles import cards, keys, listing
from articles.models import Article, Correction, Section
from articles.renditions import best
from authors.models import Author
from newsroom.site import absolute_url

ITEMS = 20


class NewsFeedGenerator(Rss201rev2Feed):
    content_type = "application/rss+xml; charset=utf-8"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed["title"] = as_plain_text(self.feed["title"])
        self.feed["description"] = as_html_text(self.feed["description"])
        self.feed["categories"] = plain_names(self.feed["categories"])

    def write(self, outfile, encoding):
        # The XML writer makes thousands of tiny writes; into a response each is encoded and
        # appended separately. Build the document in memory, hand it over once.
        buffer = io.StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:dc": "http://purl.org/dc/elements/1.1/",
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
            "xmlns:media": "http://search.yahoo.com/mrss/",
        }

    def add_item_elements(self, handler, item):
        item = {
            **item,
            "title": as_plain_text(item["title"]),
            "description": as_html_text(item["description"]),
            "categories": plain_names(item["categories"]),
        }
        super().add_item_elements(handler, item)
        for name in plain_names(item.get("creators")):
            handler.addQuickElement("dc:creator", name)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])
        media = item.get("media")
        if media:
            handler.startElement(
                "media:content",
                {"url": media["url"], "medium": "image", "type": "image/jpeg",
                 "width": str(media["width"]), "height": str(media["height"])},
            )  # fmt: skip
            handler.addQuickElement(
                "media:description", as_html_text(media["alt"] or ""), {"type": "html"}
            )
            handler.addQuickElement("media:credit", as_plain_text(media["credit"] or ""))
            handler.endElement("media:content")


def as_html_text(text: str | None) -> str | None:
    """Plain text as the HTML a feed reader renders back to the same text."""
    return None if text is None else html.escape(text, quote=False)


def as_plain_text(text: str | None) -> str | None:
    """Plain text with no element left for a reader that renders it as HTML; characters
    that make no tag ("AT&T", "3 < 5") are kept as typed."""
    return None if text is None else strip_tags(text)


def plain_names(names) -> list[str]:
    """Categories or creators as plain text, leaving out any that were nothing but markup."""
    return [name for name in map(as_plain_text, names or ()) if name.strip()]


class ArticleFeed(Feed):
    feed_type = NewsFeedGenerator
    description_template = None

    def title(self, obj=None):
        return settings.SITE_NAME

    def link(self, obj=None):
        return absolute_url("/")

    def description(self, obj=None):
        return f"The latest stories from {settings.SITE_NAME}."

    def feed_url(self, obj=None):
        return absolute_url("/feed/")

    def stories(self, p):
        """The published stories of this feed; p.now (and p.subject, the section, author or
        tag's id) are stand-ins of a compiled query (newsroom/compiled.py)."""
        return Article.objects.published(at=p.now)

    def shows(self, obj) -> tuple[str, ...]:
        """The surrogate keys of this feed's choice of stories (articles/keys.py)."""
        return (keys.FEED,)

    def items(self, obj=None):
        keys.show(*self.shows(obj))
        stories = self.stories  # a method: found again by its class (newsroom/compiled.py)
        items = cards.load(
            lambda p: stories(p).newest_first(),
            stop=ITEMS,
            extra=("body", "body_text"),
            now=timezone.now(),
            **({"subject": obj.pk} if obj is not None else {}),
        )
        cards.attach_categories(items)
        return items

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return item.standfirst or item.body_text[:300]

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item):
        return absolute_url(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return item.category_names

    def item_enclosures(self, item):
        return []  # the photo travels as media:content, which carries its credit

    def item_extra_kwargs(self, item):
        photo = item.visible_lead_photo
        media = None
        if photo is not None:
            image = best(photo)
            media = {**image, "url": absolute_url(image["url"]), "alt": photo.alt_text,
                     "credit": photo.public_credit}  # fmt: skip
        return {
            "creators": [author.name for author in item.byline_authors],
            "content_html": item.body,
            "media": media,
        }


class ObjectFeed(ArticleFeed):
    """The feed of one section, author or tag: named after it, linking to its page."""

    model = None

    def get_object(self, request, slug):
        return listing.subject_or_404(self.model, slug)

    def page_path(self, obj) -> str:
        return obj.get_absolute_url()

    def title(self, obj=None):
        return f"{obj.name} — {settings.SITE_NAME}"

    def link(self, obj=None):
        return absolute_url(self.page_path(obj))

    def feed_url(self, obj=None):
        return absolute_url(f"{self.page_path(obj)}feed/")


class SectionFeed(ObjectFeed):
    model = Section

    def shows(self, obj):
        return keys.section(obj.pk), keys.section_list(obj.pk)

    def stories(self, p):
        return super().stories(p).filter(listing.in_section(p.subject))


class AuthorFeed(ObjectFeed):
    model = Author

    def shows(self, obj):
        return keys.author(obj.pk), keys.author_list(obj.pk)

    def stories(self, p):
        return super().stories(p).filter(listing.by_author(p.subject))


class TagFeed(ObjectFeed):
    def get_object(self, request, slug):
        return listing.visible_tag_or_404(slug)

    def page_path(self, obj) -> str:
        return f"/tags/{obj.slug}/"  # taggit's Tag has no get_absolute_url

    def shows(self, obj):
        return keys.tag(obj.pk), keys.tag_list(obj.pk)

    def stories(self, p):
        return super().stories(p).tagged(p.subject, at=p.now)


class CorrectionsFeed(Feed):
    feed_type = NewsFeedGenerator

    def title(self):
        return f"Corrections and updates — {settings.SITE_NAME}"

    def link(self):
        return absolute_url("/corrections/")

    def feed_url(self):
        return absolute_url("/corrections/feed/")

    def description(self):
        return "Every correction, clarification and update, newest first."

    def items(self):
        notes = list(
            Correction.objects.filter(article__in=Article.objects.published())
            .select_related("article")
            .order_by("-created_at", "-id")[:ITEMS]
        )
        keys.show(keys.CORRECTIONS, *(keys.article(note.article_id) for note in notes))
        return notes

    def item_title(self, item):
        return f"{item.get_kind_display()}: {item.article.headline}"

    def item_description(self, item):
        return item.text

    def item_link(self, item):
        return absolute_url(f"{item.article.get_absolute_url()}#correction-{item.pk}")

    def item_guid(self, item):
        return absolute_url(f"/corrections/#correction-{item.pk}")

    def item_pubdate(self, item):
        return item.created_at
