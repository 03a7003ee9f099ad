"""The per-process snapshot of versions and throttle counts (api.state): a cached briefing costs
no Redis round trip, a write made here shows at once, one made elsewhere within
SNAPSHOT_SECONDS, and a token's limit holds exactly where it is small."""

import pytest
import redis

from api import state
from api.versioning import DATA, KEYS, new_number

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def snapshot_ages(seconds: float) -> None:
    """Make this process's snapshot `seconds` older, as the clock would."""
    state._snapshot.taken -= seconds


def test_a_cached_briefing_is_served_without_a_redis_round_trip(redis_cache, gwangju_feed, monkeypatch):
    gwangju_feed.get("/api/v1/briefing/")  # builds, caches and snapshots
    calls = []
    real = state._read_and_count
    monkeypatch.setattr(state, "_read_and_count", lambda *args: calls.append(args) or real(*args))
    for _ in range(5):
        assert gwangju_feed.get("/api/v1/briefing/").status_code == 200
    assert calls == []
    snapshot_ages(state.SNAPSHOT_SECONDS)
    assert gwangju_feed.get("/api/v1/briefing/").status_code == 200
    assert len(calls) == 1  # read again once the snapshot is old


def test_a_version_moved_by_another_process_shows_once_the_snapshot_is_old(redis_cache, gwangju_feed):
    etag = gwangju_feed.get("/api/v1/briefing/")["ETag"]
    # Another process bumps the data version: this one has not seen it yet...
    redis_cache.set(KEYS[DATA], new_number(), timeout=None)
    assert gwangju_feed.get("/api/v1/briefing/")["ETag"] == etag
    # ...and does within SNAPSHOT_SECONDS.
    snapshot_ages(state.SNAPSHOT_SECONDS)
    assert gwangju_feed.get("/api/v1/briefing/")["ETag"] != etag


def test_a_write_made_in_this_process_shows_at_once(
    redis_cache, gwangju_feed, django_capture_on_commit_callbacks
):
    from portfolio.models import Program

    before = gwangju_feed.get("/api/v1/programs/AX-VALLEY/").json()["name_en"]
    with django_capture_on_commit_callbacks(execute=True):
        Program.objects.filter(code="AX-VALLEY").update(name_en="AX valley, renamed")
    after = gwangju_feed.get("/api/v1/programs/AX-VALLEY/").json()["name_en"]
    assert (before, after) == ("AI phase 2: AX demonstration valley", "AX valley, renamed")


def test_a_small_limit_stays_exact(redis_cache, gwangju_feed, settings):
    settings.API_THROTTLE_RATE = "16/min"
    codes = [gwangju_feed.get("/api/v1/briefing/").status_code for _ in range(18)]
    assert codes == [200] * 16 + [429, 429]


def test_requests_counted_here_reach_the_shared_counter(redis_cache, gwangju_feed, settings, redis_url):
    settings.API_THROTTLE_RATE = "100000/min"
    for _ in range(40):
        gwangju_feed.get("/api/v1/briefing/")
    snapshot_ages(state.SNAPSHOT_SECONDS)
    gwangju_feed.get("/api/v1/briefing/")  # the next read sends what was counted here
    raw = redis.Redis.from_url(redis_url)
    keys = list(raw.scan_iter(redis_cache.make_key("api:throttle:*")))
    assert len(keys) == 1
    assert int(raw.get(keys[0])) == 41
    assert 0 < raw.ttl(keys[0]) <= 61  # expires with its window
