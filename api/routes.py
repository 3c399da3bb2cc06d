"""/api/v1/: what readers may see, as JSON (and IPTC ninjs), read through api/reads.py.

Every list pages by cursor (`cursor`, `limit`) and refuses parameters it does not know
(`?page=` included) with a 400, so a typo is told rather than ignored and nobody can
multiply the cached copies of a list with made-up parameters.
"""

import datetime
import json
from urllib.parse import urlencode

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.utils.http import http_date
from ninja import NinjaAPI, Path, Query
from ninja.errors import HttpError, Throttled, ValidationError

from api import http, ninjs, present, reads, schemas
from api.cursor import BadCursor
from api.docs import OwnSwagger
from articles import keys


class NewsroomAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The schema, with errors documented as what they are: problem details."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if str(status).startswith("4") and "application/json" in content:
                        answer["content"] = {http.PROBLEM_TYPE: content["application/json"]}
        return schema


api = NewsroomAPI(
    title="Newsroom API",
    version="1",
    description="Published stories, sections, authors, tags and corrections: only what "
    "readers may see. Lists page by cursor; stories are also available as IPTC ninjs 2.1.",
    urls_namespace="api-v1",
    docs=OwnSwagger(),
    throttle=[http.PerClientLimit()],
)

LIMIT = Query(20, ge=1, le=100, description="How many items (1–100).")
CURSOR = Query(None, max_length=200, description="`next_cursor` of the previous page.")
SLUG = Query(None, max_length=200)
ERRORS = {400: schemas.Problem, 404: schemas.Problem, 429: schemas.Problem}
# Ids are 64-bit in the database; a larger number is no article rather than an error.
MAX_ID = 2**63 - 1


class BadParameter(Exception):
    """A query parameter this endpoint does not take, or a value it cannot use."""


def _only(request, *allowed: str) -> None:
    unknown = sorted(set(request.GET) - set(allowed))
    if "page" in unknown:
        raise BadParameter("This API pages with `cursor`, not `page`: follow `next_url`.")
    if unknown:
        raise BadParameter(
            f"Unknown parameter(s): {', '.join(unknown)}. This endpoint takes: "
            f"{', '.join(allowed) or 'none'}."
        )


def _moment(value: datetime.datetime | None, name: str) -> datetime.datetime | None:
    """An aware moment (a naive one is read as UTC), or a 400 for one out of range."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    try:
        return value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise BadParameter(f"`{name}` is out of range.") from None


def _page(request, response, found: reads.Slice, present_item) -> dict:
    next_url = None
    if found.next_cursor:
        query = {**request.GET.dict(), "cursor": found.next_cursor}
        next_url = present.api_url(f"{request.path_info.removeprefix(present.API_ROOT)}?"
                                   f"{urlencode(query)}")  # fmt: skip
        response["Link"] = f'<{next_url}>; rel="next"'
    return {
        "items": [present_item(item) for item in found.items],
        "next_cursor": found.next_cursor,
        "next_url": next_url,
    }


def _last_modified(response, moments) -> None:
    moments = [moment for moment in moments if moment is not None]
    if moments:
        response["Last-Modified"] = http_date(int(max(moments).timestamp()))


def _filters(*, section, tag, author, published_since, updated_since, cursor):
    return reads.StoryFilters(
        section=section,
        tag=tag,
        author=author,
        published_since=_moment(published_since, "published_since"),
        updated_since=_moment(updated_since, "updated_since"),
        after=cursor,
    )


STORY_FILTERS = ("section", "tag", "author", "published_since", "updated_since", "cursor",
                 "limit")  # fmt: skip


@api.get("/articles", response={200: schemas.StoryPage, **ERRORS}, tags=["articles"])
def list_articles(
    request,
    response: HttpResponse,
    section: str | None = SLUG,
    tag: str | None = SLUG,
    author: str | None = SLUG,
    published_since: datetime.datetime | None = None,
    updated_since: datetime.datetime | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
):
    """Published stories, newest first; filter by section, tag or author (slugs), and by
    publication or last update since a moment (ISO 8601)."""
    _only(request, *STORY_FILTERS)
    filters = _filters(section=section, tag=tag, author=author, cursor=cursor,
                       published_since=published_since, updated_since=updated_since)  # fmt: skip
    found = reads.stories(filters, limit=limit)
    _last_modified(response, (story.updated_at or story.published_at for story in found.items))
    return _page(request, response, found, present.article_summary)


def _wants_ninjs(request) -> bool:
    accept = request.headers.get("Accept", "")
    return any(kind in accept for kind in (ninjs.MEDIA_TYPE, "application/ninjs+json"))


def _ninjs_response(data) -> HttpResponse:
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return HttpResponse(body, content_type=f"{ninjs.MEDIA_TYPE}; charset=utf-8")


NINJS_CONTENT = {ninjs.MEDIA_TYPE: {"schema": {"type": "object", "required": ["uri"]}}}


@api.get(
    "/articles/{article_id}",
    response={200: schemas.Story, **ERRORS},
    tags=["articles"],
    openapi_extra={"responses": {"200": {"content": NINJS_CONTENT}}},
)
def get_article(request, response: HttpResponse, article_id: int = Path(..., ge=1, le=MAX_ID)):
    """One published story with everything its page shows. With `Accept:
    application/vnd.iptc.ninjs+json`, the same story as IPTC ninjs 2.1."""
    _only(request)
    story = reads.story(article_id)
    if story is None:
        raise Http404("No such published article.")
    version_created = ninjs.version_created(story, list(story.corrections.all()))
    if _wants_ninjs(request):
        answer = data = _ninjs_response(ninjs.item(story))  # returned as it is
    else:
        answer, data = response, present.article(story)  # ninja fills `response`
    answer["Vary"] = "Accept"
    _last_modified(answer, [version_created])
    return data


@api.get(
    "/articles/{article_id}/ninjs",
    response=ERRORS,
    tags=["ninjs"],
    openapi_extra={
        "responses": {"200": {"description": "IPTC ninjs 2.1", "content": NINJS_CONTENT}}
    },  # fmt: skip
)
def get_article_ninjs(request, article_id: int = Path(..., ge=1, le=MAX_ID)):
    """One published story as IPTC ninjs 2.1, at an address that does not change."""
    _only(request)
    story = reads.story(article_id)
    if story is None:
        raise Http404("No such published article.")
    answer = _ninjs_response(ninjs.item(story))
    _last_modified(answer, [ninjs.version_created(story, list(story.corrections.all()))])
    return answer


NINJS_FEED = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["items", "next_cursor", "next_url"],
            "properties": {
                "items": {"type": "array", "items": {"type": "object", "required": ["uri"]}},
                "next_cursor": {"type": ["string", "null"]},
                "next_url": {"type": ["string", "null"]},
            },
        }
    }
}


@api.get(
    "/ninjs",
    response=ERRORS,
    tags=["ninjs"],
    openapi_extra={
        "responses": {"200": {"description": "The newest stories as ninjs", "content": NINJS_FEED}}
    },  # fmt: skip
)
def ninjs_feed(
    request,
    section: str | None = SLUG,
    published_since: datetime.datetime | None = None,
    updated_since: datetime.datetime | None = None,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
):
    """For partners and wire intakes: the newest published stories, whole, as IPTC ninjs
    2.1 items, newest first; a section filter; cursor paging to go further back."""
    _only(request, "section", "published_since", "updated_since", "cursor", "limit")
    filters = _filters(section=section, tag=None, author=None, cursor=cursor,
                       published_since=published_since, updated_since=updated_since)  # fmt: skip
    found = reads.whole_stories(filters, limit=limit)
    answer = HttpResponse(content_type="application/json")
    data = _page(request, answer, found, ninjs.item)
    answer.content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    _last_modified(answer, (story.updated_at or story.published_at for story in found.items))
    return answer


@api.get("/sections", response={200: schemas.SectionList, **ERRORS}, tags=["sections"])
def list_sections(request):
    """Every section of the paper, in the paper's order."""
    _only(request)
    return {"items": [present.section_with_description(s) for s in reads.sections()]}


@api.get("/sections/{slug}", response={200: schemas.SectionOut, **ERRORS}, tags=["sections"])
def get_section(request, slug: str = Path(..., max_length=200)):
    _only(request)
    found = next((s for s in reads.sections() if s.slug == slug), None)
    if found is None:
        raise Http404("No such section.")
    return present.section_with_description(found)


@api.get("/tags", response={200: schemas.TagPage, **ERRORS}, tags=["tags"])
def list_tags(request, response: HttpResponse, cursor: str | None = CURSOR, limit: int = LIMIT):
    """Tags carried by at least one published story, by slug."""
    _only(request, "cursor", "limit")
    return _page(request, response, reads.tags(after=cursor, limit=limit), present.tag)


@api.get("/tags/{slug}", response={200: schemas.TagOut, **ERRORS}, tags=["tags"])
def get_tag(request, slug: str = Path(..., max_length=200)):
    _only(request)
    return present.tag(reads.tag(slug))


@api.get("/authors", response={200: schemas.AuthorPage, **ERRORS}, tags=["authors"])
def list_authors(request, response: HttpResponse, cursor: str | None = CURSOR, limit: int = LIMIT):
    """Authors with at least one published story, by slug."""
    _only(request, "cursor", "limit")
    return _page(request, response, reads.authors(after=cursor, limit=limit), present.author)


@api.get("/authors/{slug}", response={200: schemas.AuthorOut, **ERRORS}, tags=["authors"])
def get_author(request, slug: str = Path(..., max_length=200)):
    _only(request)
    found = reads.author(slug)
    if found is None:
        raise Http404("No such author.")
    return present.author(found)


@api.get("/corrections", response={200: schemas.CorrectionPage, **ERRORS}, tags=["corrections"])
def list_corrections(
    request, response: HttpResponse, cursor: str | None = CURSOR, limit: int = LIMIT
):
    """Corrections, clarifications and updates to published stories, newest first."""
    _only(request, "cursor", "limit")
    found = reads.corrections(after=cursor, limit=limit)
    return _page(request, response, found, present.correction)


# --- errors: RFC 9457 problem details, 4xx for anything a client sent -----------------


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    details = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', ())[1:]) or 'request'}: "
        f"{error.get('msg', 'invalid')}"
        for error in exc.errors
    )
    return http.problem(400, "Bad request", details or "Invalid parameters.")


@api.exception_handler(BadParameter)
def _bad_parameter(request, exc: BadParameter):
    return http.problem(400, "Bad request", str(exc))


@api.exception_handler(BadCursor)
def _bad_cursor(request, exc: BadCursor):
    return http.problem(400, "Bad request", str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc: Http404):
    keys.show(keys.MISSING)  # purged when something new is published, like every 404
    return http.problem(404, "Not found", str(exc) or "Nothing here.")


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    return http.problem(429, "Too many requests", "Slow down: this address asked too often; "
                        "try again after the number of seconds in Retry-After.")  # fmt: skip


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return http.problem(exc.status_code, str(exc) or "Error")
