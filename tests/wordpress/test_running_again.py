"""Running the import again updates what changed in WordPress and duplicates nothing."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from taggit.models import Tag

from articles import services
from articles.models import Article, EventAction, Status
from authors.models import Author
from tests.wordpress.builder import Post, write, wxr
from wordpress.models import ImportedPost

pytestmark = pytest.mark.django_db


def run(tmp_path, *posts, **options) -> str:
    out = io.StringIO()
    options.setdefault("sections", "News=Politics")
    call_command(
        "import_wordpress",
        str(write(tmp_path, wxr(*posts))),
        by="editor",
        quiet=True,
        stdout=out,
        **options,
    )
    return out.getvalue()


def article(wp_id) -> Article:
    return ImportedPost.objects.get(wp_id=wp_id).article


def test_a_post_changed_in_wordpress_is_updated_in_place(editor, tmp_path):
    run(tmp_path, Post(1, slug="vote", title="Vote delayed"))
    first = article(1)
    assert first.is_visible()
    assert first.events.filter(action=EventAction.PUBLISHED, note="Imported from WordPress")

    report = run(tmp_path, Post(1, slug="vote", title="Vote delayed again", content="New text."))
    assert "Imported: 0 new, 1 updated, 0 unchanged" in report
    updated = article(1)
    assert updated.pk == first.pk and Article.objects.count() == 1
    assert updated.headline == "Vote delayed again"
    assert updated.body == "<p>New text.</p>"
    assert updated.published_at == first.published_at  # the original date stays


def test_a_draft_published_later_in_wordpress_is_published_and_back(editor, tmp_path):
    run(tmp_path, Post(1, slug="vote", status="draft"))
    assert article(1).status == Status.DRAFT
    run(tmp_path, Post(1, slug="vote", status="publish"))
    assert article(1).is_visible()
    run(tmp_path, Post(1, slug="vote", status="private"))
    assert article(1).status == Status.DRAFT
    assert article(1).events.filter(action=EventAction.UNPUBLISHED).exists()


def test_a_story_edited_on_the_desk_is_not_overwritten(editor, tmp_path):
    run(tmp_path, Post(1, slug="vote", title="Vote delayed"))
    story = article(1)
    story.headline = "Vote delayed: our own headline"
    services.save_article(story, by=editor, expected_version=story.version)
    report = run(tmp_path, Post(1, slug="vote", title="Vote delayed (WordPress edit)"))
    assert "edited on the desk since it was imported; left as it is" in report
    assert article(1).headline == "Vote delayed: our own headline"


def test_unmapped_categories_can_be_only_reported(editor, tmp_path):
    post = Post(1, slug="x", categories=[("news", "News"), ("misc", "Misc")])
    report = run(tmp_path, post, unmapped_categories="report")
    assert "Categories not mapped to a section: Misc ×1." in report
    assert not Tag.objects.filter(name="Misc").exists()
    assert list(article(1).sections.values_list("name", flat=True)) == ["Politics"]


def test_posts_without_a_mapped_category_go_to_the_default_section(editor, tmp_path):
    run(tmp_path, Post(1, slug="x", categories=[]), sections="", default_section="world")
    assert article(1).primary_section.slug == "world"


def test_authors_are_created_once_and_desk_accounts_only_when_asked(editor, tmp_path):
    run(tmp_path, Post(1, slug="a"), Post(2, slug="b"))
    assert list(Author.objects.values_list("name", flat=True)) == ["Amina Yusuf"]
    assert not User.objects.filter(username="amina").exists()
    run(tmp_path, Post(1, slug="a"), Post(2, slug="b"), create_users=True)
    amina = Author.objects.get()
    assert amina.user.username == "amina"
    assert not amina.user.has_usable_password()
    assert list(amina.user.groups.values_list("name", flat=True)) == ["Journalist"]
