"""Who may read the feed: tokens and sessions, model permissions, read-only, throttling, CORS."""

import datetime
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from api import caching
from tests.api.conftest import make_feed_token

pytestmark = pytest.mark.django_db

SEOUL = datetime.timezone(datetime.timedelta(hours=9))

ENDPOINTS = [
    "/api/v1/programs/",
    "/api/v1/programs/AX-VALLEY/",
    "/api/v1/milestones/",
    "/api/v1/indicators/",
    "/api/v1/briefing/",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_requests_get_401_with_the_error_shape(gwangju, url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_a_wrong_token_gets_401(gwangju):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get("/api/v1/briefing/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_feed_token_reads_every_endpoint(gwangju, feed, url):
    assert feed.get(url).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_feed_token_can_never_write(gwangju, feed, url, method):
    response = getattr(feed, method)(url, {"status": "cancelled"}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


def test_staff_who_may_write_in_the_admin_still_meet_a_read_only_feed(gwangju, office_staff):
    client = APIClient()
    client.force_login(office_staff)
    assert client.get("/api/v1/programs/").status_code == 200
    response = client.post("/api/v1/programs/", {"code": "NEW"}, format="json")
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_managers_read_with_their_session(gwangju, manager):
    client = APIClient()
    client.force_login(manager)
    response = client.get("/api/v1/briefing/")
    assert response.status_code == 200
    assert response.json()["headline"]["jobs"]["value"] == 650


def test_reading_follows_the_model_permissions(
    gwangju, django_user_model, django_capture_on_commit_callbacks
):
    user = django_user_model.objects.create_user("clerk", password="x-for-tests-only", is_staff=True)
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/v1/programs/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):  # as when the admin's save commits
        user.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["view_program", "view_budgetline", "view_execution", "view_source"]
            )
        )
    assert client.get("/api/v1/programs/").status_code == 200
    assert client.get("/api/v1/indicators/").status_code == 403  # needs view_indicator too


def test_a_removed_permission_takes_effect_on_the_next_request(
    gwangju, feed, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    from api.roles import BRIEFING_FEED

    assert feed.get("/api/v1/indicators/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        Group.objects.get(name=BRIEFING_FEED).permissions.remove(
            Permission.objects.get(codename="view_indicator")
        )
    assert feed.get("/api/v1/indicators/").status_code == 403


def test_a_rotated_token_stops_working_at_once(gwangju, django_capture_on_commit_callbacks):
    old = make_feed_token("mayor")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get("/api/v1/briefing/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        new = make_feed_token("mayor", "--rotate")
    assert new != old
    assert client.get("/api/v1/briefing/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert client.get("/api/v1/briefing/").status_code == 200


def test_a_token_rotated_in_another_process_stops_working_at_once(gwangju):
    old = make_feed_token("mayor")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert client.get("/api/v1/briefing/").status_code == 200
    make_feed_token("mayor", "--rotate")  # no on-commit callback runs in this process...
    caching.bump()  # ...the other process's moved the shared data version on
    assert client.get("/api/v1/briefing/").status_code == 401


def test_a_deactivated_feed_user_is_shut_out_at_once(
    gwangju, feed, django_user_model, django_capture_on_commit_callbacks
):
    assert feed.get("/api/v1/programs/").status_code == 200
    user = django_user_model.objects.get(username="briefing")
    user.is_active = False
    with django_capture_on_commit_callbacks(execute=True):  # as when the admin's save commits
        user.save()
    response = feed.get("/api/v1/programs/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_a_change_that_sends_no_signal_shuts_a_token_out_within_seconds(gwangju, feed, django_user_model):
    start = datetime.datetime(2025, 10, 24, 18, 0, tzinfo=SEOUL)
    with time_machine.travel(start, tick=False) as clock:
        assert feed.get("/api/v1/programs/").status_code == 200
        # A queryset update (or psql) sends no signal: the data version stays where it was.
        django_user_model.objects.filter(username="briefing").update(is_active=False)
        assert feed.get("/api/v1/programs/").status_code == 200  # the lookup is kept a moment
        clock.shift(caching.TOKEN_SECONDS + 0.1)
        assert feed.get("/api/v1/programs/").status_code == 401
        assert feed.get("/api/v1/programs/").status_code == 401


def test_a_wrong_token_is_never_kept(gwangju, django_assert_num_queries):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "1" * 40)
    for _ in range(2):
        with django_assert_num_queries(1):  # looked up each time
            assert client.get("/api/v1/briefing/").status_code == 401


def test_throttling_answers_429_per_token_until_the_minute_is_over(gwangju, feed, settings):
    settings.API_THROTTLE_RATE = "3/min"
    with time_machine.travel(datetime.datetime(2025, 10, 24, 18, 0, 15, tzinfo=SEOUL), tick=False) as clock:
        assert [feed.get("/api/v1/briefing/").status_code for _ in range(3)] == [200, 200, 200]
        response = feed.get("/api/v1/briefing/")
        assert response.status_code == 429
        assert response.json()["errors"][0]["code"] == "throttled"
        assert response["Retry-After"] == "45"  # the minute's end
        assert feed.get("/api/v1/briefing/").status_code == 429  # refused requests do not count on
        # Another token has its own allowance.
        other = APIClient()
        other.credentials(HTTP_AUTHORIZATION=f"Token {make_feed_token('second-feed')}")
        assert other.get("/api/v1/briefing/").status_code == 200
        clock.shift(44)
        assert feed.get("/api/v1/briefing/")["Retry-After"] == "1"
        clock.shift(1)
        assert [feed.get("/api/v1/briefing/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_session_user_is_throttled_too(gwangju, manager, settings):
    settings.API_THROTTLE_RATE = "2/min"
    client = APIClient()
    client.force_login(manager)
    assert [client.get("/api/v1/programs/").status_code for _ in range(3)] == [200, 200, 429]


def test_the_default_rate_is_120_a_minute(settings):
    assert settings.API_THROTTLE_RATE == "120/min"


def test_cors_is_closed_by_default(gwangju, feed):
    response = feed.get("/api/v1/briefing/", HTTP_ORIGIN="https://elsewhere.example")
    assert "access-control-allow-origin" not in response


def test_cors_opens_to_the_origins_configured(gwangju, feed, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://briefing.gwangju.go.kr"]
    response = feed.get("/api/v1/briefing/", HTTP_ORIGIN="https://briefing.gwangju.go.kr")
    assert response["access-control-allow-origin"] == "https://briefing.gwangju.go.kr"
    assert "ETag" in response["access-control-expose-headers"]
    assert "access-control-allow-origin" not in feed.get(
        "/api/v1/briefing/", HTTP_ORIGIN="https://evil.example"
    )


def test_unknown_api_paths_answer_json_404(gwangju, feed):
    response = feed.get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "이 주소에는 API가 없습니다.", "attr": None}],
    }


def test_a_bad_throttle_rate_stops_the_start_naming_the_variable():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DEBUG": "1", "API_THROTTLE_RATE": "fast"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "API_THROTTLE_RATE must look like 120/min" in result.stderr


def test_a_view_that_names_no_models_lets_nobody_in(gwangju, feed_token, superuser):
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory, force_authenticate
    from rest_framework.views import APIView

    class Unconfigured(APIView):
        def get(self, request):
            return Response({"secret": True})

    request = APIRequestFactory().get("/anything/")
    force_authenticate(request, user=superuser)
    assert Unconfigured.as_view()(request).status_code == 403
