"""Reading a WordPress export (WXR 1.0–1.2) as a stream.

`defusedxml`'s iterparse reads the file through expat with entity declarations and
external resources refused (no "billion laughs", no file or network access from inside
the XML), element by element; each <item> is turned into an `Item` and dropped from the
tree before the next is read, so memory stays flat whatever the file's size.

The file is read twice (wordpress/importer.py): a first pass checks the whole file and
indexes what posts refer to (authors, terms, attachments), so a truncated or broken file
is refused before anything is written; the second pass yields the posts.
"""

import datetime
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

# WXR's namespaces by version (http and https both occur); compared without the scheme.
_WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.[0-2]/$")
_PREFIXES = {
    "purl.org/rss/1.0/modules/content/": "content",
    "purl.org/dc/elements/1.1/": "dc",
    "wellformedweb.org/CommentAPI/": "wfw",
}


class WXRError(Exception):
    """The file cannot be imported; the message says why in words a person can act on."""


@dataclass
class Term:
    taxonomy: str  # "category" or "post_tag"
    nicename: str
    name: str
    wp_id: int | None = None
    parent: str = ""


@dataclass
class Person:
    login: str
    display_name: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""

    @property
    def name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return self.display_name.strip() or full or self.login


@dataclass
class Item:
    """One <item>: a post, page, attachment, menu entry…"""

    wp_id: int
    guid: str
    post_type: str
    status: str
    title: str = ""
    link: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    post_name: str = ""
    date_gmt: datetime.datetime | None = None
    parent: int = 0
    password: str = ""
    attachment_url: str = ""
    terms: list[tuple[str, str, str]] = field(default_factory=list)  # (domain, nicename, name)
    meta: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        title = f"“{self.title}”" if self.title.strip() else "(no title)"
        return f"{self.post_type} {self.wp_id} {title}"


@dataclass
class Channel:
    title: str = ""
    link: str = ""
    version: str = ""
    authors: dict[str, Person] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)


def _local(tag: str) -> str:
    """ "{namespace}name" → "wp:name", "content:name"…; plain RSS names stay as they are."""
    if not tag.startswith("{"):
        return tag
    namespace, name = tag[1:].split("}", 1)
    if _WP_NAMESPACE.match(namespace):
        return f"wp:{name}"
    if "wordpress.org/export/" in namespace:
        if namespace.endswith("/excerpt/"):
            return f"excerpt:{name}"
        return f"wp?:{name}"  # a WXR version we do not know
    bare = namespace.split("://", 1)[-1]
    return f"{_PREFIXES.get(bare, bare)}:{name}"


def _text(element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip() if name not in _RAW else child.text or ""
    return ""


_RAW = {"content:encoded", "excerpt:encoded"}


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _date(gmt: str, pub_date: str) -> datetime.datetime | None:
    if gmt and not gmt.startswith("0000"):
        try:
            return datetime.datetime.fromisoformat(gmt).replace(tzinfo=datetime.UTC)
        except ValueError:
            pass
    if pub_date:
        try:
            parsed = email.utils.parsedate_to_datetime(pub_date)
        except (TypeError, ValueError):
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.UTC)
        return parsed.astimezone(datetime.UTC)
    return None


def _item(element) -> Item:
    values: dict[str, str] = {}
    terms, meta = [], {}
    for child in element:
        name = _local(child.tag)
        if name == "category":
            domain = child.get("domain", "")
            terms.append((domain, child.get("nicename", ""), (child.text or "").strip()))
        elif name == "wp:postmeta":
            key = _text(child, "wp:meta_key")
            meta[key] = _text(child, "wp:meta_value")
        elif name in _RAW:
            values[name] = child.text or ""
        elif name not in values:
            values[name] = (child.text or "").strip()
    return Item(
        wp_id=_int(values.get("wp:post_id", "")),
        guid=values.get("guid", ""),
        post_type=values.get("wp:post_type", ""),
        status=values.get("wp:status", ""),
        title=values.get("title", ""),
        link=values.get("link", ""),
        creator=values.get("dc:creator", ""),
        content=values.get("content:encoded", ""),
        excerpt=values.get("excerpt:encoded", ""),
        post_name=values.get("wp:post_name", ""),
        date_gmt=_date(values.get("wp:post_date_gmt", ""), values.get("pubDate", "")),
        parent=_int(values.get("wp:post_parent", "")),
        password=values.get("wp:post_password", ""),
        attachment_url=values.get("wp:attachment_url", ""),
        terms=terms,
        meta=meta,
    )


def read(path, channel: Channel) -> Iterator[Item]:
    """Yield every <item> of the export at `path`, filling `channel` (site, authors,
    categories, tags) as their elements go by. Raises WXRError for anything that is not a
    readable WXR file, wherever in the file the problem is."""
    try:
        source = open(path, "rb")  # noqa: SIM115 (closed below, also when abandoned)
    except OSError as error:
        raise WXRError(f"Cannot open {path}: {error.strerror or error}.") from None
    depth = 0
    root_seen = channel_element = None
    try:
        events = SafeET.iterparse(source, events=("start", "end"))
        for event, element in _guarded(events, path):
            if event == "start":
                depth += 1
                if depth == 1:
                    root_seen = element
                    if element.tag != "rss":
                        raise WXRError(_not_wxr(path, f"it starts with <{_local(element.tag)}>"))
                elif depth == 2 and element.tag == "channel":
                    channel_element = element
                continue
            depth -= 1
            if depth != 2 or channel_element is None:
                continue
            name = _local(element.tag)
            if name == "item":
                if not channel.version:
                    raise WXRError(_not_wxr(path, "it has no <wp:wxr_version>"))
                item = _item(element)
                channel_element.remove(element)
                yield item
                continue
            _channel_part(channel, name, element)
            channel_element.remove(element)
        if root_seen is None:
            raise WXRError(_not_wxr(path, "it is empty"))
        if not channel.version:
            raise WXRError(_not_wxr(path, "it has no <wp:wxr_version>"))
    finally:
        source.close()


def _guarded(events, path):
    try:
        yield from events
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        message = str(error).split(":")[0]
        if "unknown encoding" in message:
            raise WXRError(
                f"{path} declares a character encoding Python cannot read (line {line}). "
                "Export it again from WordPress, or convert it to UTF-8."
            ) from None
        if "no element found" in message or "unclosed" in message:
            raise WXRError(
                f"{path} ends too early (line {line}, column {column}): the file is "
                "truncated or still being copied. Nothing was imported."
            ) from None
        raise WXRError(
            f"{path} is not well-formed XML: {message} at line {line}, column {column}. "
            "Nothing was imported."
        ) from None
    except DefusedXmlException as error:
        raise WXRError(
            f"{path} declares XML entities or external resources ({type(error).__name__}), "
            "which a WordPress export never does; refused for safety. Nothing was imported."
        ) from None
    except LookupError as error:  # expat asks Python for an encoding it does not know
        raise WXRError(
            f"{path} declares a character encoding Python cannot read ({error}). Export it "
            "again from WordPress, or convert it to UTF-8. Nothing was imported."
        ) from None
    except UnicodeDecodeError as error:
        raise WXRError(
            f"{path} is not in the character encoding it declares ({error.reason}). "
            "Nothing was imported."
        ) from None


def _not_wxr(path, why: str) -> str:
    return (
        f"{path} is not a WordPress export (WXR): {why}. In WordPress, use Tools → Export → "
        "All content and import the .xml file it gives."
    )


def _channel_part(channel: Channel, name: str, element) -> None:
    if name == "title":
        channel.title = (element.text or "").strip()
    elif name == "link":
        channel.link = (element.text or "").strip()
    elif name == "wp:wxr_version":
        channel.version = (element.text or "").strip()
    elif name == "wp?:wxr_version":
        raise WXRError(
            f"This export uses a WXR version we do not know ({element.text}); WXR 1.0 to "
            "1.2 are supported."
        )
    elif name == "wp:author":
        person = Person(
            login=_text(element, "wp:author_login"),
            display_name=_text(element, "wp:author_display_name"),
            email=_text(element, "wp:author_email"),
            first_name=_text(element, "wp:author_first_name"),
            last_name=_text(element, "wp:author_last_name"),
        )
        if person.login:
            channel.authors[person.login] = person
    elif name == "wp:category":
        channel.terms.append(
            Term(
                "category",
                _text(element, "wp:category_nicename"),
                _text(element, "wp:cat_name"),
                _int(_text(element, "wp:term_id")) or None,
                _text(element, "wp:category_parent"),
            )
        )
    elif name == "wp:tag":
        channel.terms.append(
            Term(
                "post_tag",
                _text(element, "wp:tag_slug"),
                _text(element, "wp:tag_name"),
                _int(_text(element, "wp:term_id")) or None,
            )
        )
    elif name == "wp:term" and _text(element, "wp:term_taxonomy") in ("category", "post_tag"):
        channel.terms.append(
            Term(
                _text(element, "wp:term_taxonomy"),
                _text(element, "wp:term_slug"),
                _text(element, "wp:term_name"),
                _int(_text(element, "wp:term_id")) or None,
                _text(element, "wp:term_parent"),
            )
        )
