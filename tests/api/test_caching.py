"""ETag and Last-Modified on every GET, 304 on a conditional GET, and a data version that every
committed write moves on: ORM saves, bulk writes without signals, SQL, and `synth`."""

import datetime
import uuid

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history

from api import cache as api_cache
from api.versioning import DATA, KEYS
from portfolio.models import Firm, Program
from portfolio.services import sync
from tests.api.conftest import prefixed_redis_cache

pytestmark = pytest.mark.django_db

SEOUL = datetime.timezone(datetime.timedelta(hours=9))

ENDPOINTS = [
    "/api/v1/programs/",
    "/api/v1/programs/AX-VALLEY/",
    "/api/v1/milestones/",
    "/api/v1/indicators/",
    "/api/v1/briefing/",
]


def data_version():
    return cache.get(KEYS[DATA])


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_get_has_an_etag_and_last_modified_and_a_match_answers_304(
    gwangju_feed, url, django_assert_num_queries
):
    first = gwangju_feed.get(url)
    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and last_modified.endswith("GMT")
    assert first["Cache-Control"] == "private, no-cache"
    assert "Accept-Language" in first["Vary"] and "Authorization" in first["Vary"]
    with django_assert_num_queries(0):  # the token is remembered and nothing is read
        again = gwangju_feed.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert gwangju_feed.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert gwangju_feed.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_etag_differs_by_parameters_and_language(gwangju_feed):
    etags = {
        gwangju_feed.get("/api/v1/briefing/")["ETag"],
        gwangju_feed.get("/api/v1/briefing/", {"program": "AX-VALLEY"})["ETag"],
        gwangju_feed.get("/api/v1/briefing/", HTTP_ACCEPT_LANGUAGE="en")["ETag"],
    }
    assert len(etags) == 3


def test_unknown_parameters_split_neither_the_cache_nor_the_etag(gwangju_feed):
    plain = gwangju_feed.get("/api/v1/programs/AX-VALLEY/")
    for n in range(1, 6):
        junk = gwangju_feed.get("/api/v1/programs/AX-VALLEY/", {"x": n})
        assert (junk.status_code, junk["ETag"]) == (200, plain["ETag"])
    assert len([key for key in cache._cache if ":detail:" in key]) == 1  # one entry, not six
    lists = [
        gwangju_feed.get("/api/v1/programs/", params)["ETag"]
        for params in ({}, {"x": 1}, {"level": "program"})
    ]
    assert lists[0] == lists[1] != lists[2]  # a parameter the endpoint knows still counts


def test_a_wildcard_or_a_date_matches_only_what_exists(gwangju_feed):
    feed, later = gwangju_feed, "Fri, 01 Jan 2100 00:00:00 GMT"
    assert feed.get("/api/v1/programs/AX-VALLEY/", HTTP_IF_NONE_MATCH="*").status_code == 304
    assert feed.get("/api/v1/programs/NOPE/", HTTP_IF_NONE_MATCH="*").status_code == 404
    assert feed.get("/api/v1/programs/NOPE/", HTTP_IF_MODIFIED_SINCE=later).status_code == 404
    assert feed.get("/api/v1/programs/", {"page": 9}, HTTP_IF_NONE_MATCH="*").status_code == 404
    assert feed.get("/api/v1/briefing/").status_code == 200  # cached: the fast path is ready
    assert feed.get("/api/v1/briefing/", HTTP_IF_NONE_MATCH="*").status_code == 304
    future = feed.get("/api/v1/briefing/", {"as_of": "2099-01-01"}, HTTP_IF_NONE_MATCH="*")
    assert future.status_code == 400


def test_a_conditional_get_still_needs_a_token(gwangju_feed):
    from rest_framework.test import APIClient

    etag = gwangju_feed.get("/api/v1/briefing/")["ETag"]
    assert APIClient().get("/api/v1/briefing/", HTTP_IF_NONE_MATCH=etag).status_code == 401


def test_a_committed_change_gives_new_figures_and_a_new_etag(
    gwangju_feed, django_capture_on_commit_callbacks
):
    before = gwangju_feed.get("/api/v1/briefing/")
    with django_capture_on_commit_callbacks(execute=True):
        sync(Program, lookup={"code": "AX-VALLEY"}, total_cost=700_000_000_000)
    after = gwangju_feed.get("/api/v1/briefing/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json()["headline"]["total_cost"]["display_ko"] == "7,000억원"


def test_a_process_copy_of_an_answer_lasts_a_minute_after_the_shared_one_is_gone(gwangju, feed):
    url = "/api/v1/programs/AX-VALLEY/"
    with time_machine.travel(datetime.datetime(2025, 10, 24, 9, tzinfo=SEOUL), tick=False) as clock:
        assert feed.get(url).json()["total_cost"]["display_ko"] == "6,000억원"
        # A change whose version bump was lost (it runs on commit, never here); the shared entries
        # are deleted by hand to mend it, as after such a loss.
        sync(Program, lookup={"code": "AX-VALLEY"}, total_cost=700_000_000_000)
        for key in [key for key in cache._cache if ":api:f" in key]:
            cache.delete(key.split(":", 2)[2])  # the key as given, without LocMemCache's ":1:"
        clock.shift(59)
        assert feed.get(url).json()["total_cost"]["display_ko"] == "6,000억원"  # this process's copy
        clock.shift(2)
        assert feed.get(url).json()["total_cost"]["display_ko"] == "7,000억원"


def test_bulk_writes_without_signals_move_the_version(gwangju, django_capture_on_commit_callbacks):
    version = data_version()
    program = Program.objects.get(code="GJ-AI-P1")
    with django_capture_on_commit_callbacks(execute=True):
        bulk_create_with_history([Firm(name="A사", program=program, attracted_on="2024-01-05")], Firm)
    assert data_version() not in (None, version)


def test_plain_sql_through_django_moves_the_version(gwangju, django_capture_on_commit_callbacks):
    version = data_version()
    with django_capture_on_commit_callbacks(execute=True), connection.cursor() as cursor:
        cursor.execute("UPDATE portfolio_program SET sort_order = sort_order + 1 WHERE code = %s", ["NAIRI"])
    assert data_version() != version


def test_synth_moves_the_version(gwangju, django_capture_on_commit_callbacks):
    version = data_version()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("synth", programs=5, lines=20, stdout=open("/dev/null", "w"))
    assert data_version() != version


def test_a_rolled_back_write_does_not(gwangju, django_capture_on_commit_callbacks):
    version = data_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                Program.objects.filter(code="NAIRI").update(sort_order=99)
                raise RuntimeError("abandon")
        except RuntimeError:
            pass
    assert callbacks == []
    assert data_version() == version


def test_reads_do_not_move_the_version(gwangju_feed):
    gwangju_feed.get("/api/v1/programs/")
    version = data_version()
    for url in ENDPOINTS:
        gwangju_feed.get(url)
    assert data_version() == version


@pytest.mark.redis
def test_the_briefing_is_cached_in_redis_by_data_version(
    redis_cache, gwangju_feed, django_assert_num_queries
):
    first = gwangju_feed.get("/api/v1/briefing/")
    version = redis_cache.get(KEYS[DATA])
    cached = [key for key in redis_cache._cache.get_client().keys(f"*api:f*:v{version}:briefing*")]
    assert len(cached) == 1
    api_cache.forget_local()  # as another worker process would be
    with django_assert_num_queries(0):
        second = gwangju_feed.get("/api/v1/briefing/")
    assert second.content == first.content


@pytest.mark.redis
def test_the_redis_fixture_deletes_its_own_keys_and_nothing_else(settings, redis_url):
    raw = redis.Redis.from_url(redis_url)
    outside = f"not-the-tests-{uuid.uuid4().hex}"  # say, the Celery broker's queue
    raw.set(outside, "broker data", ex=60)
    try:
        with prefixed_redis_cache(settings, redis_url) as redis_cache:
            redis_cache.set("mine", 1)
            mine = redis_cache.make_key("mine")
            assert raw.exists(outside) and raw.exists(mine)
        assert raw.exists(outside)
        assert not raw.exists(mine)
    finally:
        raw.delete(outside)


@pytest.mark.redis
def test_throttling_with_redis_answers_429(redis_cache, gwangju_feed, settings):
    settings.API_THROTTLE_RATE = "2/min"
    assert [gwangju_feed.get("/api/v1/briefing/").status_code for _ in range(3)] == [200, 200, 429]


def test_without_a_cache_the_feed_still_answers_with_an_etag(gwangju_feed, settings):
    # A Redis address where nothing listens: the feed reads the database and says so in the log.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    response = gwangju_feed.get("/api/v1/briefing/")
    assert response.status_code == 200
    assert response.json()["headline"]["jobs"]["value"] == 650
    assert response["ETag"] and response["Last-Modified"]


def test_last_modified_moves_on_at_midnight_even_without_a_write(gwangju, feed):
    seoul = SEOUL
    with time_machine.travel(datetime.datetime(2025, 10, 24, 23, 0, tzinfo=seoul), tick=False):
        evening = feed.get("/api/v1/briefing/")
    with time_machine.travel(datetime.datetime(2025, 10, 25, 0, 30, tzinfo=seoul), tick=False):
        morning = feed.get("/api/v1/briefing/", HTTP_IF_MODIFIED_SINCE=evening["Last-Modified"])
    assert morning.status_code == 200  # overdue flags are computed for the new day
    assert morning["Last-Modified"] == "Fri, 24 Oct 2025 15:00:00 GMT"  # 00:00 in Seoul
    assert morning["ETag"] != evening["ETag"]
