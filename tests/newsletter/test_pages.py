"""The readers' newsletter pages: a fixed number of queries however many sections and
subscribers there are, and the form on the front page and article pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsletter import mail
from newsletter.models import Subscriber
from tests import factories
from tests.newsletter.conftest import link

pytestmark = pytest.mark.django_db

# The content version and, right after a change, the navigation's sections and banner
# (cached afterwards). The subscribe POST adds the sections it names, the two rate-limit
# counts (each a transaction: a delete of expired counters, a read or insert, an update, a
# read) and the confirmation task.
BUDGETS = {"page": 3, "unsubscribe": 3, "subscribe": 17}


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
    for _ in range(2):
        assert queries(lambda: client.get("/newsletter/")) <= BUDGETS["page"]
        assert queries(lambda: client.get(unsubscribe)) <= BUDGETS["unsubscribe"]
        assert queries(lambda: client.post("/newsletter/subscribe/", data)) <= BUDGETS["subscribe"]


def test_the_form_is_on_the_front_page_and_article_pages(client):
    article = factories.make_article()
    for path, source in [("/", "front page"), (article.get_absolute_url(), "article")]:
        html = client.get(path).content.decode()
        assert 'action="/newsletter/subscribe/"' in html, path
        assert f'name="source" value="{source}"' in html, path
        assert 'name="sections" value="politics"' in html, path
