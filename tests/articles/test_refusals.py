"""Who may do what is asked of articles/permissions.py only, and a refusal reads the same
on a workflow page as from the service behind it (issue 15, item 8)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from articles import services
from articles.admin import workflow
from articles.models import Article, Status
from articles.permissions import NotAllowed
from tests.factories import make_article, make_author
from tests.support import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_story_in_review(journalist):
    author = make_author(user=journalist)
    return make_article("Bridge repairs", status=Status.REVIEW, authors=[author],
                        created_by=journalist)  # fmt: skip


@pytest.fixture
def someone_elses_live_story():
    return make_article("Harbour reopens")


# (the page, how it is asked, the service it calls, which story)
STEPS = [
    ("submit", "post", lambda story, by: services.submit(story, by=by), "own_story_in_review"),
    ("publish", "get", lambda story, by: services.publish(story, by=by), "own_story_in_review"),
    ("return", "get",
     lambda story, by: services.return_to_journalist(story, by=by, note="Shorter, please."),
     "own_story_in_review"),
    ("unpublish", "get", lambda story, by: services.unpublish(story, by=by),
     "someone_elses_live_story"),
    ("correct", "get",
     lambda story, by: services.add_correction(story, by=by, text="The harbour is in Kiel."),
     "someone_elses_live_story"),
    ("share", "post", lambda story, by: services.revoke_preview_links(story, by=by),
     "someone_elses_live_story"),
]  # fmt: skip


@pytest.mark.parametrize(("step", "method", "service", "story"), STEPS, ids=[s[0] for s in STEPS])
def test_a_workflow_page_refuses_in_the_words_of_its_service(
    request, journalist, step, method, service, story
):
    story = request.getfixturevalue(story)
    page = getattr(workflow, f"{step}_view")
    asked = getattr(RequestFactory(), method)("/", {"revoke": "1"} if step == "share" else {})
    asked.user = journalist

    with pytest.raises(NotAllowed) as by_page:
        page(asked, story.pk, admin.site._registry[Article])
    with pytest.raises(NotAllowed) as by_service:
        service(story, journalist)
    assert str(by_page.value) == str(by_service.value)
    assert str(by_page.value)  # it says why


def test_only_the_permission_module_asks_for_django_permissions():
    rules = ROOT / "articles" / "permissions.py"
    askers = [
        str(path.relative_to(ROOT))
        for folder in ("articles", "authors", "newsroom")
        for path in (ROOT / folder).rglob("*.py")
        if path != rules and ".has_perm(" in path.read_text()
    ]
    assert askers == []
