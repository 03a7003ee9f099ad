"""A fixed number of SQL queries per endpoint, the same at 10 and at 1,000 programs; none once
the answer and the token's lookup are cached."""

import os

import pytest
import redis
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.conftest import LOCAL_MEMORY_CACHE, make_feed_token

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ENDPOINTS = [
    "/api/v1/programs/?page_size=500",
    "/api/v1/programs/SYN-00003/",
    "/api/v1/milestones/?page_size=500",
    "/api/v1/indicators/?page_size=500",
    "/api/v1/briefing/",
    "/api/v1/briefing/?program=SYN-00003&since=2020-01-01",
]


def cold_queries(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


def measure(sizes: tuple[int, ...]) -> dict[int, dict[str, int]]:
    """Query counts per endpoint on synthetic portfolios of these sizes. On a local-memory cache
    whatever the settings say: cold_queries empties the cache before each request, and on Redis
    that would be FLUSHDB of the database the Celery broker (and other test runs) share."""
    results = {}
    with override_settings(CACHES=LOCAL_MEMORY_CACHE):
        for size in sizes:
            with transaction.atomic():
                call_command("synth", programs=size, lines=size * 20, seed=3, stdout=open(os.devnull, "w"))
                client = APIClient()
                client.credentials(HTTP_AUTHORIZATION=f"Token {make_feed_token(f'feed-{size}')}")
                results[size] = {url: cold_queries(client, url) for url in ENDPOINTS}
                transaction.set_rollback(True)
    return results


@pytest.fixture(scope="module")
def counts_by_size(django_db_setup, django_db_blocker):
    """Query counts per endpoint on a synthetic portfolio of 10, then 1,000 programs. A module
    fixture is set up before the function-scoped `_local_cache`, hence measure()'s own cache."""
    with django_db_blocker.unblock():
        return measure((10, 1000))


@pytest.mark.parametrize("url", ENDPOINTS)
def test_the_query_count_does_not_grow_with_the_portfolio(counts_by_size, url):
    assert counts_by_size[10][url] == counts_by_size[1000][url]
    assert counts_by_size[1000][url] <= 30


def test_the_counts_are_these(counts_by_size):
    # Token auth costs 3 (token + user, user and group permissions); the rest is the selectors.
    # The lists (14): the programs and their sources (2), the money read once from the ledger
    # (budget lines, adjustments, executions, closes: 4) and everything else added up from it,
    # milestones (1), indicators (1), the readings' breakdowns (세부 구분, 1), the readings (1) and
    # the KPIs' yearly targets (1). A program's page (25) is the list's 14 and its own program,
    # sources, ledger (4), indicators, readings and targets again (9), its firms (1) and its
    # milestones (1). The briefing (23): programs, sources, the ledger (4), indicators, readings,
    # targets, milestones (10), and its changes read the programs (1), the history of programs,
    # milestones, budget lines, adjustments, closes (5), indicators (1) and readings' history (1),
    # the programs' names (1) and which periods are locked (확정 or 잠정, 1). Asked for one program,
    # the briefing resolves the code in any case (1) and needs no second program read.
    assert counts_by_size[1000] == {
        "/api/v1/programs/?page_size=500": 14,
        "/api/v1/programs/SYN-00003/": 25,
        "/api/v1/milestones/?page_size=500": 14,
        "/api/v1/indicators/?page_size=500": 14,
        "/api/v1/briefing/": 23,
        "/api/v1/briefing/?program=SYN-00003&since=2020-01-01": 23,  # + the code, any case
    }
    assert counts_by_size[10] == counts_by_size[1000]


def test_a_cached_answer_reads_nothing(gwangju_feed, django_assert_num_queries):
    for url in [
        "/api/v1/programs/",
        "/api/v1/programs/AX-VALLEY/",
        "/api/v1/milestones/",
        "/api/v1/indicators/",
        "/api/v1/briefing/",
    ]:
        assert gwangju_feed.get(url).status_code == 200
        with django_assert_num_queries(0):  # the token's user and permissions are kept too
            assert gwangju_feed.get(url).status_code == 200


@pytest.mark.redis
def test_measuring_the_counts_leaves_the_real_redis_alone(settings, redis_url):
    # As counts_by_size runs: before any function fixture, with the project's Redis cache.
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache",
                                   "LOCATION": redis_url, "KEY_PREFIX": "gjai"}}  # fmt: skip
    raw = redis.Redis.from_url(redis_url)
    outside = f"not-the-tests-{os.getpid()}"
    raw.set(outside, "broker data", ex=60)
    try:
        assert measure((10,))[10]["/api/v1/briefing/"] > 0
        assert raw.exists(outside)
    finally:
        raw.delete(outside)
