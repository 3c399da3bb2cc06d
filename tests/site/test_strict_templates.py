"""In tests, a readers' template that names something its context lacks fails loudly."""

from types import SimpleNamespace

import pytest
from django.template import engines
from jinja2 import UndefinedError


def test_a_typo_in_a_readers_template_fails_the_test():
    template = engines["jinja2"].from_string("<h1>{{ article.headlin }}</h1>")
    with pytest.raises(UndefinedError, match="headlin"):
        template.render({"article": SimpleNamespace(headline="Harbour pilots strike")})


def test_a_name_a_template_may_lack_is_asked_for_with_is_defined():
    template = engines["jinja2"].from_string(
        "{{ query.text if query is defined and query else 'none' }}"
    )
    assert template.render({}) == "none"
    assert template.render({"query": SimpleNamespace(text="harbour")}) == "harbour"
