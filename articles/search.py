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
from django.db.models.functions import Coalesce, Left
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles import cards
from articles.models import Article
from newsroom import compiled

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
RANKED = 200
SNIPPET_SOURCE = 1200  # characters
CONFIG = "english"
# Private-use characters mark matches inside the database's snippet; the text is escaped
# first and only then are they turned into <mark>, so nothing in a story becomes markup.
START, STOP = "\ue000", "\ue001"
_MARKS = {"config": CONFIG, "start_sel": START, "stop_sel": STOP}
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
    """Ids of the published articles matching the query, best first (a queryset, so a page
    of it is one query). `load()` then fetches the page's stories with their snippets."""
    published = Article.objects.published()
    if query.is_empty:
        return published.none().values_list("pk", flat=True)
    if connection.vendor == "postgresql":
        ts_query = _ts_query(query.text)
        # Rank the newest RANKED matches (the GIN index finds them, their publish times
        # sort them): ranking every match of a common word in a big archive costs more
        # than a reader should wait, and news readers want the recent ones anyway.
        # Sorting by an expression rather than the bare column keeps PostgreSQL from walking
        # the publish-time index testing each story's text: it takes the matches from the
        # GIN index and sorts only those.
        newest = Coalesce("published_at", "created_at").desc()
        recent = published.filter(search_vector=ts_query).order_by(newest).values("pk")[:RANKED]
        return (
            Article.objects.filter(pk__in=recent)
            .annotate(rank=SearchRank(F("search_vector"), ts_query))
            .order_by("-rank", "-published_at", "-id")
            .values_list("pk", flat=True)
        )
    matches = published
    for word in query.words:
        matches = matches.filter(
            Q(headline__icontains=word)
            | Q(standfirst__icontains=word)
            | Q(body_text__icontains=word)
        )
    return matches.order_by("-published_at", "-id").values_list("pk", flat=True)


def load(ids: list[int], query: Query) -> list[Article]:
    """The stories of one page of results, in rank order, with `headline_marked` and
    `snippet_marked` (safe HTML: the text escaped, the query's words in <mark>)."""
    if not ids:
        return []
    if connection.vendor == "postgresql":
        stories = _cards_with_snippets(ids, query)
    else:
        # The snippet is cut from body_text here.
        stories = Article.objects.filter(pk__in=ids).for_listing().defer(None)
    by_pk = {story.pk: story for story in stories}
    ordered = [by_pk[pk] for pk in ids if pk in by_pk]
    decorate(ordered, query)
    return ordered


def _cards_with_snippets(ids: list[int], query: Query) -> list[Article]:
    """The cards as the lists read them (articles/cards.py, compiled once per process),
    then the database's marked-up headline and snippet for each: three queries."""
    stories = cards.load(
        lambda p: Article.objects.published(at=p.now).filter(pk__in=p.ids),
        stop=None,
        now=timezone.now(),
        ids=ids,
    )
    snippets = {
        pk: (snippet, headline)
        for pk, snippet, headline in compiled.rows(
            lambda p: (
                Article.objects.filter(pk__in=p.ids)
                .annotate(
                    # The opening of the story is enough for a snippet, and far cheaper to
                    # mark up.
                    snippet_raw=SearchHeadline(
                        Left("body_text", SNIPPET_SOURCE),
                        _ts_query(p.text),
                        max_words=35,
                        min_words=15,
                        **_MARKS,
                    ),
                    headline_raw=SearchHeadline(
                        "headline", _ts_query(p.text), highlight_all=True, **_MARKS
                    ),
                )
                .values_list("pk", "snippet_raw", "headline_raw")
            ),
            ids=ids,
            text=query.text,
        )  # fmt: skip
    }
    for story in stories:
        story.snippet_raw, story.headline_raw = snippets.get(story.pk, ("", story.headline))
    return stories


def _ts_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=CONFIG)


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
