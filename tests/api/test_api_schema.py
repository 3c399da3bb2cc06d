"""schemathesis against the API's own OpenAPI schema, in-process through the WSGI app:
every endpoint and every parameter, with values that fit the schema and values that do
not; no 5xx, no answer that breaks the schema, bad input refused with a 4xx.

The operations are walked inside one test (rather than schemathesis's pytest fixture
loader, which pytest 9 breaks: `request.node._nodeid`), each with a few examples per mode,
so the whole run takes seconds on SQLite and PostgreSQL."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import make_article, make_author, make_photo, section

pytestmark = pytest.mark.django_db

EXAMPLES = 10


@pytest.fixture
def api_schema(settings):
    settings.API_RATE_LIMIT = 0
    settings.PAGE_CACHE_SECONDS = 0
    author = make_author("Schema Author")
    photo = make_photo(renditions=True, size=(900, 600))
    for n in range(3):
        make_article(f"Story {n}", authors=[author], tags=["alpha", "beta"], lead_photo=photo,
                     primary_section=section("world"))  # fmt: skip
    # As Django's test client does: the test's transaction (and connection) must outlive
    # each request, which otherwise closes the connection when it finishes.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_endpoint_keeps_to_its_schema(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10  # every endpoint, not an empty walk
    checked = []
    for operation in operations:
        # An operation without parameters has no invalid request to make.
        has_parameters = bool(operation.definition.raw.get("parameters"))
        modes = [GenerationMode.POSITIVE] + [GenerationMode.NEGATIVE] * has_parameters
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def run(case):
                # Every check but "schema-valid data is accepted": a cursor is an opaque
                # token (any string fits its schema, only ours decode) and a moment can fit
                # "date-time" yet lie outside the years a database holds; both are 400s.
                response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
                assert response.status_code < 500, (case.path, case.query)

            run()
            checked.append((operation.label, mode))
    assert {label for label, _mode in checked} == {op.label for op in operations}
    assert sum(mode == GenerationMode.NEGATIVE for _label, mode in checked) >= 8
