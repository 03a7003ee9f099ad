"""The OpenAPI schema validates, the docs are served from the app (no CDN), and a
property-based fuzz of every endpoint from the schema finds no server error and no answer
that breaks the schema."""

import re

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import schema
from tests.api.conftest import make_feed_token

application = get_wsgi_application()
fuzzed = schemathesis.openapi.from_wsgi("/api/schema/", application)


def test_the_schema_validates_against_openapi_3(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert text.startswith("openapi: 3.")
    for path in [
        "/api/v1/programs/",
        "/api/v1/programs/{code}/",
        "/api/v1/milestones/",
        "/api/v1/indicators/",
        "/api/v1/briefing/",
        "/api/v1/reports/",
        "/api/v1/reports/{id}/",
        "/api/v1/reports/{id}/download/",
    ]:
        assert f"  {path}:" in text
    assert "6,000억원" in text  # the examples carry real figures
    for example in ("예비타당성조사 면제 확정", "160개사", "funding_source_display: 국비"):
        assert example in text  # milestones/, indicators/ and programs/{code}/ have theirs


def shown_in(example, real) -> bool:
    """Whether an (abridged) example is part of a real answer: its keys with the same values,
    its lists the first items of the real ones. Row ids differ from database to database."""
    if isinstance(example, dict):
        return isinstance(real, dict) and all(
            key == "id" or (key in real and shown_in(value, real[key])) for key, value in example.items()
        )
    if isinstance(example, list):
        return isinstance(real, list) and len(example) <= len(real) and all(map(shown_in, example, real))
    return example == real


@pytest.mark.parametrize(
    ("url", "examples"),
    [
        ("/api/v1/briefing/", schema.BRIEFING_EXAMPLES),
        ("/api/v1/programs/NAT-AI-BUDGET-2026/", schema.PROGRAM_DETAIL_EXAMPLES),
        ("/api/v1/milestones/?program=AX-VALLEY", schema.MILESTONE_EXAMPLES),
        ("/api/v1/indicators/?metric=firms", schema.INDICATOR_EXAMPLES),
    ],
)
@pytest.mark.django_db
def test_the_examples_are_what_the_feed_answers_on_the_gwangju_data(gwangju_feed, url, examples):
    [example] = examples
    assert shown_in(example.value, gwangju_feed.get(url).json())


@pytest.mark.django_db
def test_the_docs_are_served_from_the_app_without_a_cdn():
    client = APIClient()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in a for a in assets)
    assert not [a for a in assets if a.startswith(("http://", "https://", "//"))]
    assert "/api/schema/" in html
    assert client.get(next(a for a in assets if a.endswith("swagger-ui-bundle.js"))).status_code == 200
    redoc = client.get("/api/docs/redoc/").content.decode()
    assert "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in redoc


@pytest.fixture
def fuzz_token(frozen_day, gwangju, settings):
    settings.API_THROTTLE_RATE = "100000/min"
    # Requests go through the real WSGI handler; like Django's test client, keep it from
    # closing the test database connection at the start and end of each request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield make_feed_token("fuzz")
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.slow
@fuzzed.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_fuzzing_every_endpoint_finds_no_server_error(case, fuzz_token):
    # A schema-valid briefing query can still ask for an as-of day after today or a `since`
    # after `as_of`: refused with 400 naming the parameter (the help text says so), which the
    # schema cannot express. So can a report asked for (POST /reports/, as_of after today, e.g.
    # the example's 2025-12-31 on the frozen 2025-10-24). Every other endpoint must accept
    # whatever the schema allows.
    dated = case.operation.path == "/api/v1/briefing/" or (
        case.operation.path == "/api/v1/reports/" and case.operation.method.upper() == "POST"
    )
    case.call_and_validate(
        headers={"Authorization": f"Token {fuzz_token}"},
        excluded_checks=[positive_data_acceptance] if dated else [],
    )


@pytest.fixture
def staff_token(fuzz_token, office_staff, settings):
    """A token of office staff, who may ask for reports (the feed's token may not); reports are
    built in-process so every asked-for run reaches an end."""
    from rest_framework.authtoken.models import Token

    settings.REDIS_URL = ""
    return Token.objects.create(user=office_staff).key


@pytest.mark.django_db
@pytest.mark.slow
@fuzzed.include(path_regex="^/api/v1/reports/").parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_fuzzing_the_reports_endpoints_as_office_staff_finds_no_server_error(case, staff_token):
    # A schema-valid body can still name a program that does not exist or an as-of day after
    # today: those are refused with 400 naming the field, which the schema cannot express.
    case.call_and_validate(
        headers={"Authorization": f"Token {staff_token}"}, excluded_checks=[positive_data_acceptance]
    )
