"""Fixtures for the API tests: a clean cache per test, feed tokens, and clients."""

import contextlib
import datetime
import os
import uuid
from io import StringIO

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from api import caching

LOCAL_MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The day the Gwangju articles appeared, 18:00 in Seoul.
ARTICLE_DAY = datetime.datetime(2025, 10, 24, 18, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))


@pytest.fixture(autouse=True)
def _clean_api_state():
    """The data version and cached answers live in the cache: start each test empty."""
    cache.clear()
    caching.forget_local()


@pytest.fixture
def frozen_day():
    with time_machine.travel(ARTICLE_DAY, tick=False):
        yield ARTICLE_DAY


def make_feed_token(name: str = "briefing", *args: str) -> str:
    out = StringIO()
    call_command("feed_token", name, *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


@pytest.fixture
def feed_token(db) -> str:
    return make_feed_token()


@pytest.fixture
def feed(feed_token) -> APIClient:
    """A client that reads with the feed's token, Korean first like the office."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.credentials(HTTP_AUTHORIZATION=f"Token {feed_token}")
    return client


@pytest.fixture
def gwangju_feed(frozen_day, gwangju, feed) -> APIClient:
    """The real dataset, loaded on the article day, read through the feed."""
    return feed


@contextlib.contextmanager
def prefixed_redis_cache(settings, redis_url: str):
    """The real Redis as the cache, under a prefix of its own; on the way out it deletes its own
    keys and nothing else. Never cache.clear(): on Redis that is FLUSHDB, and the database
    behind REDIS_URL is also the Celery broker's (and other test runs')."""
    prefix = f"test-api-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    try:
        yield cache
    finally:
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture
def redis_cache(settings, redis_url):
    """The real Redis as the cache, under a prefix of this test's own."""
    with prefixed_redis_cache(settings, redis_url) as redis:
        yield redis
