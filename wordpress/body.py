"""A WordPress post's HTML → what our body keeps (articles/richtext.py).

WordPress stores markup our allow-list would either drop or garble: Gutenberg's block
comments, paragraphs written as blank lines (WordPress adds the <p> when it shows a post),
shortcodes, embeds as bare URLs, and headings from <h1>. This turns them into plain
paragraphs, links and h2–h4 first; `richtext.sanitize` (run by Article.save) then applies
the allow-list as for any story. Whatever could not be kept is counted in `Conversion`
for the import's report.

The body cannot hold images or embeds yet (issue 19 leaves them to a later issue): a
captioned image keeps its caption as a paragraph, an embed becomes a paragraph with a
link to what was embedded."""

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from articles import richtext


@dataclass
class Conversion:
    html: str
    embeds_as_links: int = 0
    captions_as_text: int = 0
    images_dropped: int = 0
    shortcodes_removed: Counter = field(default_factory=Counter)
    shortcodes_left: Counter = field(default_factory=Counter)


_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*?-->", re.DOTALL)
_BLOCK_EMBED = re.compile(
    r"<figure[^>]*\bwp-block-embed[^>]*>.*?wp-block-embed__wrapper[^>]*>\s*(?P<url>[^<\s]+)\s*</div>"
    r"(?:\s*<figcaption[^>]*>(?P<caption>.*?)</figcaption>)?\s*</figure>",
    re.DOTALL | re.IGNORECASE,
)
_EMBED_SHORTCODE = re.compile(r"\[embed[^\]]*\]\s*(?P<url>[^\[\s]+)\s*\[/embed\]", re.IGNORECASE)
_BARE_URL_LINE = re.compile(r"^[ \t]*(?P<url>https?://[^\s<>\"']+)[ \t]*$", re.MULTILINE)
_CAPTION = re.compile(
    r"\[(?:wp_)?caption(?P<attributes>[^\]]*)\](?P<inner>.*?)\[/(?:wp_)?caption\]",
    re.DOTALL | re.IGNORECASE,
)
_CAPTION_ATTRIBUTE = re.compile(r"\bcaption=(?:\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)')")
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
# Shortcodes WordPress (and its common plugins) register: removed, counted by name.
KNOWN_SHORTCODES = (
    "gallery", "audio", "video", "playlist", "code", "sourcecode", "youtube", "vimeo",
    "tweet", "twitter", "instagram", "googlemaps", "soundcloud", "contact-form",
    "contact-form-7", "wpvideo", "slideshow", "archives", "polldaddy", "recipe",
)  # fmt: skip
_KNOWN = re.compile(
    r"\[(?P<close>/?)(?P<name>" + "|".join(re.escape(n) for n in KNOWN_SHORTCODES) + r")"
    r"(?=[\s\]/])[^\]]*\]",
    re.IGNORECASE,
)
# Anything else that looks like a shortcode is left as text (it may be prose: “[sic]”).
_MAYBE_SHORTCODE = re.compile(r"\[(?P<name>[a-z][a-z0-9_-]*)(?:\s[^\]]*)?\]", re.IGNORECASE)
_HEADING = re.compile(r"<(?P<close>/?)h(?P<level>[1-6])\b", re.IGNORECASE)
_BLOCK_START = re.compile(
    r"^\s*<(p|h[1-6]|ul|ol|dl|li|blockquote|pre|table|div|figure|hr|address|section)\b",
    re.IGNORECASE,
)


def _link_paragraph(url: str) -> str:
    url = html.escape(html.unescape(url.strip()), quote=True)
    return f'<p><a href="{url}">{url}</a></p>'


def convert(source: str) -> Conversion:
    result = Conversion(html="")
    is_blocks = "<!-- wp:" in source
    text = _BLOCK_COMMENT.sub("", source)

    def embed(match) -> str:
        result.embeds_as_links += 1
        return _link_paragraph(match["url"])

    text = _BLOCK_EMBED.sub(embed, text)
    text = _EMBED_SHORTCODE.sub(embed, text)
    if not is_blocks:
        # WordPress turns a URL alone on its line into an embed (oEmbed).
        text = _BARE_URL_LINE.sub(embed, text)

    def caption(match) -> str:
        result.captions_as_text += 1
        attribute = _CAPTION_ATTRIBUTE.search(match["attributes"])
        if attribute:
            words = attribute["double"] or attribute["single"] or ""
        else:  # [caption]<img …> The caption.[/caption]
            words = re.sub(r"<[^>]+>", " ", match["inner"])
        words = " ".join(words.split())
        return f"\n\n<p><em>{words}</em></p>\n\n" if words else "\n\n"

    text = _CAPTION.sub(caption, text)

    def known(match) -> str:
        if not match["close"]:
            result.shortcodes_removed[match["name"].lower()] += 1
        return ""

    text = _KNOWN.sub(known, text)
    for match in _MAYBE_SHORTCODE.finditer(text):
        result.shortcodes_left[match["name"].lower()] += 1
    result.images_dropped = len(_IMG.findall(text))
    text = _demote_headings(text)
    # Blocks are already paragraphs: only the blank lines the comments left go.
    text = re.sub(r"\n\s*\n", "\n", text) if is_blocks else _paragraphs(text)
    result.html = richtext.sanitize(text)
    return result


def _demote_headings(text: str) -> str:
    """The page's one h1 is the headline and the body has h2–h4: the levels a post uses,
    in order, become h2, h3, h4 (deeper ones h4), so a post from h1 keeps its outline."""
    levels = sorted({int(level) for level in re.findall(r"<h([1-6])\b", text, re.IGNORECASE)})
    mapping = {level: min(2 + rank, 4) for rank, level in enumerate(levels)}
    return _HEADING.sub(lambda m: f"<{m['close']}h{mapping[int(m['level'])]}", text)


def _paragraphs(text: str) -> str:
    """WordPress's wpautop, simplified: a blank line separates paragraphs, a single newline
    inside one is a line break; chunks that are already blocks stay as they are."""
    out = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        if not chunk.strip():
            continue
        if _BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def plain_excerpt(excerpt: str, body_html: str, *, limit: int = 300) -> str:
    """The standfirst: the post's excerpt, or else the opening of its text, cut at a word."""
    text = " ".join(richtext.to_text(richtext.sanitize(excerpt)).split())
    if not text:
        text = " ".join(richtext.to_text(body_html).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
