"""The shapes of the API's answers, for the OpenAPI schema and for checking what we send
(django-ninja validates every response against these)."""

import datetime

from ninja import Schema


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None


class SectionRef(Schema):
    slug: str
    name: str
    url: str


class SectionOfStory(SectionRef):
    is_primary: bool


class SectionOut(SectionRef):
    description: str


class AuthorRef(Schema):
    slug: str
    name: str
    profile_url: str
    api_url: str


class AuthorOut(AuthorRef):
    job_title: str
    bio: str
    portrait_url: str | None


class TagOut(Schema):
    slug: str
    name: str
    url: str
    api_url: str


class Rendition(Schema):
    url: str
    media_type: str
    crop: str
    width: int
    height: int


class PhotoOut(Schema):
    alt_text: str
    caption: str
    credit: str
    rights: str
    rights_label: str
    licence: str
    copyright_notice: str
    width: int
    height: int
    renditions: list[Rendition]


class AgencyOut(Schema):
    name: str
    website: str


class CorrectionNote(Schema):
    kind: str
    text: str
    created_at: datetime.datetime


class StoryCard(Schema):
    id: int
    url: str
    api_url: str
    headline: str
    standfirst: str
    published_at: datetime.datetime
    updated_at: datetime.datetime
    primary_section: SectionRef | None
    bylines: list[AuthorRef]
    lead_photo: PhotoOut | None


class Story(StoryCard):
    ninjs_url: str
    body: str
    first_published_at: datetime.datetime | None
    sections: list[SectionOfStory]
    agencies: list[AgencyOut]
    tags: list[TagOut]
    corrections: list[CorrectionNote]
    version: int


class StoryRef(Schema):
    id: int
    headline: str
    url: str
    api_url: str


class CorrectionOut(Schema):
    id: int
    kind: str
    text: str
    created_at: datetime.datetime
    article: StoryRef


class Page(Schema):
    next_cursor: str | None
    next_url: str | None


class StoryPage(Page):
    items: list[StoryCard]


class TagPage(Page):
    items: list[TagOut]


class AuthorPage(Page):
    items: list[AuthorOut]


class CorrectionPage(Page):
    items: list[CorrectionOut]


class SectionList(Schema):
    items: list[SectionOut]
