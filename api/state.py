"""What a request needs from the cache: the data version, the auth version, and how many
requests this token has made in the current throttle window.

Each process keeps the versions it last read for SNAPSHOT_SECONDS and counts its own requests
against each token's window, adding them to the shared counter when it next reads the versions
(or sooner, as the count nears the limit). So a cached briefing usually costs no round trip at
all; one Redis call (a Lua script: read both versions, add the counts) is made about twice a
second per process. The price: a write made in another process shows here up to
SNAPSHOT_SECONDS later (a write made here shows at once), and a token may go a little past its
limit across processes, bounded below. Other cache backends (the tests' local memory) go
through the cache API the same way. When the cache is down, the fields are None and the API
still answers: no response cache, token lookups from the database, no throttling.
"""

import functools
import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from api import versioning
from api.versioning import AUTH, DATA, KEYS, Version

log = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@functools.lru_cache(maxsize=16)
def parse_rate(rate: str) -> tuple[int, int]:
    """'120/min' → (120, 60): requests allowed, window in seconds."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[:1]]


@functools.lru_cache(maxsize=1024)
def throttle_ident(token_key: str) -> str:
    """The throttle counter's name for a token: a digest, so Redis never holds the key."""
    return "t:" + hashlib.blake2b(token_key.encode(), digest_size=12).hexdigest()


@dataclass
class RequestState:
    data: Version | None
    auth: int | None
    ident: str | None  # whose requests `hits` counts
    hits: int | None


def _throttle_key(ident: str, window: int, now: float) -> str:
    return f"api:throttle:{ident}:{int(now // window)}"


SNAPSHOT_SECONDS = 0.5
# A process counts a token's requests locally until it holds 1/SYNC_SHARE of what is left of the
# limit (as last read from the shared counter), then adds them there. With up to SYNC_SHARE
# processes counting alike, together they cannot go past the limit on what they hold unsent;
# near the limit every request is counted in Redis at once, so small limits stay exact.
SYNC_SHARE = 8


@dataclass
class _Snapshot:
    data: int
    auth: int
    taken: float  # time.monotonic() when read
    generation: int  # versioning.generation then: a bump made by this process makes it old
    known: dict[str, int] = field(default_factory=dict)  # throttle key → shared count last read
    pending: dict[str, int] = field(default_factory=dict)  # throttle key → hits counted here since


_snapshot: _Snapshot | None = None
_lock = threading.Lock()  # threaded servers (runserver, gthread) share the snapshot


def forget() -> None:
    """Drop this process's snapshot (tests, and after the cache was emptied by hand)."""
    global _snapshot
    with _lock:
        _snapshot = None


def _fetch(ident: str | None) -> RequestState:
    global _snapshot
    limit, window = parse_rate(settings.API_THROTTLE_RATE)
    throttle_key = _throttle_key(ident, window, time.time()) if ident else None
    with _lock:
        snapshot = _snapshot
        fresh = (
            snapshot is not None
            and time.monotonic() - snapshot.taken < SNAPSHOT_SECONDS
            and snapshot.generation == versioning.generation
        )
        if fresh:
            if throttle_key is None:
                return RequestState(Version(snapshot.data), snapshot.auth, None, None)
            known = snapshot.known.get(throttle_key, 0)
            pending = snapshot.pending.get(throttle_key, 0) + 1
            if pending < (limit - known) // SYNC_SHARE:
                snapshot.pending[throttle_key] = pending
                return RequestState(Version(snapshot.data), snapshot.auth, ident, known + pending)
        # Read the versions again and send what this process counted, this request included.
        increments = dict(snapshot.pending) if snapshot is not None else {}
        if throttle_key:
            increments[throttle_key] = increments.get(throttle_key, 0) + 1
        generation = versioning.generation
        data, auth, counts = _read_and_count(increments, window)
        if data is None or auth is None:
            data, auth = _initialise(data, auth)
        _snapshot = _Snapshot(data, auth, time.monotonic(), generation, known=counts)
    return RequestState(Version(data), auth, ident, counts.get(throttle_key) if throttle_key else None)


def _read_and_count(increments: dict[str, int], window: int) -> tuple[int | None, int | None, dict[str, int]]:
    """Both versions, after adding `increments` to their throttle counters (made to expire
    with their window); the counters' new values."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _fetch_redis(backend, increments, window)
    values = cache.get_many([KEYS[DATA], KEYS[AUTH]])
    counts = {key: _incr(key, window, by) for key, by in increments.items()}
    return values.get(KEYS[DATA]), values.get(KEYS[AUTH]), counts


# One script call instead of a pipeline: read both versions and add the counts in a single
# command (redis-py builds far less per call than per pipeline).
_STATE_SCRIPT = """
local data = redis.call('GET', KEYS[1])
local auth = redis.call('GET', KEYS[2])
local counts = {}
for i = 3, #KEYS do
  local hits = redis.call('INCRBY', KEYS[i], ARGV[i - 1])
  if hits == tonumber(ARGV[i - 1]) then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
  counts[i - 2] = hits
end
return {data, auth, counts}
"""


def _redis_script(backend: RedisCache):
    """The state script bound to the cache's connection pool, made once per cache object
    (Django's get_client() builds a new client object on every call, which costs more than
    the round trip)."""
    script = backend.__dict__.get("_api_state_script")
    if script is None:
        script = backend._cache.get_client(write=True).register_script(_STATE_SCRIPT)
        backend.__dict__["_api_state_script"] = script
    return script


def _fetch_redis(
    backend: RedisCache, increments: dict[str, int], window: int
) -> tuple[int | None, int | None, dict[str, int]]:
    # The cache's own key scheme; integers are stored as plain numbers by Django's Redis
    # serializer, so cache.get() and these raw reads agree.
    names = list(increments)
    keys = [backend.make_key(KEYS[DATA]), backend.make_key(KEYS[AUTH])]
    keys += [backend.make_key(name) for name in names]
    args = [window + 1, *(increments[name] for name in names)]
    data, auth, counts = _redis_script(backend)(keys=keys, args=args)
    return (
        int(data) if data is not None else None,
        int(auth) if auth is not None else None,
        dict(zip(names, counts, strict=True)),
    )


def _incr(key: str, window: int, by: int = 1) -> int:
    cache.add(key, 0, timeout=window + 1)
    return cache.incr(key, by)


def _initialise(data: int | None, auth: int | None) -> tuple[int, int]:
    """First request after a cache flush: set both versions (a new data version cannot
    match any cached response or ETag made before)."""
    for kind, value in ((DATA, data), (AUTH, auth)):
        if value is None:
            cache.add(KEYS[kind], versioning.new_number(), timeout=None)
    values = cache.get_many([KEYS[DATA], KEYS[AUTH]])
    return values[KEYS[DATA]], values[KEYS[AUTH]]


_DOWN = RequestState(None, None, None, None)


def for_request(request: HttpRequest, ident: str | None = None) -> RequestState:
    """The request's state, fetched on first use and kept on the request. `ident` names the
    throttle counter to count this request against (a token's digest), when known yet."""
    state = getattr(request, "_api_state", None)
    if state is None:
        try:
            state = _fetch(ident)
        except Exception:
            log.warning("Cache unavailable; serving without caches or throttling", exc_info=True)
            state = _DOWN
        request._api_state = state
    return state


def count_hit(ident: str) -> int | None:
    """Count one request against `ident` when the state fetch did not (session users)."""
    _, window = parse_rate(settings.API_THROTTLE_RATE)
    try:
        return _incr(_throttle_key(ident, window, time.time()), window)
    except Exception:
        log.warning("Cache unavailable; not throttling", exc_info=True)
        return None
