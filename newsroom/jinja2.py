"""The Jinja2 environment for the readers' pages.

Readers' pages are rendered with Jinja2 (the admin keeps Django's templates): it renders
the same markup several times faster, which is most of a page's cost when it is not
served from the cache (docs/decisions.md). Helpers shared with Python code live in
articles/rendering.py and are exposed here under the same names.

A name a template does not know renders as an empty string here; in tests it is an error
(StrictUndefined, tests/conftest.py), so a typo fails the test that renders the page. In
production a reader still gets the page rather than a 500 for one missing value. A name a
template may legitimately lack (a search page's `query`) is tested with `is defined`."""

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import linebreaks
from django.utils.text import Truncator
from jinja2 import Environment, Undefined
from markupsafe import Markup

from articles import rendering as helpers


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def truncatewords(value, count: int) -> str:
    return Truncator(str(value or "")).words(count, truncate="…")


def pluralize(count: int, forms: str = ",s") -> str:
    singular, _, plural = forms.partition(",")
    return singular if count == 1 else plural


def environment(**options) -> Environment:
    options.setdefault("undefined", Undefined)
    env = Environment(**options)
    env.globals.update(static=static, url=url, picture=helpers.render_picture,
                       timestamp=helpers.timestamp)  # fmt: skip
    env.filters.update(
        and_list=helpers.and_list,
        safe_url=helpers.safe_url,
        linebreaks=lambda value: Markup(linebreaks(str(value or ""), autoescape=True)),
        truncatewords=truncatewords,
        pluralize=pluralize,
    )
    return env
