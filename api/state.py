"""What a request needs from the cache, fetched in one round trip: the data version, the auth
version, and how many requests this token has made in the current throttle window.

On Redis this is one Lua script call (GET, GET, INCR, EXPIRE); other cache backends (the tests'
local memory) go through the cache API. When the cache is down, the fields are None and the
API still answers: no response cache, token lookups from the database, no throttling.
"""

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest

from api import versioning
from api.versioning import AUTH, DATA, KEYS, Version

log = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'120/min' → (120, 60): requests allowed, window in seconds."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[:1]]


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


def _fetch(ident: str | None) -> RequestState:
    _, window = parse_rate(settings.API_THROTTLE_RATE)
    throttle_key = _throttle_key(ident, window, time.time()) if ident else None
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        data, auth, hits = _fetch_redis(backend, throttle_key, window)
    else:
        values = cache.get_many([KEYS[DATA], KEYS[AUTH]])
        data, auth = values.get(KEYS[DATA]), values.get(KEYS[AUTH])
        hits = _incr(throttle_key, window) if throttle_key else None
    if data is None or auth is None:
        data, auth = _initialise(data, auth)
    return RequestState(Version(data), auth, ident, hits)


# One script call instead of a pipeline: read both versions and count the request in a single
# command (redis-py builds far less per call than per pipeline).
_STATE_SCRIPT = """
local data = redis.call('GET', KEYS[1])
local auth = redis.call('GET', KEYS[2])
local hits = false
if KEYS[3] then
  hits = redis.call('INCR', KEYS[3])
  if hits == 1 then redis.call('EXPIRE', KEYS[3], ARGV[1]) end
end
return {data, auth, hits}
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
    backend: RedisCache, throttle_key: str | None, window: int
) -> tuple[int | None, int | None, int | None]:
    # The cache's own key scheme; integers are stored as plain numbers by Django's Redis
    # serializer, so cache.get() and these raw reads agree.
    keys = [backend.make_key(KEYS[DATA]), backend.make_key(KEYS[AUTH])]
    if throttle_key:
        keys.append(backend.make_key(throttle_key))
    data, auth, hits = _redis_script(backend)(keys=keys, args=[window + 1])
    return (
        int(data) if data is not None else None,
        int(auth) if auth is not None else None,
        hits if throttle_key else None,
    )


def _incr(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window + 1)
    return cache.incr(key)


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
