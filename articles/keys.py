"""Surrogate keys of the readers' site: their names, and which keys each change affects.

The one place where both are declared (the mechanism is newsroom/surrogate.py; the
keys are documented in docs/architecture.md, "Surrogate keys").

Two kinds of key. A *thing* key is on every response that shows something of that
thing: its headline or card, a byline, a tag's name, a credit. A *list* key is on every
response whose choice of stories depends on it: the front page, a section's pages and
feed, the sitemaps. A correction to a story changes the thing, so it purges `a<id>` and
with it every page that shows the story; publishing a story changes lists it was not yet
on, so it purges their list keys too.

    a<id>    a story (its page; every card, feed item, related link showing it)
    s<id>    a section's name (the navigation of every page, breadcrumbs, categories)
    t<id>    a tag's name (its page and feed, the tag lists of stories, categories)
    p<id>    an author as shown (bylines, bio boxes, the author page and feed)
    g<id>    an agency (photo credits, "With input from")
    i<id>    a photo (its credit, caption, rights)
    ls<id>   the stories of a section (its pages and feed; a story page whose related
             stories were topped up from its section)
    lt<id>   the stories of a tag (its page and feed)
    lp<id>   the stories of an author (their page and feed)
    front    the front page's choice of stories (and its pinned slots)
    feed     the main feed's stories
    sitemap  the sitemaps (which addresses exist, their last changes, the news sitemap)
    search   search results (any published text may match)
    corrections  the corrections page and feed
    missing  every 404 (a new address may now exist)
    nav      the navigation (which sections there are, their names), on every HTML page
    banner   the breaking-news banner, on every HTML page
    mostread the paper's most-read list (front page); mostread-s<id>: a section's (its
             page, the pages of its stories). Sent by the roll-up when a list changes
             (articles/reads.py)
    robots   robots.txt
    all      every keyed response (newsroom/surrogate.py)

Scheduled changes send nothing: nobody is there to send it. The page cache and the
proxies never keep a page past the next scheduled change (articles/schedule.py).
"""

from django.core.exceptions import ObjectDoesNotExist
from taggit.models import Tag

from articles.models import (
    Agency,
    Article,
    ArticleRedirect,
    BreakingNews,
    Byline,
    Correction,
    FrontPageSlot,
    Photo,
    Section,
    Status,
    TaggedArticle,
)
from authors.models import Author, AuthorLink
from newsroom import surrogate

FRONT = "front"
FEED = "feed"
SITEMAP = "sitemap"
SEARCH = "search"
CORRECTIONS = "corrections"
MISSING = "missing"
NAV = "nav"
BANNER = "banner"
ROBOTS = "robots"
MOST_READ = "mostread"


def article(pk) -> str:
    return f"a{pk}"


def section(pk) -> str:
    return f"s{pk}"


def tag(pk) -> str:
    return f"t{pk}"


def author(pk) -> str:
    return f"p{pk}"


def agency(pk) -> str:
    return f"g{pk}"


def photo(pk) -> str:
    return f"i{pk}"


def most_read(section_pk=None) -> str:
    """The paper's most-read list, or a section's."""
    return MOST_READ if section_pk is None else f"{MOST_READ}-s{section_pk}"


def section_list(pk) -> str:
    return f"ls{pk}"


def tag_list(pk) -> str:
    return f"lt{pk}"


def author_list(pk) -> str:
    return f"lp{pk}"


# --- what a response shows -------------------------------------------------------------


def show(*keys: str) -> None:
    surrogate.show(*keys)


def show_cards(stories) -> None:
    """Story cards (or the article itself): the story, its section, photo and credit."""
    keys = []
    for story in stories:
        keys.append(article(story.pk))
        if story.primary_section_id:
            keys.append(section(story.primary_section_id))
        if story.lead_photo_id:
            keys.append(photo(story.lead_photo_id))
            agency_id = story.lead_photo.agency_id
            if agency_id:
                keys.append(agency(agency_id))
        keys += [author(person.pk) for person in getattr(story, "loaded_authors", ())]
        keys += [author(line.author_id) for line in getattr(story, "loaded_bylines", ())]
    surrogate.show(*keys)


def show_authors(people) -> None:
    surrogate.show(*(author(person.pk) for person in people))


# --- what a change affects -------------------------------------------------------------

# What decides which lists a story is on, on the article row itself (its sections, tags and
# authors are relations, watched on their own).
PLACEMENT = ("status", "published_at", "primary_section_id", "slug")


def reader_could_see(story: Article) -> bool:
    """Live, scheduled, or out before: a draft that never went out is on no page."""
    return story.is_live_or_scheduled or story.first_published_at is not None


def _article_or_none(obj) -> Article | None:
    try:
        return obj.article
    except ObjectDoesNotExist:  # deleted with its story: the story's delete says it all
        return None


def lists_of(story: Article) -> set[str]:
    """Every list the story is on (or will be on, or was on until this change)."""
    keys = {FRONT, FEED, SITEMAP, SEARCH, CORRECTIONS, MISSING}
    if story.primary_section_id:
        keys.add(section_list(story.primary_section_id))
    if story.pk is not None:
        through = Article.sections.through
        ids = through.objects.filter(article_id=story.pk).values_list("section_id", flat=True)
        keys |= {section_list(pk) for pk in ids}
        links = TaggedArticle.objects.filter(content_object_id=story.pk)
        keys |= {tag_list(pk) for pk in links.values_list("tag_id", flat=True)}
        people = Byline.objects.filter(article_id=story.pk).values_list("author_id", flat=True)
        keys |= {author_list(pk) for pk in people}
    return keys


def _before(story: Article) -> tuple[dict, set[str]] | None:
    """What the row held before this save or delete, and the lists the story was on."""
    placement = Article.objects.filter(pk=story.pk).values(*PLACEMENT).first()
    if placement is None:
        return None
    was = Article(pk=story.pk, primary_section_id=placement["primary_section_id"])
    return placement, lists_of(was)


# Columns no reader sees: a save of only these changes no page.
UNSEEN = frozenset({"version", "preview_secret", "last_edited_by", "created_by"})


def affects_article(story: Article, *, deleted, created, before, update_fields) -> set[str]:
    if update_fields is not None and not set(update_fields) - UNSEEN:
        return set()
    placement, lists_before = before or (None, set())
    was_seen = placement is not None and placement["status"] == Status.PUBLISHED
    if not (reader_could_see(story) or was_seen):
        return set()
    keys = {article(story.pk), SITEMAP, SEARCH}
    if deleted:
        return keys | lists_before | lists_of(Article(primary_section_id=story.primary_section_id))
    if created or placement != {name: getattr(story, name) for name in PLACEMENT}:
        # It joins, leaves or moves on lists: the ones it was on and the ones it is on.
        keys |= lists_before | lists_of(story)
    return keys


def affects_article_sections(obj, *, reverse, pk_set) -> set[str]:
    """A story's sections changed (or, from the other side, a section's stories)."""
    if not pk_set:
        return set()  # added what was there already
    stories = Article.objects.filter(pk__in=pk_set) if reverse else [obj]
    sections = [obj.pk] if reverse else pk_set
    keys = set()
    for story in stories:
        if reader_could_see(story):
            keys |= {article(story.pk), SITEMAP, *(section_list(pk) for pk in sections)}
    return keys


def affects_article_agencies(obj, *, reverse, pk_set) -> set[str]:
    stories = Article.objects.filter(pk__in=pk_set) if reverse else [obj]
    return {article(story.pk) for story in stories if reader_could_see(story)}


def affects_byline(byline: Byline, **_) -> set[str]:
    story = _article_or_none(byline)
    if story is None or not reader_could_see(story):
        return set()
    return {article(story.pk), author_list(byline.author_id), SITEMAP}


def affects_tagging(link: TaggedArticle, **_) -> set[str]:
    try:
        story = link.content_object
    except ObjectDoesNotExist:
        return set()
    if not reader_could_see(story):
        return set()
    # A tag with its first published story gets a page: a cached 404 goes.
    return {article(story.pk), tag_list(link.tag_id), SITEMAP, MISSING}


def affects_correction(correction: Correction, **_) -> set[str]:
    story = _article_or_none(correction)
    if story is None or not reader_could_see(story):
        return set()
    return {article(story.pk), CORRECTIONS}


def affects_redirect(redirect: ArticleRedirect, **_) -> set[str]:
    return {article(redirect.article_id), MISSING}


def affects_photo(picture: Photo, **_) -> set[str]:
    return {photo(picture.pk)}


def affects_agency(outlet: Agency, **_) -> set[str]:
    return {agency(outlet.pk)}


def affects_section(subject: Section, **_) -> set[str]:
    # Its name is in every page's navigation; its position orders the front page.
    return {section(subject.pk), section_list(subject.pk), NAV, FRONT, SITEMAP, MISSING}


def affects_tag(subject: Tag, *, created, **_) -> set[str]:
    if created:
        return set()  # no published story carries it yet: readers cannot see it
    return {tag(subject.pk), tag_list(subject.pk), SITEMAP, MISSING}


def affects_author(person: Author, **_) -> set[str]:
    return {author(person.pk), author_list(person.pk), SITEMAP, MISSING}


def affects_author_link(link: AuthorLink, **_) -> set[str]:
    return {author(link.author_id)}


def affects_slot(slot: FrontPageSlot, **_) -> set[str]:
    return {FRONT}


def affects_banner(banner: BreakingNews, **_) -> set[str]:
    return {BANNER}


def watch_all() -> None:
    """Register every model readers can see (called once, from ArticlesConfig.ready).
    tests/site/test_surrogate_keys.py fails for a model of ours that is neither here nor
    listed there as invisible to readers."""
    surrogate.watch(Article, affects_article, before=_before)
    surrogate.watch_m2m(Article._meta.get_field("sections"), affects_article_sections)
    surrogate.watch_m2m(Article._meta.get_field("agencies"), affects_article_agencies)
    surrogate.watch(Byline, affects_byline)
    surrogate.watch(TaggedArticle, affects_tagging)
    surrogate.watch(Correction, affects_correction)
    surrogate.watch(ArticleRedirect, affects_redirect)
    surrogate.watch(Photo, affects_photo)
    surrogate.watch(Agency, affects_agency)
    surrogate.watch(Section, affects_section)
    surrogate.watch(Tag, affects_tag)
    surrogate.watch(Author, affects_author)
    surrogate.watch(AuthorLink, affects_author_link)
    surrogate.watch(FrontPageSlot, affects_slot)
    surrogate.watch(BreakingNews, affects_banner)
