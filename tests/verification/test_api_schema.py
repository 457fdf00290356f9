"""schemathesis against the API's own OpenAPI schema, in-process through WSGI.

Each operation gets a few dozen generated requests (valid and invalid bodies, with a valid key);
no response may be a server error or disagree with the schema: status code, content type,
headers and body. Business-rule refusals of schema-valid input (a code with the wrong purpose
letter, a reason of spaces) are answered with a documented 400, so the "positive data
acceptance" check does not apply and is not run; negative data must still be rejected.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test.utils import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# pytest-django has configured Django before test modules are imported; the schema needs no
# database, only the URL configuration.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@pytest.fixture
def _keep_connection():
    """Requests go straight to the WSGI handler, whose request signals would close the test's
    database connection (on PostgreSQL, mid-transaction); Django's test client unhooks them
    the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_connection")
@override_settings(
    RELOCARD_CHECK_RATE_PER_IP="100000/60", RELOCARD_CHECK_RATE_PER_ORGANISATION="100000/60"
)
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    # An explicit list replaces the suite profile's: keep its too_slow here.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, api_key, card, make_code):
    key, _user = api_key
    case.call_and_validate(headers={"X-API-Key": key}, checks=CHECKS)
