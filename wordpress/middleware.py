"""Old WordPress addresses answer 301 to their new pages.

Looked up only when no page answered (a 404: the not-found page has been rendered by then,
so an old address costs that page's queries plus one to three lookups) or, on the front
page, when the query string carries one of WordPress's own keys (`/?p=123`): every other
page keeps its query budget, and the front page is never served for `/?p=123` (nor cached
under it). Only what readers may see is revealed: a story's old address redirects while
the story is published (`Article.objects.published()`), a tag's while the tag is public
(`listing.public_tags`); otherwise the answer is the ordinary 404."""

import re

from django.http import Http404, HttpResponsePermanentRedirect

from articles import keys, listing
from articles.models import Article, ArticleRedirect
from authors.models import Author
from wordpress.models import ImportedAuthor, ImportedTerm, Taxonomy

# WordPress's query-string addresses on the front page that we can answer.
QUERY_KEYS = ("p", "attachment_id", "cat", "tag")

_ARCHIVE = re.compile(
    r"^/(?P<kind>category|tag|author)/(?:[^/]+/)*?(?P<name>[^/]+)/"
    r"(?:(?P<feed>feed/(?:rss2?/|atom/|rdf/)?)|page/[0-9]+/)?$"
)


class OldAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if request.path_info == "/" and request.GET:
            key = next((key for key in QUERY_KEYS if key in request.GET), None)
            if key is not None:
                target = _query_target(key, request.GET[key])
                if target is None:
                    raise Http404("No such story.")
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404:
            target = _path_target(request.path_info)
            if target is not None:
                return HttpResponsePermanentRedirect(target)
        return response


def story_at(old_path: str) -> str | None:
    """The address of the published story that once lived at `old_path`."""
    redirect = (
        ArticleRedirect.objects.filter(old_path=old_path, article__in=Article.objects.published())
        .select_related("article")
        .only("article__slug", "article__published_at")
        .first()
    )
    # The 301 is cached like any page: it names the story, so taking the story down (or
    # moving it) purges it. A 404 here is the not-found page's, purged by MISSING.
    if redirect is None:
        return None
    keys.show(keys.article(redirect.article_id))
    return redirect.article.get_absolute_url()


def _query_target(key: str, value: str) -> str | None:
    if key in ("p", "attachment_id"):
        return story_at(f"/?{key}={value}") if value.isascii() and value.isdigit() else None
    if key == "cat":
        if not (value.isascii() and value.isdigit()):
            return None
        term = (
            ImportedTerm.objects.filter(taxonomy=Taxonomy.CATEGORY, wp_id=int(value))
            .select_related("section")
            .first()
        )
        return _term_target(term, feed=False)
    return _archive_target("tag", value, feed=False)


def _path_target(path: str) -> str | None:
    found = story_at(path)
    if found is None and not path.endswith("/"):
        found = story_at(path + "/")
    if found is not None:
        return found
    archive = _ARCHIVE.match(path)
    if archive is None:
        return None
    return _archive_target(archive["kind"], archive["name"], feed=bool(archive["feed"]))


def _archive_target(kind: str, name: str, *, feed: bool) -> str | None:
    if kind == "author":
        author = (
            Author.objects.filter(pk__in=ImportedAuthor.objects.filter(login=name).values("author"))
            .only("slug")
            .first()
        )
        if author is None:
            return None
        keys.show(keys.author(author.pk), keys.author_list(author.pk))
        return author.get_absolute_url() + ("feed/" if feed else "")
    taxonomy = Taxonomy.CATEGORY if kind == "category" else Taxonomy.TAG
    term = (
        ImportedTerm.objects.filter(taxonomy=taxonomy, nicename=name)
        .select_related("section")
        .first()
    )
    return _term_target(term, feed=feed)


def _term_target(term: ImportedTerm | None, *, feed: bool) -> str | None:
    if term is None:
        return None
    if term.section_id is not None:
        keys.show(keys.section(term.section_id))
        path = term.section.get_absolute_url()
    elif term.tag_id is not None:
        tag = listing.public_tags().filter(pk=term.tag_id).only("slug").first()
        if tag is None:
            return None
        keys.show(keys.tag(tag.pk), keys.tag_list(tag.pk))
        path = f"/tags/{tag.slug}/"
    else:
        return None
    return path + ("feed/" if feed else "")
