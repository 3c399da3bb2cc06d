"""Full-text search over published articles.

PostgreSQL: websearch_to_tsquery against a stored, trigger-maintained tsvector (headline
weighted A, standfirst B, body C) with a GIN index, ranked with ts_rank, snippets from
ts_headline. SQLite: every word must appear somewhere; newest first; snippets in Python.

Whatever a person types (quotes, operators, Arabic, emoji, 2,000 characters) is passed as
data, never as query syntax, so it cannot fail.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
CONFIG = "english"
# Private-use characters mark matches inside the database's snippet; the text is escaped
# first and only then are they turned into <mark>, so nothing in a story becomes markup.
START, STOP = "\ue000", "\ue001"
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Query:
    text: str
    words: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.words


def parse(raw: str | None) -> Query:
    text = (raw or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]
    words = tuple(dict.fromkeys(word.lower() for word in _WORD.findall(text)))[:MAX_WORDS]
    return Query(text=text, words=words)


def search(query: Query):
    """Published articles matching the query, best first, with `snippet_html` and
    `headline_html` annotations ready to mark safe after escaping (see `highlight`)."""
    published = Article.objects.published()
    if query.is_empty:
        return published.none()
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(query.text, search_type="websearch", config=CONFIG)
        options = {"config": CONFIG, "start_sel": START, "stop_sel": STOP}
        return (
            published.filter(search_vector=ts_query)
            .annotate(
                rank=SearchRank(F("search_vector"), ts_query),
                snippet_raw=SearchHeadline(
                    "body_text", ts_query, max_words=35, min_words=15, max_fragments=2, **options
                ),
                headline_raw=SearchHeadline("headline", ts_query, highlight_all=True, **options),
            )
            .order_by("-rank", "-published_at", "-id")
        )
    matches = published
    for word in query.words:
        matches = matches.filter(
            Q(headline__icontains=word)
            | Q(standfirst__icontains=word)
            | Q(body_text__icontains=word)
        )
    return matches.order_by("-published_at", "-id")


def highlight(text: str, words: tuple[str, ...]) -> SafeString:
    """Escape, then mark the query's words (SQLite path)."""
    escaped = escape(text)
    if not words:
        return mark_safe(escaped)  # noqa: S308 - escaped above
    pattern = re.compile("|".join(re.escape(escape(w)) for w in words), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))  # noqa: S308


def marked(raw: str) -> SafeString:
    """Escape the database's snippet, then turn its markers into <mark> (PostgreSQL path)."""
    escaped = escape(raw)
    return mark_safe(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def excerpt(text: str, words: tuple[str, ...], *, length: int = 240) -> str:
    """A window of the text around the first matching word (SQLite path)."""
    lowered = text.lower()
    positions = [lowered.find(word) for word in words if lowered.find(word) >= 0]
    start = max(0, min(positions) - length // 3) if positions else 0
    snippet = text[start : start + length]
    return ("…" if start else "") + snippet + ("…" if start + length < len(text) else "")


def decorate(articles, query: Query) -> None:
    """Give each result `headline_marked` and `snippet_marked` (safe HTML)."""
    for article in articles:
        if hasattr(article, "snippet_raw"):
            article.headline_marked = marked(article.headline_raw or article.headline)
            article.snippet_marked = marked(article.snippet_raw or "")
        else:
            article.headline_marked = highlight(article.headline, query.words)
            source = article.body_text or article.standfirst
            article.snippet_marked = highlight(excerpt(source, query.words), query.words)
