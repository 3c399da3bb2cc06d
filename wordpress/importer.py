"""Importing a WordPress export: posts become articles through the desk's own services.

Every article is written by `services.save_article` and published by
`services.publish_imported` (permission, preflight, workflow, an event in its history), so
an imported story obeys the same rules as one written on the desk: a unique slug, a primary
section among its sections, a byline, a publish time. Only WordPress's published posts
are published, at their original time; drafts, pending, scheduled, private and
password-protected posts are imported as drafts, never public.

Two passes over the file (wordpress/wxr.py): the first checks all of it and indexes
attachments and terms, so a truncated or broken file is refused before anything is
written; the second imports post after post, each in its own transaction (a failure keeps
the posts before it, and running the command again resumes, since posts already imported
and unchanged are skipped), or all of them in one (`atomic`).

Running it again is safe: each post, attachment, author and term is remembered by its
WordPress identity (wordpress/models.py). A post changed in WordPress is updated; one
unchanged is left alone; one edited on the desk since its import is not overwritten.
"""

import hashlib
import html
import json
import re
import urllib.parse
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from taggit.models import Tag

from articles import photos, services
from articles.models import Article, ArticleRedirect, InvalidTransition, Photo, Section
from articles.models.photos import UsageRights
from articles.permissions import NotAllowed
from authors.models import Author
from newsroom import imaging, storage
from newsroom.slugs import readable_slug, unique_slug
from wordpress import body, wxr
from wordpress.media import MediaMissing, MediaSource
from wordpress.models import (
    ImportedAttachment,
    ImportedAuthor,
    ImportedPost,
    ImportedTerm,
    Taxonomy,
)

MAX_TAGS = 200  # per story: more is a broken export, not an editorial choice
# Items committed together. Each post is still its own savepoint (a failing post is rolled
# back alone and reported); a commit every hundred posts instead of every post is what makes
# the import fast: each commit is an fsync and a page-cache version bump.
BATCH_SIZE = 100
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")
HEADLINE_LENGTH = Article._meta.get_field("headline").max_length
TAG_LENGTH = Tag._meta.get_field("name").max_length
NOT_PUBLIC = {
    "draft": "a draft in WordPress",
    "pending": "pending review in WordPress",
    "future": "scheduled in WordPress",
    "private": "private in WordPress",
}


class ImportRefused(Exception):
    """The import cannot start (or, all-or-nothing, cannot finish); nothing was written."""


@dataclass
class Options:
    by: object  # the editor the import acts as
    sections: dict[str, Section] = field(default_factory=dict)  # category (lower) → section
    default_section: Section | None = None
    unmapped_as_tags: bool = True
    create_users: bool = False
    media: MediaSource | None = None
    dry_run: bool = False
    atomic: bool = False


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    # What a dry run would do, post by post (kept only then: a real run of 50,000 posts
    # keeps counts, not a line per post).
    planned: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    kept_as_drafts: list[tuple[str, str]] = field(default_factory=list)
    published: int = 0
    pages_skipped: int = 0
    other_items: Counter = field(default_factory=Counter)
    photos_imported: int = 0
    missing_media: list[tuple[str, str]] = field(default_factory=list)
    media_to_fetch: int = 0
    unmapped_categories: Counter = field(default_factory=Counter)
    tags_refused: Counter = field(default_factory=Counter)
    authors_created: int = 0
    users_created: int = 0
    redirects_created: int = 0
    redirect_conflicts: list[str] = field(default_factory=list)
    embeds_as_links: int = 0
    captions_as_text: int = 0
    images_dropped: int = 0
    shortcodes_removed: Counter = field(default_factory=Counter)
    shortcodes_left: Counter = field(default_factory=Counter)

    def add_body(self, conversion: body.Conversion) -> None:
        self.embeds_as_links += conversion.embeds_as_links
        self.captions_as_text += conversion.captions_as_text
        self.images_dropped += conversion.images_dropped
        self.shortcodes_removed.update(conversion.shortcodes_removed)
        self.shortcodes_left.update(conversion.shortcodes_left)

    def lines(self) -> list[str]:
        def counted(counter: Counter) -> str:
            return ", ".join(f"{name} ×{count}" for name, count in counter.most_common())

        out = [
            f"Imported: {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged; {self.published} published with their original "
            f"dates, the others kept as drafts.",
            f"Photos imported: {self.photos_imported}.",
            f"Authors created: {self.authors_created}"
            + (f", desk accounts created: {self.users_created}." if self.users_created else "."),
            f"Old addresses remembered: {self.redirects_created}.",
        ]
        if self.pages_skipped:
            out.append(f"Pages skipped (only posts are imported): {self.pages_skipped}.")
        if self.other_items:
            out.append(f"Other items ignored: {counted(self.other_items)}.")
        if self.skipped:
            out.append(f"Skipped ({len(self.skipped)}):")
            out += [f"  - {what}: {why}" for what, why in self.skipped]
        if self.kept_as_drafts:
            out.append(f"Kept as drafts ({len(self.kept_as_drafts)}):")
            out += [f"  - {what}: {why}" for what, why in self.kept_as_drafts]
        if self.media_to_fetch:
            out.append(f"Media files that would be fetched: {self.media_to_fetch}.")
        if self.missing_media:
            out.append(f"Missing media ({len(self.missing_media)}), imported without them:")
            out += [f"  - {url}: {why}" for url, why in self.missing_media]
        if self.unmapped_categories:
            out.append(
                "Categories not mapped to a section: " + counted(self.unmapped_categories) + "."
            )
        if self.tags_refused:
            out.append("Tags left out: " + counted(self.tags_refused) + ".")
        if self.embeds_as_links:
            out.append(
                f"Embeds kept as links: {self.embeds_as_links} (the body has no embeds yet)."
            )
        if self.captions_as_text or self.images_dropped:
            out.append(
                f"Images in the body left out: {self.images_dropped} (the body has no images "
                f"yet); captions kept as text: {self.captions_as_text}."
            )
        if self.shortcodes_removed:
            out.append("Shortcodes removed: " + counted(self.shortcodes_removed) + ".")
        if self.shortcodes_left:
            out.append(
                "Bracketed words left in the text (unknown shortcodes?): "
                + counted(self.shortcodes_left)
                + "."
            )
        if self.redirect_conflicts:
            out.append("Old addresses already used by other stories (not changed):")
            out += [f"  - {path}" for path in self.redirect_conflicts]
        return out


@dataclass
class Index:
    """What the first pass learnt: the site, its attachments and how many posts."""

    channel: wxr.Channel
    site: str
    attachments: dict[int, wxr.Item]
    children: dict[int, list[int]]
    items: int
    needs_default_section: int  # published posts with no section to go to
    needs_default_examples: list[str]


def parse_sections(mapping: str) -> dict[str, Section]:
    """ "Mideast=Middle East,US News=USA" → {"mideast": <Section Middle East>, …}. A section
    is named by its name or its slug; an unknown one is refused with the list of ours."""
    result = {}
    sections = list(Section.objects.all())
    for pair in filter(None, (part.strip() for part in mapping.split(","))):
        category, equals, wanted = pair.partition("=")
        if not equals or not category.strip() or not wanted.strip():
            raise ImportRefused(f"“{pair}” in --sections is not “WordPress category=Our section”.")
        section = find_section(wanted.strip(), sections)
        result[category.strip().lower()] = section
    return result


def find_section(wanted: str, sections: list[Section] | None = None) -> Section:
    sections = sections if sections is not None else list(Section.objects.all())
    for section in sections:
        if wanted.lower() in (section.name.lower(), section.slug.lower()):
            return section
    names = ", ".join(section.name for section in sections) or "none yet"
    raise ImportRefused(f"There is no section “{wanted}”. Our sections: {names}.")


def scan(path, options: Options) -> Index:
    """The first pass: the whole file checked, attachments indexed, posts counted."""
    channel = wxr.Channel()
    attachments: dict[int, wxr.Item] = {}
    children: dict[int, list[int]] = {}
    items = 0
    needs_default, needs_default_examples = 0, []
    for item in wxr.read(path, channel):
        items += 1
        if item.post_type == "attachment":
            item.content = ""  # the description is kept for the caption; not the rest
            attachments[item.wp_id] = item
            if item.parent:
                children.setdefault(item.parent, []).append(item.wp_id)
        elif (
            item.post_type == "post"
            and _publishable(item) is None
            and options.default_section is None
            and _primary_section(item, options) is None
        ):
            needs_default += 1
            if len(needs_default_examples) < 5:
                needs_default_examples.append(item.describe())
    site = (channel.link or "").rstrip("/")
    return Index(channel, site, attachments, children, items, needs_default, needs_default_examples)


def run(
    path,
    options: Options,
    *,
    progress: Callable[[], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> Report:
    """Import the export at `path`. Raises wxr.WXRError or ImportRefused with nothing
    written; otherwise returns what was done (in a dry run, what would be). `total` is told
    how many items the file holds, `progress` is called after each."""
    index = scan(path, options)
    if total is not None:
        total(index.items)
    if index.needs_default_section:
        shown = "; ".join(index.needs_default_examples)
        more = index.needs_default_section - len(index.needs_default_examples)
        raise ImportRefused(
            f"{index.needs_default_section} published posts have no category mapped to "
            f"a section ({shown}{f' and {more} more' if more > 0 else ''}). Map their "
            "categories with --sections, or name a --default-section for them."
        )
    report = Report()
    importer = _Importer(index, options, report)
    try:
        with _outer_transaction(options):
            importer.setup()
            for batch in _batches(wxr.read(path, wxr.Channel()), BATCH_SIZE):
                importer.batch(batch, progress)
    finally:
        # Files written for photos whose rows were rolled back (a failed post, a dry run,
        # all-or-nothing refused) belong to nobody: read once every transaction is over.
        for files in importer.written:
            if not photos.is_used(files):
                photos.discard(files)
    return report


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _outer_transaction(options: Options):
    if not (options.atomic or options.dry_run):
        yield
        return
    with transaction.atomic():
        yield
        if options.dry_run:
            transaction.set_rollback(True)


def _publishable(item: wxr.Item) -> str | None:
    """None when the post is public in WordPress, otherwise why it stays a draft."""
    if item.status != "publish":
        return NOT_PUBLIC.get(item.status, f"“{item.status}” in WordPress")
    if item.password:
        return "password-protected in WordPress"
    return None


def _categories(item: wxr.Item) -> list[tuple[str, str]]:
    return [(nicename, name) for domain, nicename, name in item.terms if domain == "category"]


def _section_for(nicename: str, name: str, options: Options) -> Section | None:
    return options.sections.get(name.lower()) or options.sections.get(nicename.lower())


def _primary_section(item: wxr.Item, options: Options) -> Section | None:
    for nicename, name in _categories(item):
        section = _section_for(nicename, name, options)
        if section is not None:
            return section
    return None


class _Importer:
    def __init__(self, index: Index, options: Options, report: Report):
        self.index = index
        self.options = options
        self.report = report
        self.authors: dict[str, Author] = {}
        self.failed_media: dict[int, str] = {}
        self.written: list[photos.NewFiles] = []
        self.tags: dict[str, Tag] = {}

    # --- authors and terms, once --------------------------------------------------------

    def setup(self) -> None:
        with transaction.atomic():
            for person in self.index.channel.authors.values():
                self._author(person.login, person)
            # Tags and terms known from an earlier run, each read with one query: a second
            # run of an export with thousands of terms then writes nothing here.
            self.tags = {tag.name.lower(): tag for tag in Tag.objects.all()}
            known = {(term.taxonomy, term.nicename): term for term in ImportedTerm.objects.all()}
            seen = set()
            for term in self.index.channel.terms:
                key = (term.taxonomy, term.nicename)
                if key in seen or not term.nicename:
                    continue
                seen.add(key)
                self._term(term, known.get(key))

    def _author(self, login: str, person: wxr.Person | None = None) -> Author:
        if login in self.authors:
            return self.authors[login]
        known = ImportedAuthor.objects.filter(login=login).select_related("author").first()
        if known is not None:
            author = known.author
        else:
            name = (person.name if person else login)[: Author._meta.get_field("name").max_length]
            author = Author.objects.create(name=name)
            ImportedAuthor.objects.create(login=login, author=author)
            self.report.authors_created += 1
        if self.options.create_users and author.user_id is None and person is not None:
            self._desk_user(author, person)
        self.authors[login] = author
        return author

    def _desk_user(self, author: Author, person: wxr.Person) -> None:
        User = get_user_model()
        if User.objects.filter(username=person.login).exists():
            return  # someone has that name already: an administrator links them by hand
        user = User.objects.create_user(
            username=person.login,
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
            is_staff=True,
        )
        user.set_unusable_password()  # they choose one through "Forgotten your password?"
        user.save(update_fields=["password"])
        user.groups.add(*Group.objects.filter(name="Journalist"))
        author.user = user
        author.save(update_fields=["user"])
        self.report.users_created += 1

    def _term(self, term: wxr.Term, known: ImportedTerm | None) -> None:
        section = tag = None
        if term.taxonomy == "category":
            section = _section_for(term.nicename, term.name, self.options)
        if section is None and (term.taxonomy == "post_tag" or self.options.unmapped_as_tags):
            tag = self._tag(term.name)
        wanted = {
            "name": term.name,
            "wp_id": term.wp_id,
            "section_id": section.pk if section else None,
            "tag_id": tag.pk if tag else None,
        }
        if known is None:
            ImportedTerm.objects.create(
                taxonomy=Taxonomy(term.taxonomy), nicename=term.nicename, **wanted
            )
        elif any(getattr(known, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(known, name, value)
            known.save(update_fields=["name", "wp_id", "section", "tag"])

    def _tag(self, name: str) -> Tag | None:
        """The tag of that name (any case), made if need be; remembered for the run, so
        that a post's tags cost no query (taggit looks up every name it is given)."""
        name = " ".join(name.split())
        if not Tag().slugify(name) or len(name) > TAG_LENGTH:
            return None
        key = name.lower()
        if key not in self.tags:
            found = Tag.objects.filter(name__iexact=name).first()
            self.tags[key] = found or Tag.objects.create(name=name)
        return self.tags[key]

    # --- items ---------------------------------------------------------------------------

    def batch(self, items: list[wxr.Item], progress: Callable[[], None] | None) -> None:
        """Fetch and decode the batch's media first, outside any transaction (as the admin
        does, docs/decisions.md "Decoding happens before…"), then write its items in one
        transaction, each in a savepoint of its own."""
        wanted = []
        for item in items:
            if item.post_type == "attachment" and _is_image(item):
                wanted.append(item.wp_id)
            elif item.post_type == "post" and _refusal(item) is None:
                featured = _int(item.meta.get("_thumbnail_id", ""))
                if featured:
                    wanted.append(featured)
        files = self._media_files(list(dict.fromkeys(wanted)))
        with transaction.atomic():
            for item in items:
                self.item(item, files)
                if progress is not None:
                    progress()

    def item(self, item: wxr.Item, files: dict) -> None:
        if item.post_type == "page":
            self.report.pages_skipped += 1
        elif item.post_type == "attachment":
            if _is_image(item):
                with transaction.atomic():
                    self._photo(item.wp_id, files)
            else:
                self.report.other_items["attachment (not an image)"] += 1
        elif item.post_type == "post":
            self._post(item, files)
        else:
            self.report.other_items[item.post_type or "untyped"] += 1

    def _post(self, item: wxr.Item, files: dict) -> None:
        what = item.describe()
        refusal = _refusal(item)
        if refusal:
            self.report.skipped.append((what, refusal))
            return
        featured = _int(item.meta.get("_thumbnail_id", ""))
        try:
            with transaction.atomic():
                self._save_post(item, featured, files)
        except (ValidationError, ValueError, NotAllowed, InvalidTransition, DatabaseError) as error:
            if self.options.atomic:
                raise ImportRefused(
                    f"{what} could not be imported ({_say(error)}); nothing was imported "
                    "(all or nothing)."
                ) from None
            self.report.skipped.append((what, f"not imported: {_say(error)}"))
            self.tags.clear()  # tags made in the rolled-back savepoint are gone

    # --- media: files written before the post's transaction ------------------------------

    def _media_files(self, wp_ids: list[int]) -> dict[int, object]:
        """Each wanted attachment's new files (photos.NewFiles), or why it has none; those
        already imported are left out. Fetching and decoding happen here, outside any
        transaction, as in the admin (docs/decisions.md, "Decoding happens before…")."""
        wanted = {}
        for wp_id in wp_ids:
            item = self.index.attachments.get(wp_id)
            if item is None:
                wanted[wp_id] = f"attachment {wp_id} is not in the export"
                continue
            done = ImportedAttachment.objects.filter(site=self.index.site, wp_id=wp_id)
            if done.filter(photo__isnull=False).exists():
                continue
            if wp_id in self.failed_media:
                wanted[wp_id] = self.failed_media[wp_id]
                continue
            if self.options.dry_run or self.options.media is None:
                self.report.media_to_fetch += 1
                wanted[wp_id] = "not fetched in a dry run"
                continue
            try:
                data = self.options.media.get(item.attachment_url or item.guid)
                name = Path(urllib.parse.urlsplit(item.attachment_url).path).name or "photo"
                wanted[wp_id] = photos.process(ContentFile(data, name=name))
                self.written.append(wanted[wp_id])
            except (MediaMissing, imaging.ImageRejected, storage.NotStored) as error:
                reason = _say(error)
                self.failed_media[wp_id] = reason
                self.report.missing_media.append((item.attachment_url or item.guid, reason))
                wanted[wp_id] = reason
        return wanted

    def _photo(self, wp_id: int, files: dict) -> Photo | None:
        """The photo an attachment became, made now from `files` if need be."""
        done = (
            ImportedAttachment.objects.filter(site=self.index.site, wp_id=wp_id)
            .select_related("photo")
            .first()
        )
        if done is not None and done.photo is not None:
            return done.photo
        written = files.get(wp_id)
        if not isinstance(written, photos.NewFiles):
            return None
        item = self.index.attachments[wp_id]
        photo = Photo(
            alt_text=_alt_text(item)[: Photo._meta.get_field("alt_text").max_length],
            caption=" ".join(body.plain_excerpt(item.excerpt, "", limit=2000).split()),
            credit=_credit(item, self.index.channel)[: Photo._meta.get_field("credit").max_length],
            rights=UsageRights.OTHER,
        )
        photos.attach(photo, written, by=self.options.by)
        ImportedAttachment.objects.update_or_create(
            site=self.index.site,
            wp_id=wp_id,
            defaults={"guid": item.guid, "url": item.attachment_url, "photo": photo},
        )
        self.report.photos_imported += 1
        return photo

    # --- one post --------------------------------------------------------------------------

    def _save_post(self, item: wxr.Item, featured: int, files: dict) -> None:
        options, report = self.options, self.report
        what = item.describe()
        known = (
            ImportedPost.objects.filter(site=self.index.site, wp_id=item.wp_id)
            .select_related("article")
            .first()
        )
        fingerprint = self._fingerprint(item)
        lead_photo = self._photo(featured, files) if featured else None
        if known is not None:
            article = known.article
            if article.version != known.article_version:
                report.skipped.append(
                    (what, "edited on the desk since it was imported; left as it is")
                )
                return
            photo_arrived = lead_photo is not None and article.lead_photo_id is None
            if known.fingerprint == fingerprint and not photo_arrived:
                report.unchanged += 1
                return
        else:
            article = Article()

        conversion = body.convert(item.content)
        report.add_body(conversion)
        headline = _plain(item.title)
        if len(headline) > HEADLINE_LENGTH:
            headline = headline[: HEADLINE_LENGTH - 1].rsplit(" ", 1)[0] + "…"
        article.headline = headline
        article.body = conversion.html
        article.standfirst = body.plain_excerpt(item.excerpt, conversion.html)
        if known is None:
            article.slug = self._slug(item, headline)
        if lead_photo is not None or known is None:
            article.lead_photo = lead_photo
        primary = _primary_section(item, options) or options.default_section
        article.primary_section = primary
        sections, tags = self._sections_and_tags(item)
        author = self._author(item.creator, self.index.channel.authors.get(item.creator))
        article = services.save_article(
            article,
            by=options.by,
            expected_version=article.version if known else None,
            comment="Imported from WordPress",
            authors=[author],
            sections=sections,
            tags=tags,
        )
        if known:
            report.updated += 1
        else:
            report.created += 1
        if options.dry_run:
            report.planned.append(f"{'update' if known else 'create'} {what}")

        why_not = _publishable(item)
        if why_not is None and item.date_gmt is None:
            why_not = "it has no publish date"
        if why_not is None and not article.is_live_or_scheduled:
            try:
                article = services.publish_imported(
                    article, by=options.by, at=item.date_gmt, note="Imported from WordPress"
                )
            except services.PublishBlocked as blocked:
                why_not = " ".join(blocked.problems)
            except ValueError as error:
                why_not = str(error)
        elif why_not is not None and article.is_live_or_scheduled:
            article = services.unpublish(article, by=options.by, note=f"Now {why_not}.")
        if article.is_live_or_scheduled:
            report.published += 1
        else:
            report.kept_as_drafts.append((what, why_not or "not published in WordPress"))

        self._remember_addresses(item, article)
        # The services hand back the article as they left it, version included.
        if known is None:
            ImportedPost.objects.create(
                site=self.index.site,
                wp_id=item.wp_id,
                guid=item.guid,
                article=article,
                fingerprint=fingerprint,
                article_version=article.version,
            )
        else:
            known.guid, known.fingerprint = item.guid, fingerprint
            known.article_version = article.version
            known.save(update_fields=["guid", "fingerprint", "article_version", "imported_at"])

    def _fingerprint(self, item: wxr.Item) -> str:
        """Everything that decides what the post becomes: its own fields and where its
        categories lead with these options."""
        data = {
            name: value if not hasattr(value, "isoformat") else value.isoformat()
            for name, value in vars(item).items()
        }
        data["sections"] = [
            getattr(_section_for(nicename, name, self.options), "pk", None)
            for nicename, name in _categories(item)
        ]
        data["default"] = getattr(self.options.default_section, "pk", None)
        data["unmapped_as_tags"] = self.options.unmapped_as_tags
        encoded = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()

    def _slug(self, item: wxr.Item, headline: str) -> str:
        """The WordPress slug when it is free (so the address reads as before), else one
        made from the headline as the desk makes them."""
        wanted = readable_slug(urllib.parse.unquote(item.post_name))
        if wanted and not Article.objects.filter(slug=wanted).exists():
            return wanted
        return unique_slug(Article, wanted or headline, fallback="story")

    def _sections_and_tags(self, item: wxr.Item) -> tuple[list[Section], list[Tag]]:
        sections, tags = [], []
        for domain, nicename, name in item.terms:
            if domain == "category":
                section = _section_for(nicename, name, self.options)
                if section is not None:
                    sections.append(section)
                    continue
                self.report.unmapped_categories[name] += 1
                if not self.options.unmapped_as_tags:
                    continue
            elif domain != "post_tag":
                continue
            clean = " ".join(name.split())
            if not Tag().slugify(clean):
                self.report.tags_refused[f"“{clean}” (no letters or digits)"] += 1
            elif len(clean) > TAG_LENGTH:
                self.report.tags_refused[f"“{clean[:40]}…” (longer than {TAG_LENGTH})"] += 1
            else:
                tags.append(self._tag(clean))
        if self.options.default_section is not None and not sections:
            sections.append(self.options.default_section)
        return sections, list({tag.pk: tag for tag in tags}.values())

    def _remember_addresses(self, item: wxr.Item, article: Article) -> None:
        """The post's old addresses, and its attachments' pages, lead to the article. They
        answer only while it is published (wordpress/middleware.py)."""
        paths = {_path(item.link), f"/?p={item.wp_id}"}
        if item.post_name:
            paths.add(f"/{urllib.parse.unquote(item.post_name)}/")
        for child in self.index.children.get(item.wp_id, []):
            attachment = self.index.attachments[child]
            paths |= {_path(attachment.link), f"/?attachment_id={child}"}
        current = article.public_path() if article.published_at else None
        paths.discard(current)
        paths.discard(None)
        paths.discard("/")
        existing = dict(
            ArticleRedirect.objects.filter(old_path__in=paths).values_list("old_path", "article_id")
        )
        new = []
        for path in sorted(paths):
            if path in existing:
                if existing[path] != article.pk:
                    self.report.redirect_conflicts.append(path)
                continue
            new.append(ArticleRedirect(old_path=path, article=article))
        ArticleRedirect.objects.bulk_create(new)
        self.report.redirects_created += len(new)


def _plain(title: str) -> str:
    """A headline is plain text: WordPress titles may carry markup ("Title <em>With</em>
    Markup") and entities, which readers would otherwise see as typed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", title)).split())


def _refusal(item: wxr.Item) -> str | None:
    """Why a post cannot be imported at all, in words for whoever runs the import."""
    if not _plain(item.title):
        return "it has no title; give it one in WordPress and import again"
    tags = sum(1 for domain, _, _ in item.terms if domain == "post_tag")
    if tags > MAX_TAGS:
        return f"it has {tags:,} tags; a story can have at most {MAX_TAGS}"
    if not item.wp_id:
        return "it has no WordPress ID (<wp:post_id>)"
    return None


def _is_image(item: wxr.Item) -> bool:
    url = (item.attachment_url or item.guid).lower().split("?", 1)[0]
    return url.endswith(IMAGE_EXTENSIONS)


def _alt_text(item: wxr.Item) -> str:
    return (
        item.meta.get("_wp_attachment_image_alt", "").strip()
        or item.title.strip()
        or Path(urllib.parse.urlsplit(item.attachment_url).path).stem
        or "Photo"
    )


def _credit(item: wxr.Item, channel: wxr.Channel) -> str:
    """The credit WordPress read from the photo's IPTC data (kept in the attachment's
    metadata), else the old site's name: a photo must be credited to someone, and what
    came from the archive came from the site."""
    metadata = item.meta.get("_wp_attachment_metadata", "")
    marker = 's:6:"credit";s:'
    if marker in metadata:
        rest = metadata.split(marker, 1)[1]
        length, _, value = rest.partition(':"')
        if length.isdigit():
            credit = value[: int(length)].strip()
            if credit:
                return credit
    return channel.title.strip() or "WordPress archive"


def _path(url: str) -> str | None:
    """The path (and query) of an old address, as Django will see it in request.path."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.unquote(parts.path or "/")
    return f"{path}?{parts.query}" if parts.query else path


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _say(error: Exception) -> str:
    messages = getattr(error, "messages", None)
    text = " ".join(messages) if messages else str(error)
    return text.strip() or type(error).__name__
