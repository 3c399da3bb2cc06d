"""Bad input gets a clear message and a non-zero exit, never a traceback, and a failed run
leaves the database as it was."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError

from articles import services
from articles.models import Article, ArticleRedirect
from authors.models import Author
from tests.wordpress.builder import THEME_UNIT_TEST, Post, write, wxr
from wordpress.models import ImportedPost

pytestmark = pytest.mark.django_db


def run(path, **options):
    out = io.StringIO()
    options.setdefault("by", "editor")
    options.setdefault("sections", "News=Politics")
    call_command("import_wordpress", str(path), quiet=True, stdout=out, **options)
    return out.getvalue()


def refused(path, **options) -> str:
    with pytest.raises(CommandError) as raised:
        run(path, **options)
    assert Article.objects.count() == 0
    assert Author.objects.count() == 0
    assert ArticleRedirect.objects.count() == 0
    return str(raised.value)


def test_a_truncated_export_is_refused_before_anything_is_written(editor, tmp_path):
    data = THEME_UNIT_TEST.read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) * 2 // 3])  # posts before the cut are readable
    message = refused(path, default_section="World")
    assert "ends too early" in message and "Nothing was imported" in message


def test_a_file_that_is_not_a_wordpress_export_is_refused(editor, tmp_path):
    html = write(tmp_path, "<html><body><p>Hello</p></body></html>")
    assert "is not a WordPress export (WXR): it starts with <html>" in refused(html)
    rss = write(
        tmp_path, '<rss version="2.0"><channel><item><title>x</title></item></channel></rss>'
    )
    assert "it has no <wp:wxr_version>" in refused(rss)
    text = write(tmp_path, "post,title\n1,Hello\n")
    assert "is not well-formed XML" in refused(text)
    empty = write(tmp_path, "")
    assert "ends too early" in refused(empty)


def test_an_unknown_encoding_is_refused(editor, tmp_path):
    export = wxr(Post(1)).replace('encoding="UTF-8"', 'encoding="x-klingon"')
    assert "declares a character encoding Python cannot read" in refused(write(tmp_path, export))


def test_an_export_with_entity_declarations_is_refused(editor, tmp_path):
    bomb = wxr(Post(1, title="&lol2;")).replace(
        "<rss ",
        '<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<rss ',
        1,
    )
    assert "refused for safety" in refused(write(tmp_path, bomb))


def test_a_missing_file_and_a_wrong_account_are_clear(editor, journalist, tmp_path):
    assert "does not exist" in refused(tmp_path / "nowhere.xml")
    path = write(tmp_path, wxr(Post(1)))
    assert "is not an editor" in refused(path, by="journalist")
    assert "There is no active account “ghost”" in refused(path, by="ghost")
    assert "There is no section “Sport”" in refused(path, sections="News=Sport")
    assert "not “WordPress category=Our section”" in refused(path, sections="News")


def test_published_posts_without_a_section_need_a_default_section(editor, tmp_path):
    path = write(tmp_path, wxr(Post(1, categories=[("misc", "Misc")])))
    message = refused(path)
    assert "1 published posts have no category mapped to a section" in message
    assert "--default-section" in message


def test_a_post_without_a_title_and_a_post_with_10000_tags_are_skipped_with_reasons(
    editor, tmp_path
):
    many = [(f"t{i}", f"Tag {i}") for i in range(10_000)]
    path = write(
        tmp_path,
        wxr(Post(1, title=""), Post(2, title="Tagged to death", tags=many), Post(3, slug="fine")),
    )
    report = run(path)
    assert "post 1 (no title): it has no title" in report
    assert "post 2 “Tagged to death”: it has 10,000 tags; a story can have at most 200" in report
    assert list(Article.objects.values_list("slug", flat=True)) == ["fine"]


def test_all_or_nothing_rolls_every_post_back(editor, tmp_path, monkeypatch):
    path = write(tmp_path, wxr(Post(1, slug="one"), Post(2, slug="two"), Post(3, slug="three")))
    real = services.publish_imported
    calls = []

    def fail_on_the_second(article, **kwargs):
        calls.append(article.slug)
        if len(calls) == 2:
            raise DatabaseError("disk full")
        return real(article, **kwargs)

    monkeypatch.setattr(services, "publish_imported", fail_on_the_second)
    message = refused(path, atomic=True)
    assert "could not be imported (disk full); nothing was imported" in message
    assert ImportedPost.objects.count() == 0

    # Post by post (the default), the failed post is rolled back alone and reported; a
    # second run resumes with it.
    calls.clear()
    report = run(path)
    assert "post 2 “A story”: not imported: disk full" in report
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["one", "three"]
    monkeypatch.setattr(services, "publish_imported", real)
    report = run(path)
    assert "Imported: 1 new, 0 updated, 2 unchanged" in report
    assert Article.objects.published().count() == 3


def test_a_dry_run_reports_and_changes_nothing(editor, tmp_path):
    path = write(tmp_path, wxr(Post(1, slug="one", thumbnail=5), Post(2, status="draft")))
    report = run(path, dry_run=True)
    assert "Dry run: nothing was changed" in report
    assert "create post 1 “A story”" in report and "create post 2 “A story”" in report
    assert Article.objects.count() == 0
    assert Author.objects.count() == 0
