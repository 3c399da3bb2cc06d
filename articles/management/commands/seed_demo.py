"""Load the demo newsroom, or a large one for benchmarks. Safe to run again.

python manage.py seed_demo                              # the demo desk (make run)
python manage.py seed_demo --articles 2000 --authors 20 # plus generated stories
"""

import datetime
import os
import random
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from articles import photos, related, services
from articles.demo import content, images
from articles.demo.bulk import BulkNewsroom
from articles.models import (
    Agency,
    Article,
    ArticleEvent,
    BreakingNews,
    EventAction,
    FrontPageSlot,
    Photo,
    Section,
    Status,
)
from authors.models import Author
from newsroom import imaging, surrogate

MAX_ARTICLES = 1_000_000
MAX_AUTHORS = 10_000


def _positive(limit: int):
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise CommandError(f"“{value}” is not a whole number.") from None
        if not 1 <= number <= limit:
            raise CommandError(f"Choose a number between 1 and {limit:,}, not {number:,}.")
        return number

    return parse


class Command(BaseCommand):
    help = (
        "Create the demo newsroom (idempotent): accounts, sections, agencies, authors, photos "
        "and 40+ invented stories. --articles/--authors add generated stories for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles",
            type=_positive(MAX_ARTICLES),
            help="Grow the newsroom to at least this many articles (bulk, for benchmarks).",
        )
        parser.add_argument(
            "--authors",
            type=_positive(MAX_AUTHORS),
            default=20,
            help="How many authors the generated stories are shared among (default 20).",
        )

    def handle(self, *args, articles=None, authors=20, verbosity=1, **options):
        self.verbosity = verbosity
        password = demo_password()
        users = self.accounts(password)
        desk = Desk(users)
        with transaction.atomic():
            desk.build()
        if articles:
            created = BulkNewsroom(articles=articles, authors=authors, log=self.log).build()
            self.log(
                f"Generated {created:,} stories; the newsroom has {Article.objects.count():,}."
            )
        # Backdated and bulk stories bypass the signals: purge every copy of every page.
        surrogate.changed({surrogate.EVERYTHING})
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/")
        for username in ("editor", "journalist"):
            self.stdout.write(f"  {username} / {password}")

    def log(self, message: str) -> None:
        if self.verbosity:
            self.stdout.write(message)

    def accounts(self, password: str) -> dict:
        User = get_user_model()
        names = {"editor": ("Samuel", "Okafor"), "journalist": ("Leila", "Haddad")}
        users = {}
        for username, group in (("editor", "Editor"), ("journalist", "Journalist")):
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = names[username]
            user.email = f"{username}@newsroom.example"
            user.is_staff = True
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=group)])
            users[username] = user
        return users


def demo_password() -> str:
    """DEMO_PASSWORD, or a password generated once and kept in var/demo-password."""
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    stored = Path(settings.BASE_DIR) / "var" / "demo-password"
    if not stored.exists():
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(secrets.token_urlsafe(12))
    return stored.read_text().strip()


class Desk:
    """The hand-made demo: every object is looked up by a natural key first."""

    def __init__(self, users: dict):
        self.users = users
        self.editor = users["editor"]
        self.journalist = users["journalist"]
        self.rng = random.Random(2026)
        self.now = timezone.now()

    def build(self) -> None:
        self.agencies = self.make_agencies()
        self.authors = self.make_authors()
        self.photos = self.make_photos()
        self.sections = {section.slug: section for section in Section.objects.all()}
        published = self.make_stories()
        self.make_behind_the_scenes()
        self.curate(published)

    def make_agencies(self) -> dict:
        agencies = {}
        for name, credit, website in content.AGENCIES:
            agencies[name], _ = Agency.objects.get_or_create(
                name=name, defaults={"photo_credit": credit, "website": website}
            )
        return agencies

    def make_authors(self) -> list[Author]:
        authors = []
        for name, title, bio, username, active in content.AUTHORS:
            author = Author.objects.filter(name=name).first()
            if author is None:
                author = Author(name=name, job_title=title, bio=bio, is_active=active)
                author.user = self.users.get(username)
                author.set_portrait(imaging.prepare(ContentFile(images.portrait(name))))
                author.save()
            authors.append(author)
        return authors

    def make_photos(self) -> dict:
        library = {}
        for key, alt, caption, credit, agency, rights, licence, palette in content.PHOTOS:
            photo = Photo.objects.filter(alt_text=alt).first()
            if photo is None:
                photo = Photo(
                    alt_text=alt,
                    caption=caption,
                    credit=credit,
                    agency=self.agencies.get(agency),
                    rights=rights,
                    licence=licence,
                )
                upload = ContentFile(images.landscape(key, *palette), name=f"{key}.jpg")
                photos.store(photo, imaging.prepare(upload), by=self.journalist)
            library[key] = photo
        return library

    def body(self, lede: str) -> str:
        rng = self.rng
        paragraphs = rng.sample(content.PARAGRAPHS, 6)
        parts = [f"<p>{lede}</p>"]
        parts += [f"<p>{p}</p>" for p in paragraphs[:2]]
        parts.append(f"<h2>{rng.choice(content.SUBHEADS)}</h2>")
        parts += [f"<p>{p}</p>" for p in paragraphs[2:4]]
        parts.append(f"<blockquote><p>{rng.choice(content.QUOTES)}</p></blockquote>")
        parts += [f"<p>{p}</p>" for p in paragraphs[4:]]
        return "".join(parts)

    def write(self, *, section, others, headline, standfirst, tags, agencies, photo, authors):
        existing = Article.objects.filter(headline=headline).first()
        if existing is not None:
            return existing, False
        article = Article(
            headline=headline,
            standfirst=standfirst,
            body=self.body(standfirst),
            primary_section=self.sections[section],
            lead_photo=self.photos.get(photo),
        )
        author_is_journalist = any(author.user_id == self.journalist.pk for author in authors)
        services.save_article(
            article,
            by=self.journalist if author_is_journalist else self.editor,
            authors=authors,
            sections=[self.sections[slug] for slug in others],
            agencies=[self.agencies[name] for name in agencies],
            tags=tags,
        )
        return article, True

    def make_stories(self) -> list[Article]:
        published = []
        count = len(content.STORIES)
        for index, story in enumerate(content.STORIES):
            section, others, headline, standfirst, tags, agencies, photo, author_ids = story
            article, created = self.write(
                section=section, others=others, headline=headline, standfirst=standfirst,
                tags=tags, agencies=agencies, photo=photo,
                authors=[self.authors[i] for i in author_ids],
            )  # fmt: skip
            if created:
                # Spread the demo over the last ten days, newest first in the list.
                when = self.now - datetime.timedelta(hours=(index * 240 / count) + 1)
                self.go_live(article, when)
                if index == 1:
                    services.add_correction(article, by=self.editor, text=content.CORRECTION)
            published.append(article)
        return published

    def go_live(self, article: Article, when: datetime.datetime) -> None:
        # Demo stories are backdated, which no desk action may do: set the fields directly.
        Article.objects.filter(pk=article.pk).update(
            status=Status.PUBLISHED,
            published_at=when,
            first_published_at=when,
            updated_at=when,
            version=article.version + 1,
        )
        ArticleEvent.objects.create(
            article=article, action=EventAction.PUBLISHED, actor=self.editor, at=when,
            publish_time=when,
        )  # fmt: skip

    def make_behind_the_scenes(self) -> None:
        leila = self.authors[0]
        for section, headline, standfirst, tags, state in content.DRAFTS:
            article, created = self.write(
                section=section, others=[], headline=headline, standfirst=standfirst,
                tags=tags, agencies=[], photo=None, authors=[leila],
            )  # fmt: skip
            if not created:
                continue
            if state in ("review", "returned", "scheduled"):
                services.submit(article, by=self.journalist)
            if state == "returned":
                services.return_to_journalist(article, by=self.editor, note=content.RETURN_NOTE)
            if state == "scheduled":
                services.publish(article, by=self.editor, at=self.now + datetime.timedelta(hours=2))

    def curate(self, published: list[Article]) -> None:
        published = list(Article.objects.filter(pk__in=[a.pk for a in published]).newest_first())
        for article in published:  # now that all are live, each can find its relatives
            related.refresh(article)
        if not FrontPageSlot.objects.exists() and published:
            FrontPageSlot.objects.create(position=1, article=published[0], created_by=self.editor)
        if not BreakingNews.objects.exists():
            BreakingNews.objects.create(
                text="Ceasefire talks resume in Cairo — follow our coverage",
                link=published[0].get_absolute_url() if published else "",
                ends_at=self.now + datetime.timedelta(days=2),
                created_by=self.editor,
            )
