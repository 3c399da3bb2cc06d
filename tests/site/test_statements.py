"""Search is planned for its words; everything else may use prepared statements."""

import pytest
from django.db import connection

from articles.models import Article
from newsroom.statements import planned_each_time
from tests.factories import make_article, section

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's prepared statements")
def test_nothing_is_prepared_inside_and_the_setting_comes_back_after():
    connection.ensure_connection()
    before = connection.connection.prepare_threshold
    assert before is not None  # settings: DB_PREPARED_STATEMENTS is on by default
    with pytest.raises(ZeroDivisionError), planned_each_time():
        assert connection.connection.prepare_threshold is None
        1 / 0  # noqa: B018
    assert connection.connection.prepare_threshold == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's prepared statements")
def test_search_pages_are_never_prepared_and_lists_are(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    make_article("Harbour pilots strike at dawn", primary_section=section("world"))
    for _ in range(8):
        assert client.get("/search/", {"q": "harbour pilots"}).status_code == 200
        assert client.get("/section/world/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert prepared  # the section page's statements were prepared
    assert not [statement for statement in prepared if "tsquery" in statement]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="elsewhere: not PostgreSQL")
def test_elsewhere_it_changes_nothing(django_assert_num_queries):
    connection.ensure_connection()
    raw = connection.connection
    with django_assert_num_queries(0), planned_each_time():  # nothing of its own
        assert connection.connection is raw
    with planned_each_time():  # the block runs, its work stays, on the same connection
        article = make_article("Quiet day")
    assert connection.connection is raw
    assert Article.objects.filter(pk=article.pk, headline="Quiet day").exists()
    with pytest.raises(ZeroDivisionError), planned_each_time():  # and errors pass through
        1 / 0  # noqa: B018


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's prepared statements")
@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request's first query
def test_a_dead_connection_is_replaced_before_the_setting_is_changed():
    connection.ensure_connection()
    connection.connection.close()  # PostgreSQL restarted, say
    connection.health_check_done = False
    with planned_each_time():
        assert connection.connection.prepare_threshold is None
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert connection.connection.prepare_threshold is None  # the same connection
