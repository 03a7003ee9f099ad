"""The cached briefing's fast path answers exactly as the DRF view does, without it, and
leaves every case it cannot settle from memory to the DRF view."""

import pytest
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db

SAME_HEADERS = ["Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary", "Allow", "Content-Language"]


@pytest.fixture
def without_drf(monkeypatch):
    """Any request that reaches a DRF view fails loudly."""

    def refuse(self, request, *args, **kwargs):
        raise AssertionError("went through DRF")

    monkeypatch.setattr(APIView, "dispatch", refuse)


def test_the_fast_answer_is_the_drf_answer(gwangju_feed, monkeypatch):
    through_drf = gwangju_feed.get("/api/v1/briefing/", {"since": "2025-10-01"})
    monkeypatch.setattr(APIView, "dispatch", lambda *a, **k: pytest.fail("went through DRF"))
    fast = gwangju_feed.get("/api/v1/briefing/", {"since": "2025-10-01"})
    assert fast.status_code == through_drf.status_code == 200
    assert fast.content == through_drf.content
    for name in SAME_HEADERS:
        assert fast[name] == through_drf[name], name
    again = gwangju_feed.get("/api/v1/briefing/", {"since": "2025-10-01"}, HTTP_IF_NONE_MATCH=fast["ETag"])
    assert again.status_code == 304


def test_what_the_fast_path_leaves_to_drf(gwangju_feed, settings, without_drf):
    # A cold cache, unknown parameters, an HTML client: all need the real view.
    for params, headers in [({}, {}), ({"format": "json"}, {}), ({}, {"HTTP_ACCEPT": "text/html"})]:
        with pytest.raises(AssertionError, match="went through DRF"):
            gwangju_feed.get("/api/v1/briefing/", params, **headers)


def test_a_throttled_token_gets_drf_s_429(gwangju_feed, settings):
    settings.API_THROTTLE_RATE = "2/min"
    assert [gwangju_feed.get("/api/v1/briefing/").status_code for _ in range(3)] == [200, 200, 429]
    assert gwangju_feed.get("/api/v1/briefing/").json()["errors"][0]["code"] == "throttled"


def test_a_session_or_a_wrong_token_is_never_served_fast(gwangju_feed, manager, without_drf):
    from rest_framework.test import APIClient

    gwangju_feed.credentials()
    gwangju_feed.force_login(manager)
    with pytest.raises(AssertionError, match="went through DRF"):
        gwangju_feed.get("/api/v1/briefing/")
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "f" * 40)
    with pytest.raises(AssertionError, match="went through DRF"):
        stranger.get("/api/v1/briefing/")
