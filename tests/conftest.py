import pytest
from django.contrib.auth.models import Group
from django.template import engines
from jinja2 import StrictUndefined

from tests import factories


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast password hashing and a throw-away media folder for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, scope="session")
def _strict_templates():
    """In tests a name a readers' template does not know is an error, not an empty string:
    a typo fails the test that renders the page (production stays lenient, see
    newsroom/jinja2.py)."""
    environment = engines["jinja2"].env
    lenient = environment.undefined
    environment.undefined = StrictUndefined
    yield
    environment.undefined = lenient


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from articles import context_processors

    # Each test's transaction is rolled back, but nothing purges the pages and chrome it
    # cached: the next test's rows would come under the same ids.
    cache.clear()
    context_processors.forget()
    yield
    cache.clear()
    context_processors.forget()


@pytest.fixture
def journalist(db):
    return factories.make_user("journalist", "Journalist")


@pytest.fixture
def other_journalist(db):
    return factories.make_user("other", "Journalist")


@pytest.fixture
def editor(db):
    return factories.make_user("editor", "Editor")


@pytest.fixture
def superuser(db):
    return factories.make_user("admin", None, is_superuser=True)


@pytest.fixture
def journalist_client(client, journalist):
    client.force_login(journalist)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def groups(db):
    return {group.name: group for group in Group.objects.all()}
