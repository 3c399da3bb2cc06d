"""The readers' newsletter pages: a fixed number of queries however many sections and
subscribers there are, and the form on the front page and article pages."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsletter import mail
from newsletter.models import Subscriber
from tests import factories
from tests.newsletter.conftest import link

pytestmark = pytest.mark.django_db

# (budget once the page's parts are kept, budget right after a change). Right after a change
# a page reads the next scheduled change (four queries) and the navigation and banner (two),
# as every readers' page does (tests/articles/test_query_budgets.py); then nothing. The
# subscribe POST adds the sections it names, the two rate-limit counts (each a transaction:
# a delete of expired counters, a read or insert, an update, a read) and the confirmation
# task.
BUDGETS = {"page": (0, 6), "unsubscribe": (0, 6), "subscribe": (14, 16)}


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def queries(make_request) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert make_request().status_code == 200
    return len(captured)


def test_the_newsletter_pages_keep_their_query_budget(client, task_queue):
    factories.make_articles(5)
    subscriber = Subscriber.objects.create(email="a@example.com", wants_briefing=True)
    unsubscribe = link(mail.unsubscribe_url(subscriber), "/newsletter/unsubscribe/")
    data = {"email": "r@example.com", "briefing": "on", "sections": ["politics", "world"]}
    for name, request in [
        ("page", lambda: client.get("/newsletter/")),
        ("unsubscribe", lambda: client.get(unsubscribe)),
        ("subscribe", lambda: client.post("/newsletter/subscribe/", data)),
    ]:
        cache.clear()  # as after a change
        after_change, kept = queries(request), queries(request)
        assert kept <= BUDGETS[name][0], name
        assert after_change <= BUDGETS[name][1], name


def test_the_form_is_on_the_front_page_and_article_pages(client):
    article = factories.make_article()
    for path, source in [("/", "front page"), (article.get_absolute_url(), "article")]:
        html = client.get(path).content.decode()
        assert 'action="/newsletter/subscribe/"' in html, path
        assert f'name="source" value="{source}"' in html, path
        assert 'name="sections" value="politics"' in html, path
