"""Test data. Factories may set status directly for setup; transitions are tested through
the services."""

import datetime
import io
import itertools

from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles import photos
from articles.models import Agency, Article, Byline, Photo, Section, Status
from authors.models import Author
from newsroom import imaging

_numbers = itertools.count(1)


def make_user(username: str, group: str | None, **extra) -> User:
    extra.setdefault("first_name", username.title())
    user = User.objects.create_user(username=username, password="pw", is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def section(slug: str = "politics") -> Section:
    """A section the migrations create; made again if a transactional test before this one
    flushed the database (a flush empties the tables the migrations filled)."""
    found, _created = Section.objects.get_or_create(
        slug=slug, defaults={"name": slug.replace("-", " ").title()}
    )
    return found


def make_author(name: str | None = None, **extra) -> Author:
    number = next(_numbers)
    return Author.objects.create(name=name or f"Author {number}", **extra)


def make_agency(name: str | None = None, **extra) -> Agency:
    return Agency.objects.create(name=name or f"Agency {next(_numbers)}", **extra)


def jpeg_bytes(size=(64, 48), colour=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", **save)
    return out.getvalue()


def make_photo(*, renditions: bool = False, size=(64, 48), colour=None, **fields) -> Photo:
    """A photo with a real (tiny) JPEG; `renditions=True` runs the whole upload path, the
    renditions task included (a test's transaction never commits, so it is called here)."""
    number = next(_numbers)
    fields.setdefault("alt_text", f"Photo {number}")
    if "agency" not in fields and not fields.get("credit"):
        fields["credit"] = f"Staff photo {number}"
    photo = Photo(**fields)
    colour = colour or ((number * 37) % 256, (number * 91) % 256, (number * 53) % 256)
    upload = ContentFile(jpeg_bytes(size, colour), name="photo.jpg")
    if renditions:
        photos.store(photo, imaging.prepare(upload))
        photos.make_renditions.call(photo.pk)
        photo.refresh_from_db()
        return photo
    photo.image.save("photo.jpg", upload, save=False)
    photo.width, photo.height = size
    photo.save()
    return photo


def make_article(
    headline: str | None = None,
    *,
    status: str = Status.PUBLISHED,
    published_at: datetime.datetime | None = None,
    created_by: User | None = None,
    authors: list[Author] | None = None,
    sections: list[Section] | None = None,
    primary_section: Section | None = None,
    tags: list[str] | None = None,
    agencies: list[Agency] | None = None,
    body: str = "<p>Body text of the story.</p>",
    **fields,
) -> Article:
    number = next(_numbers)
    headline = headline or f"Story number {number}"
    now = timezone.now()
    if status == Status.PUBLISHED and published_at is None:
        published_at = now - datetime.timedelta(minutes=number)
    creator = created_by or User.objects.filter(username="factory").first()
    if creator is None:
        creator = User.objects.create_user("factory", password="pw", is_staff=True)
    primary = primary_section or section()
    article = Article.objects.create(
        headline=headline,
        slug=fields.pop("slug", None) or f"story-{number}",
        standfirst=fields.pop("standfirst", f"Standfirst of story {number}."),
        body=body,
        status=status,
        published_at=published_at,
        first_published_at=published_at if status == Status.PUBLISHED else None,
        updated_at=published_at or now,
        created_by=creator,
        last_edited_by=creator,
        primary_section=primary,
        **fields,
    )
    article.sections.set({primary, *(sections or [])})
    for position, author in enumerate(authors if authors is not None else [make_author()]):
        Byline.objects.create(article=article, author=author, position=position)
    if tags:
        article.tags.set(tags)
    if agencies:
        article.agencies.set(agencies)
    return article


def make_articles(count: int, *, authors: int = 1, tags: int = 0, **fields) -> list[Article]:
    people = [make_author() for _ in range(authors)]
    tag_names = [f"tag {i}" for i in range(tags)]
    return [make_article(authors=people, tags=tag_names, **fields) for _ in range(count)]
