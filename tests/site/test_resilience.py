"""The site keeps serving when parts fail: Redis down, PostgreSQL refusing or restarting.

Each test starts its own servers (tests/services.py); the machine's are never touched."""

import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import psycopg
import pytest
from django.core.cache import caches

from tests.factories import make_article
from tests.services import PostgresServer, redis_server, site_on_postgres
from tests.support import fetch

pytestmark = pytest.mark.django_db


def test_redis_going_down_costs_readers_nothing(client, settings, tmp_path, editor):
    with redis_server(tmp_path) as redis:
        settings.CACHES = {
            "default": {"BACKEND": "newsroom.cache.TolerantRedisCache", "LOCATION": redis.url,
                         "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}},
        }  # fmt: skip
        settings.PAGE_CACHE_SECONDS = 300
        article = make_article("Still readable")
        assert client.get("/")["X-Page-Cache"] == "miss"
        assert client.get("/")["X-Page-Cache"] == "hit"  # Redis really is the cache
        redis.stop()

        started = time.monotonic()
        for url in ("/", article.get_absolute_url(), "/feed/", "/section/politics/"):
            response = client.get(url)
            assert response.status_code == 200, url
        assert time.monotonic() - started < 2.0  # no connect timeout per call
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["checks"] == {"database": "ok", "cache": "unavailable", "media": "ok"}

        login = client.post("/admin/login/", {"username": "editor", "password": "pw"})
        assert login.status_code == 302
        assert client.get("/admin/").status_code == 200
    caches["default"].close()


@pytest.fixture
def site_on_own_postgres(tmp_path):
    with site_on_postgres(tmp_path) as site:
        yield site


def test_healthz_opens_a_fresh_connection(site_on_own_postgres):
    postgres, base = site_on_own_postgres.postgres, site_on_own_postgres.base
    assert fetch(f"{base}/")[0] == 200  # the worker now holds a persistent connection
    # "smart" shutdown: existing sessions go on, new clients are refused.
    postgres.stop("smart", wait=False)
    status, _, body = fetch(f"{base}/healthz")
    assert status == 503
    assert json.loads(body)["checks"]["database"] == "unavailable"


def test_postgres_restart_fails_fast_and_recovers_by_itself(site_on_own_postgres):
    postgres, base = site_on_own_postgres.postgres, site_on_own_postgres.base
    assert fetch(f"{base}/")[0] == 200
    postgres.stop("fast")
    started = time.monotonic()
    status, headers, body = fetch(f"{base}/")
    assert status == 503, body[:300]
    assert headers["Retry-After"]
    assert time.monotonic() - started < 5  # fails fast, does not hang
    postgres.start()
    deadline = time.monotonic() + 15
    while fetch(f"{base}/")[0] != 200:  # no restart of the app
        assert time.monotonic() < deadline, "the site did not recover within 15 s"
        time.sleep(0.2)
    assert fetch(f"{base}/healthz")[0] == 200


# --- the desk during a database outage (issue 14, item 16) ----------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


def send(url: str, *, cookies: dict[str, str], data: list[tuple[str, str]] | None = None):
    """(status, headers, text) of a GET, or of a POST of `data`, as a signed-in browser."""
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(data).encode() if data is not None else None,
        headers={"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())},
    )
    try:
        with urllib.request.build_opener(_NoRedirects).open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class FormFields(HTMLParser):
    """The name/value pairs a browser sends for the form `form_id`, its Save button pressed."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = [("_save", "Save")]
        self._textarea: str | None = None
        self._text = ""
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name") and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((attrs["name"], attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "textarea" and attrs.get("name"):
            self._textarea, self._text = attrs["name"], ""
        elif tag == "select" and attrs.get("name"):
            self._select, self._options = (attrs["name"], "multiple" in attrs), []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value") or "", "selected" in attrs))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]  # what a browser sends with nothing selected
            self.fields += [(name, value) for value in chosen]
            self._select = None


def form_fields(html: str, form_id: str, **changes: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    assert len(parser.fields) > 1, f"no form {form_id!r} in the page"
    return [(name, changes.get(name, value)) for name, value in parser.fields]


def headline_in_database(postgres: PostgresServer, pk: int) -> str:
    with psycopg.connect(postgres.url) as connection:
        row = connection.execute("SELECT headline FROM articles_article WHERE id = %s", [pk])
        return row.fetchone()[0]


def test_desk_save_during_database_outage_says_so_and_the_retry_works(site_on_own_postgres):
    site = site_on_own_postgres
    # An editor signed in, and a story on the desk (made against the site's own database).
    pk, session = site.run(
        "from django.test import Client\n"
        "editor = factories.make_user('editor', 'Editor')\n"
        "client = Client(); client.force_login(editor)\n"
        "story = factories.make_article('Before the outage')\n"
        "result = [story.pk, client.cookies['sessionid'].value]"
    )
    csrf = secrets.token_hex(16)  # 32 characters: a valid CSRF secret, sent as cookie and field
    cookies = {"sessionid": session, "csrftoken": csrf}
    form_url = f"{site.base}/admin/articles/article/{pk}/change/"
    status, _, page = send(form_url, cookies=cookies)
    assert status == 200, page[:300]
    typed = form_fields(page, "article_form", headline="Typed during the outage")
    typed = [(n, csrf if n == "csrfmiddlewaretoken" else v) for n, v in typed]

    site.postgres.stop("fast")
    status, headers, page = send(form_url, cookies=cookies, data=typed)
    assert status == 503, page[:300]
    assert headers["Retry-After"] and "no-store" in headers["Cache-Control"]
    assert "Your changes were not saved" in page
    assert "Your text is safe in this browser" in page
    assert "We will be right back" not in page  # not the readers' page
    retry = re.search(r'<a class="button" href="([^"]+)">Open the form again</a>', page)
    assert retry and retry.group(1) == f"/admin/articles/article/{pk}/change/"
    # Going Back asks for the form again (the desk's pages are never cached): while the
    # database is away that is a page of its own, with a way to try again.
    status, _, page = send(form_url, cookies=cookies)
    assert status == 503
    assert "The desk cannot reach its database just now" in page
    assert "Your changes were not saved" not in page
    assert ">Try again</a>" in page

    site.postgres.start()
    assert headline_in_database(site.postgres, pk) == "Before the outage"  # nothing saved
    deadline = time.monotonic() + 15
    while (answer := send(site.base + retry.group(1), cookies=cookies))[0] != 200:
        assert time.monotonic() < deadline, f"the form did not come back: {answer[2][:300]}"
        time.sleep(0.2)
    page = answer[2]
    assert 'id="article_form"' in page and "data-autosave-offer" in page  # the browser copy
    # The form works: the same text saved now goes through.
    status, headers, _ = send(form_url, cookies=cookies, data=typed)
    assert status == 302, headers
    assert headline_in_database(site.postgres, pk) == "Typed during the outage"


# --- the log during an outage (issue 14, item 17) --------------------------------------


def log_records(log: str) -> list[str]:
    """The site's log records (LOGGING in settings: each begins with its time)."""
    return re.findall(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ .*$", log, flags=re.MULTILINE)


def test_database_outage_is_logged_once_in_full_then_one_line_when_it_is_back(
    site_on_own_postgres,
):
    site = site_on_own_postgres
    assert fetch(f"{site.base}/")[0] == 200
    site.postgres.stop("fast")
    for number in range(100):
        assert fetch(f"{site.base}/section/politics/?n={number}")[0] == 503
    during = site.log.read_text()
    failures = [line for line in log_records(during) if " django.request: " in line]
    # One kind of failure, one record: before, each 503 wrote its chained tracebacks (~6 KB).
    assert len(failures) == 1, failures
    assert "ERROR django.request: Service Unavailable: /section/politics/" in failures[0]
    assert during.count("Traceback (most recent call last)") >= 1  # in full, once
    assert len(during) < 20_000

    site.postgres.start()
    deadline = time.monotonic() + 15
    while fetch(f"{site.base}/")[0] != 200:
        assert time.monotonic() < deadline, "the site did not recover within 15 s"
        time.sleep(0.2)
    after = log_records(site.log.read_text()[len(during) :])
    back = [line for line in after if "Database reachable again" in line]
    assert len(back) == 1, after
    assert re.search(
        r"INFO newsroom.views: Database reachable again \[after \d+ s and \d+ failures\]", back[0]
    )
