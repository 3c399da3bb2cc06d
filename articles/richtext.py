"""The article body's HTML: what the editor may produce and what we store.

The allow-list is applied on the server at every save whatever the browser sent, so a
<script>, an onerror= attribute or a javascript: link never reaches the database.
"""

import html
import re

import nh3

from newsroom import links

# What the admin's editor offers (django-prose-editor extensions) ...
EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "History": True,
}

# ... and what survives a save: the same elements, nothing else.
ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "s", "sub", "sup",
    "ul", "ol", "li", "blockquote", "hr", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _keep_followable_links(element: str, attribute: str, value: str) -> str | None:
    """An href as the browser will follow it (newsroom/links.py), or none: nh3 checks the
    scheme but keeps `/\\evil.example/` and `\\\\evil.example`, which browsers follow to
    another site, as relative links."""
    if attribute != "href":
        return value
    link = links.parse(value)
    return link.href if link is not None else None


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    attribute_filter=_keep_followable_links,
    link_rel="noopener",
    # Drop the content of these entirely rather than keeping their text.
    clean_content_tags={"script", "style", "template", "iframe", "object", "svg", "math"},
    strip_comments=True,
)

_EMPTY_DOCUMENT = re.compile(r"^(\s|<p>\s*(<br>)?\s*</p>)*$")
_BLOCK_END = re.compile(r"</(p|h[2-4]|li|blockquote)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
# Control characters and the private-use markers search uses for highlighting.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ue000\ue001]")


def sanitize(body: str) -> str:
    """The stored form of a body: allowed markup only; an empty editor becomes ""."""
    cleaned = _cleaner.clean(body or "").strip()
    return "" if _EMPTY_DOCUMENT.match(cleaned) else cleaned


def to_text(body: str) -> str:
    """Plain text of a (sanitised) body, for search, descriptions and feeds' summaries."""
    text = _BLOCK_END.sub("\n", body or "")
    text = _UNWANTED.sub("", html.unescape(_TAG.sub("", text)))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
