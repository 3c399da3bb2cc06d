"""Articles, their bylines, tags, corrections, workflow history and old addresses."""

import datetime
import functools
import operator
import secrets
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from articles import richtext
from newsroom.paths import path_to


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


class InvalidTransition(Exception):
    """The article cannot move from its current status to the one asked for."""


# Which status may follow which; who may take each step is decided in permissions.py.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.REVIEW, Status.PUBLISHED},
    Status.REVIEW: {Status.DRAFT, Status.PUBLISHED},
    # published → published is rescheduling or "publish now" of a scheduled article.
    Status.PUBLISHED: {Status.DRAFT, Status.PUBLISHED},
}


def new_preview_secret() -> str:
    return secrets.token_urlsafe(12)


class ArticleQuerySet(models.QuerySet):
    """Reads of articles. Lists attach their bylines with one plain query (see
    `_attach_bylines`): Django's prefetch_related does the same work several times slower,
    which on a page of twenty stories is most of the time the page takes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._with_bylines = False
        self._newest_first_by = ("-published_at", "-id")

    def _clone(self):
        clone = super()._clone()
        clone._with_bylines = self._with_bylines
        clone._newest_first_by = self._newest_first_by
        return clone

    def _fetch_all(self):
        attach = self._with_bylines and self._result_cache is None
        super()._fetch_all()
        if attach and self._result_cache and isinstance(self._result_cache[0], Article):
            _attach_bylines(self._result_cache)

    def with_bylines(self) -> "ArticleQuerySet":
        """Each article gets `ordered_bylines` filled in one extra query for the lot."""
        clone = self._chain()
        clone._with_bylines = True
        return clone

    def live_or_scheduled(self) -> "ArticleQuerySet":
        """Published, whether its time has come or not: what readers see or will see (what
        may be pinned, what protects its photo, section and tags)."""
        return self.filter(status=Status.PUBLISHED)

    def published(self, *, at: datetime.datetime | None = None) -> "ArticleQuerySet":
        """What readers may see: published and due. The one visibility rule."""
        return self.live_or_scheduled().filter(published_at__lte=at or timezone.now())

    def scheduled(self, *, at: datetime.datetime | None = None) -> "ArticleQuerySet":
        """Published with a publish time still in the future."""
        return self.live_or_scheduled().filter(published_at__gt=at or timezone.now())

    def drafts(self) -> "ArticleQuerySet":
        return self.filter(status=Status.DRAFT)

    def in_review(self) -> "ArticleQuerySet":
        return self.filter(status=Status.REVIEW)

    def with_reads(self, *, now: datetime.datetime) -> "ArticleQuerySet":
        """`reads_today` (since midnight, TIME_ZONE) and `reads_week` (the last 7 days),
        from the rolled-up counts (articles/reads.py)."""
        from articles.models.reads import StoryReads

        def since(moment):
            total = (
                StoryReads.objects.filter(article=models.OuterRef("pk"), hour__gte=moment)
                .values("article")
                .annotate(total=models.Sum("count"))
                .values("total")
            )
            return Coalesce(models.Subquery(total), 0)

        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return self.annotate(
            reads_today=since(midnight), reads_week=since(now - datetime.timedelta(days=7))
        )

    def with_photo_rights_lapsed(self, *, on: datetime.date | None = None) -> "ArticleQuerySet":
        """Articles whose lead photo's "may be used until" date has passed."""
        return self.filter(lead_photo__usable_until__lt=on or timezone.localdate())

    def tagged(self, tag_id: int, *, at: datetime.datetime) -> "ArticleQuerySet":
        """Stories with this tag; `newest_first()` then reads them through the tag's own
        index. Each tag link carries a copy of its story's publish time, kept by the
        database (migration 0005; on SQLite articles/sqlite_triggers.py), so a tag page
        reads its twenty links in order instead of walking the archive's newest stories
        looking for the tag, which grew with the archive (docs/performance.md). `at` is the
        moment of published(at=...)."""
        clone = self.filter(tagged_items__tag_id=tag_id, tagged_items__published_at__lte=at)
        clone._newest_first_by = ("-tagged_items__published_at", "-id")
        return clone

    def newest_first(self) -> "ArticleQuerySet":
        return self.order_by(*self._newest_first_by)

    def _cards(self) -> "ArticleQuerySet":
        return self.select_related("primary_section", "lead_photo__agency").with_bylines()

    def for_listing(self) -> "ArticleQuerySet":
        """Everything a story card renders (section, photo and credit, bylines), eagerly,
        and only that: a page of cards reads no column it does not show."""
        return self._cards().only(*CARD_FIELDS)

    def for_detail(self) -> "ArticleQuerySet":
        """Everything the article page renders, in a fixed number of queries (previews and
        the desk; readers' pages read through articles/detail.py)."""
        return (
            self.select_related("primary_section", "lead_photo__agency")
            .with_bylines()
            .prefetch_related(
                "sections",
                "agencies",
                "tags",
                Prefetch("corrections", queryset=Correction.objects.order_by("created_at")),
            )
            .defer("search_vector")
        )


# What a story card shows (templates/jinja2/articles/_card.html); the query-budget tests
# would catch a card reaching for anything else.
CARD_FIELDS = (
    "headline", "slug", "standfirst", "status", "published_at",
    "primary_section__name", "primary_section__slug", "primary_section__position",
    "lead_photo__image", "lead_photo__alt_text", "lead_photo__credit", "lead_photo__width",
    "lead_photo__height", "lead_photo__renditions", "lead_photo__usable_until",
    "lead_photo__agency__name", "lead_photo__agency__photo_credit",
)  # fmt: skip


def _attach_bylines(articles: list) -> None:
    by_article: dict[int, list] = {article.pk: [] for article in articles}
    bylines = (
        Byline.objects.filter(article_id__in=list(by_article))
        .select_related("author")
        .order_by("position", "id")
    )
    for byline in bylines:
        by_article[byline.article_id].append(byline)
    for article in articles:
        article.loaded_bylines = by_article[article.pk]


class Need(NamedTuple):
    """One thing a published (live or scheduled) story must have, and what the desk is told
    when it is missing."""

    condition: Q
    message: str


# Read by the published_article_is_complete constraint (the database's last word) and by
# the article form (Article.missing_to_be_published), so both check the same things.
PUBLISHED_NEEDS = {
    "published_at": Need(
        Q(published_at__isnull=False),
        "A published story needs a publish time: unpublish the story first.",
    ),
    "first_published_at": Need(
        Q(first_published_at__isnull=False),
        "A published story needs a first-published time: unpublish the story first.",
    ),
    "headline": Need(
        ~Q(headline=""),
        "A published story needs a headline: write one, or unpublish the story first.",
    ),
    "primary_section": Need(
        Q(primary_section__isnull=False),
        "A published story needs a primary section: choose one, or unpublish the story first.",
    ),
}


class Article(models.Model):
    PUBLISHED_NEEDS = PUBLISHED_NEEDS

    headline = models.CharField(
        max_length=200,
        help_text="The story's title as readers see it: clear, specific, under 100 "
        "characters if you can.",
    )
    slug = models.SlugField(
        max_length=140,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="The last part of the story's address. Filled in from the headline when "
        "left empty. Changing it after publication keeps the old address working.",
    )
    standfirst = models.TextField(
        blank=True,
        max_length=400,
        help_text="One or two sentences under the headline that sum up the story; also "
        "used by search engines and social media.",
    )
    body = models.TextField(
        blank=True,
        help_text="The story. Headings, bold, italic, links, lists and quotes are kept; "
        "anything else pasted in is cleaned away when saved.",
    )
    body_text = models.TextField(blank=True, editable=False)
    lead_photo = models.ForeignKey(
        "articles.Photo",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_articles",
        help_text="Shown at the top of the story, in lists and when shared. Optional: "
        "breaking news often has none.",
    )
    primary_section = models.ForeignKey(
        "articles.Section",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="primary_articles",
        help_text="The section the story belongs to first: shown first and used for its "
        "breadcrumb.",
    )
    sections = models.ManyToManyField(
        "articles.Section",
        blank=True,
        related_name="articles",
        help_text="Every section the story appears in (the primary section is always included).",
    )
    authors = models.ManyToManyField(
        "authors.Author", through="articles.Byline", related_name="articles", blank=True
    )
    agencies = models.ManyToManyField(
        "articles.Agency",
        blank=True,
        related_name="contributed_articles",
        verbose_name="with input from",
        help_text="Agencies whose reporting the story uses; readers see “With input from …”.",
    )
    tags = TaggableManager(
        through="articles.TaggedArticle",
        blank=True,
        help_text="Topics, separated by commas, e.g. “Gaza, ceasefire, United Nations”.",
    )
    status = models.CharField(
        max_length=10, choices=Status, default=Status.DRAFT, editable=False, db_index=True
    )
    published_at = models.DateTimeField(
        "publish time",
        null=True,
        blank=True,
        editable=False,
        help_text="When readers can see it; in the future means scheduled.",
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(
        "last updated",
        null=True,
        blank=True,
        editable=False,
        help_text="When the story's text last changed.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        editable=False,
        related_name="articles_created",
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="articles_edited",
    )
    # Chosen when the story is saved (articles/related.py); filtered for visibility when
    # the page is shown.
    related_ids = models.JSONField(default=list, blank=True, editable=False)
    # Bumped by every save; a save made from an older copy is refused (see services).
    version = models.PositiveIntegerField(default=1, editable=False)
    # Part of every shared preview link; changing it revokes the links given out so far.
    preview_secret = models.CharField(max_length=24, default=new_preview_secret, editable=False)
    # Maintained by a PostgreSQL trigger (see migrations); unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        permissions = [
            ("publish_article", "Can publish, schedule, unpublish and correct articles"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED)
                | functools.reduce(
                    operator.and_, (need.condition for need in PUBLISHED_NEEDS.values())
                ),
                name="published_article_is_complete",
                violation_error_message="A published article needs a headline, a primary "
                "section and a publish time.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "published_at"], name="article_visible_idx"),
            models.Index(
                fields=["primary_section", "status", "published_at"],
                name="article_section_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.headline or "(untitled)"

    def save(self, *args, **kwargs):
        # The stored body is always sanitised, whoever saves it and however.
        self.body = richtext.sanitize(self.body)
        self.body_text = richtext.to_text(self.body)
        self.headline = self.headline.strip()
        self.standfirst = self.standfirst.strip()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        if self.published_at is None:
            return reverse("admin:articles_article_change", args=[self.pk])
        return self.public_path()

    # --- content ---------------------------------------------------------------------

    @classmethod
    def content_fields(cls) -> list[models.Field]:
        """The story's content: every field the desk may edit, relations included, in the
        model's order. This is the one declaration: workflow state, times, derived columns
        and bookkeeping say `editable=False` above, and everything else is content — saved
        by services.save_article(), kept in each version, compared, restored, recovered and
        offered by the editor's form (docs/architecture.md, "Add a field to the article")."""
        return [
            field
            for field in cls._meta.get_fields()
            if getattr(field, "editable", False) and not field.primary_key
        ]

    # --- addresses --------------------------------------------------------------------

    def public_path(self, *, slug: str | None = None, at: datetime.datetime | None = None) -> str:
        """/yyyy/mm/dd/slug/ in the newsroom's time zone (needs a publish time)."""
        day = timezone.localtime(at or self.published_at)
        return path_to(
            "articles:detail",
            year=f"{day.year:04d}",
            month=f"{day.month:02d}",
            day=f"{day.day:02d}",
            slug=slug or self.slug,
        )

    # --- state ------------------------------------------------------------------------

    def move_to(self, status: str) -> None:
        """Change status, or raise InvalidTransition if the workflow does not allow it."""
        if status not in TRANSITIONS[self.status]:
            target = Status(status).label if status in Status.values else repr(status)
            raise InvalidTransition(
                f"A {self.get_status_display().lower()} article cannot become {target.lower()}."
            )
        self.status = status

    @property
    def is_live_or_scheduled(self) -> bool:
        """ArticleQuerySet.live_or_scheduled(), for one article in memory."""
        return self.status == Status.PUBLISHED

    def is_visible(self, *, at: datetime.datetime | None = None) -> bool:
        """The visibility rule of ArticleQuerySet.published(), for one article in memory."""
        return (
            self.is_live_or_scheduled
            and self.published_at is not None
            and self.published_at <= (at or timezone.now())
        )

    def missing_to_be_published(self) -> list[str]:
        """The fields of PUBLISHED_NEEDS this published story lacks as it stands in memory
        (none for a story that is not published): what the constraint would refuse."""
        if self.status != Status.PUBLISHED:
            return []
        missing = []
        for name, need in PUBLISHED_NEEDS.items():
            check = models.CheckConstraint(condition=need.condition, name=f"needs_{name}")
            try:
                check.validate(type(self), self)
            except ValidationError:
                missing.append(name)
        return missing

    def republish_time(self, *, now: datetime.datetime) -> datetime.datetime | None:
        """The publish time a story that was live and was taken down (unpublished, or
        deleted and recovered) keeps when it is published again now: its address carries
        that date, so links readers have keep working. None for any other story."""
        if (
            not self.is_live_or_scheduled
            and self.first_published_at is not None
            and self.first_published_at <= now
            and self.published_at is not None
            and self.published_at <= now
        ):
            return self.published_at
        return None

    @property
    def is_scheduled(self) -> bool:
        return self.is_live_or_scheduled and not self.is_visible()

    @property
    def state_label(self) -> str:
        """Status as the desk speaks of it: "Scheduled" is published-but-not-yet."""
        return "Scheduled" if self.is_scheduled else self.get_status_display()

    @property
    def was_updated(self) -> bool:
        """Edited after it went out, enough for readers to be told "Updated …"."""
        return bool(
            self.updated_at
            and self.published_at
            and self.updated_at - self.published_at > datetime.timedelta(minutes=5)
        )

    # --- what the templates render ----------------------------------------------------

    @property
    def ordered_bylines(self) -> list["Byline"]:
        """Bylines in order (loaded with the article by for_listing/for_detail)."""
        loaded = getattr(self, "loaded_bylines", None)
        if loaded is not None:
            return loaded
        return sorted(self.bylines.all(), key=lambda byline: (byline.position, byline.pk))

    @property
    def byline_authors(self) -> list:
        loaded = getattr(self, "loaded_authors", None)  # cards (articles/cards.py)
        if loaded is not None:
            return loaded
        return [byline.author for byline in self.ordered_bylines]

    @property
    def all_sections(self) -> list:
        """Primary section first, then the others in the paper's order."""
        others = sorted(
            (s for s in self.sections.all() if s.pk != self.primary_section_id),
            key=lambda section: (section.position, section.name),
        )
        return [self.primary_section, *others] if self.primary_section_id else others

    @property
    def visible_lead_photo(self):
        """The lead photo, or None when there is none or its usage rights have lapsed."""
        photo = self.lead_photo
        if photo is None or photo.rights_lapsed():
            return None
        return photo


class Byline(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey("authors.Author", on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order of the names in the byline (smaller first)."
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="one_byline_per_author"),
        ]

    def __str__(self) -> str:
        return f"{self.author.name} on “{self.article}”"


class TaggedArticle(TaggedItemBase):
    """Taggit's link from a tag to an article, with a real foreign key (joins, indexes)."""

    content_object = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="tagged_items"
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The story's publish time, copied here by the database so tag pages can "
        "list a tag's stories in order from one index. Never set it yourself.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="one_tag_per_article"),
        ]
        indexes = [
            models.Index(fields=["tag", "-published_at", "-content_object"], name="tag_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} on “{self.content_object}”"


class CorrectionKind(models.TextChoices):
    CORRECTION = "correction", "Correction"
    CLARIFICATION = "clarification", "Clarification"
    UPDATE = "update", "Update"


class Correction(models.Model):
    """A note shown to readers at the end of a published article; kept for good."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(
        max_length=15,
        choices=CorrectionKind,
        default=CorrectionKind.CORRECTION,
        help_text="Correction: we got a fact wrong. Clarification: it could be misread. "
        "Update: new information since publication.",
    )
    text = models.TextField(
        help_text="What readers see, e.g. “An earlier version of this article misstated "
        "the date of the vote. It was on 3 March.”"
    )
    created_at = models.DateTimeField(default=timezone.now, help_text="Shown to readers.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="corrections_added"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to “{self.article}”"


class EventAction(models.TextChoices):
    CREATED = "created", "Created"
    SUBMITTED = "submitted", "Submitted for review"
    RETURNED = "returned", "Returned to the journalist"
    PUBLISHED = "published", "Published"
    SCHEDULED = "scheduled", "Scheduled"
    UNPUBLISHED = "unpublished", "Unpublished"
    CORRECTED = "corrected", "Correction added"
    RESTORED = "restored", "Earlier version restored"
    RECOVERED = "recovered", "Recovered after deletion"


class ArticleEvent(models.Model):
    """One step of the article's workflow: who did what, when, with what note."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=EventAction)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="article_events"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    publish_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"


class ArticleRedirect(models.Model):
    """An address an article had once; it answers 301 to the current one."""

    old_path = models.CharField(max_length=300, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.old_path} → {self.article}"
