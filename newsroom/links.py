"""Links staff type, read the way browsers read them.

A browser does not follow the text of an href; it parses it by the WHATWG URL standard
first: C0 control characters and spaces around it are dropped, tabs and newlines inside it
are removed, and on an http(s) page a backslash is a slash. So `/\\evil.example/`,
`\\\\evil.example`, ` //evil.example` and `/<tab>/evil.example` all lead to another site,
and `java<tab>script:` is a javascript: link. A check that reads the text as written
(`startswith("/")`, `urlsplit`) passes them; `parse` reads them as the browser will.

One function for every link a reader may follow: the breaking-news banner and author
links (newsroom/validators.py, checked again when shown by articles/rendering.safe_url)
and links in the article body (articles/richtext.py).
"""

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    WEB = "web"  # http: or https:, to any site
    MAILTO = "mailto"
    SITE = "site"  # a path on this site: /2026/03/01/story/
    RELATIVE = "relative"  # #anchor, ?query or a path relative to the page (same site)


@dataclass(frozen=True)
class Link:
    href: str  # what the browser follows, without the characters it ignores
    kind: Kind


# What the standard strips from both ends ("C0 control or space") and removes anywhere.
_C0_CONTROL_OR_SPACE = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SLASHES = ("/", "\\")  # the same character in a special (http, https) URL


def parse(value: str) -> Link | None:
    """The link a browser would follow for this href on one of our pages, or None when it
    leads anywhere but an http(s) address, a mailto: address or this site: other schemes
    (javascript:, data:…) and scheme-relative addresses (`//host`, `/\\host`, `\\\\host`),
    which are another site's under our page's scheme."""
    href = _TAB_OR_NEWLINE.sub("", str(value).strip(_C0_CONTROL_OR_SPACE))
    if not href:
        return None
    scheme = _SCHEME.match(href)
    if scheme:
        name = scheme.group(1).lower()
        if name in ("http", "https"):
            return Link(href, Kind.WEB)
        if name == "mailto":
            return Link(href, Kind.MAILTO)
        return None
    if href.startswith(_SLASHES):
        if href[1:2] in _SLASHES:
            return None
        return Link("/" + href[1:], Kind.SITE)
    return Link(href, Kind.RELATIVE)
