"""WordPress's own Theme Unit Test export, imported as CI imports it: counts checked against
the file, every old address of every imported post, and a second run that changes nothing.

The file's attachments live on hosts that cannot be reached here: the import must finish
quickly with the gaps reported."""

import io
import time
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from taggit.models import Tag

from articles.models import Article, ArticleEvent, ArticleRedirect, Photo, Section, Status
from authors.models import Author
from tests.wordpress.builder import THEME_UNIT_TEST
from wordpress.models import ImportedPost, ImportedTerm

pytestmark = pytest.mark.django_db

WP = "{https://wordpress.org/export/1.2/}"
MAPPING = "Markup=Politics,Post Formats=World,Uncategorized=World"


def _file_facts() -> dict:
    """The counts, read from the file with the standard library, not with our reader."""
    if not THEME_UNIT_TEST.is_file():
        pytest.fail(
            f"The Theme Unit Test export is not at {THEME_UNIT_TEST}: check out the project "
            "beside ../shared, or set WORDPRESS_THEME_UNIT_TEST to its path."
        )
    channel = ET.parse(THEME_UNIT_TEST).getroot().find("channel")
    items = channel.findall("item")
    posts = [i for i in items if i.findtext(f"{WP}post_type") == "post"]
    return {
        "posts": posts,
        "attachments": [i for i in items if i.findtext(f"{WP}post_type") == "attachment"],
        "categories": channel.findall(f"{WP}category"),
        "tags": channel.findall(f"{WP}tag"),
    }


def _import(stdout=None, **extra):
    call_command(
        "import_wordpress",
        str(THEME_UNIT_TEST),
        by="editor",
        sections=MAPPING,
        default_section="World",
        quiet=True,
        stdout=stdout or io.StringIO(),
        **extra,
    )


def _state() -> tuple:
    """Everything a second run could change."""
    return (
        list(Article.objects.order_by("pk").values_list("pk", "version", "status", "slug")),
        ArticleEvent.objects.count(),
        ArticleRedirect.objects.count(),
        Photo.objects.count(),
        Author.objects.count(),
        Tag.objects.count(),
        ImportedTerm.objects.count(),
        list(ImportedPost.objects.order_by("pk").values_list("pk", "fingerprint")),
    )


def test_theme_unit_test_imports_with_counts_from_the_file(editor):
    facts = _file_facts()
    assert len(facts["posts"]) == 58
    assert len(facts["attachments"]) == 37
    assert len(facts["categories"]) == 68
    assert len(facts["tags"]) == 110

    out = io.StringIO()
    started = time.monotonic()
    _import(stdout=out)
    # Unreachable media hosts cost no timeouts (35 files × 5 s would be three minutes): a
    # host that failed is not tried again. A few seconds on a quiet machine; the bound
    # leaves room for a busy CI runner's database.
    assert time.monotonic() - started < 120
    report = out.getvalue()

    untitled = [p for p in facts["posts"] if not (p.findtext("title") or "").strip()]
    assert len(untitled) == 1
    assert Article.objects.count() == len(facts["posts"]) - len(untitled) == 57
    assert "(no title): it has no title" in report

    public_in_wordpress = {
        int(p.findtext(f"{WP}post_id"))
        for p in facts["posts"]
        if p.findtext(f"{WP}status") == "publish"
        and not (p.findtext(f"{WP}post_password") or "")
        and (p.findtext("title") or "").strip()
    }
    published = {
        post.wp_id: post.article
        for post in ImportedPost.objects.select_related("article")
        if post.article.status == Status.PUBLISHED
    }
    # Published posts keep their dates; the two without a text or standfirst cannot pass
    # the desk's preflight and stay drafts, reported.
    assert set(published) <= public_in_wordpress
    assert len(public_in_wordpress - set(published)) == 2
    assert "Post Format: Image" in report and "Edge Case: No Content" in report
    hello = published[1178]  # "Markup: HTML Tags and Formatting"
    assert hello.published_at.isoformat() == "2013-01-12T03:22:19+00:00"  # its GMT date
    assert hello.slug == "markup-html-tags-and-formatting"

    # Titles are plain text: markup stripped, entities read.
    assert ImportedPost.objects.get(wp_id=1173).article.headline == "Markup: Title With Markup"
    special = ImportedPost.objects.get(wp_id=1174).article.headline
    assert special.endswith("&*()-_=+{}[]/\\;:'\"?,.>")

    # Drafts, scheduled and password-protected posts are drafts, never public.
    for wp_id in (1164, 1153, 1168):
        article = ImportedPost.objects.get(wp_id=wp_id).article
        assert article.status == Status.DRAFT
        assert not Article.objects.published().filter(pk=article.pk).exists()

    # Categories: mapped ones to sections, the others to tags; all of WordPress's tags.
    politics = Section.objects.get(name="Politics")
    markup = ImportedPost.objects.get(wp_id=1178).article
    assert markup.primary_section == politics
    # (a tag and a category of the same name, "Media" and "media", are one tag)
    tag_names = {t.findtext(f"{WP}tag_name").lower() for t in facts["tags"]}
    assert tag_names <= {name.lower() for name in Tag.objects.values_list("name", flat=True)}
    assert ImportedTerm.objects.filter(section__isnull=False).count() == 3
    assert "Categories not mapped to a section:" in report

    # Every attachment host is unreachable: imported without photos, each gap reported.
    assert Photo.objects.count() == 0
    assert report.count("could not be reached") == 35  # the 37 minus two audio files
    assert "Embeds kept as links: 8" in report
    assert "Shortcodes removed: gallery ×12, audio ×1." in report


def test_every_old_address_of_every_published_post_answers_301_to_a_live_page(client, editor):
    _import()
    checked = 0
    for post in ImportedPost.objects.select_related("article"):
        article = post.article
        paths = list(article.redirects.values_list("old_path", flat=True))
        assert f"/?p={post.wp_id}" in paths
        for path in paths:
            response = client.get(path)
            if article.is_visible():
                assert response.status_code == 301, path
                assert response["Location"] == article.get_absolute_url()
                assert client.get(response["Location"]).status_code == 200
                checked += 1
            else:  # a draft's old address does not reveal that it exists
                assert response.status_code == 404, path
    assert checked > 150


def test_a_second_run_changes_nothing(editor):
    _import()
    before = _state()
    out = io.StringIO()
    _import(stdout=out)
    assert _state() == before
    assert "Imported: 0 new, 0 updated, 57 unchanged" in out.getvalue()
