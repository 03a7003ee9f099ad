"""Per-token throttling: DRF's SimpleRateThrottle at settings.API_THROTTLE_RATE (default
120/min), counted in the cache, so every process counts against the same allowance. Past it:
429 with Retry-After. Session users are counted per user, anyone else per address.

A fixed window rather than DRF's list of request times: one counter per token and period (the
minute of 120/min), a new one each period, incremented in Redis (INCR, so requests arriving at
the same moment are all counted). A token's counter is incremented in the round trip that reads
the data version (api.authentication, api.caching): a cached answer costs one round trip. Around
the turn of a period up to twice the rate can pass.
"""

import hashlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api import caching


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        # Read per request (not from DEFAULT_THROTTLE_RATES at import), so the setting is the one rule.
        return settings.API_THROTTLE_RATE

    def ident(self, request) -> str:
        token = getattr(request.auth, "key", None)
        if token:
            return token_ident(token)
        if request.user and request.user.is_authenticated:
            return f"u{request.user.pk}"
        return f"a{self.get_ident(request)}"

    def counter(self, ident: str) -> tuple[str, int]:
        """The cache key counting `ident`'s requests in the current period, and how long to keep
        it: a period longer than it lasts (the key names its period, so it is never reused)."""
        period = int(self.timer() // self.duration)
        return self.cache_format % {"scope": self.scope, "ident": f"{ident}:{period}"}, 2 * self.duration

    def get_cache_key(self, request, view) -> str:
        return self.counter(self.ident(request))[0]

    def allow_request(self, request, view) -> bool:
        self.now = self.timer()
        key, seconds = self.counter(self.ident(request))
        counted = getattr(request, "api_counted", None)  # counted with the data version
        count = counted[1] if counted and counted[0] == key else caching.count(key, seconds)
        return count is None or count <= self.num_requests  # None: the cache is down, answer anyway

    def wait(self) -> float:
        """Seconds until the period ends and the allowance starts again (Retry-After)."""
        return self.duration - self.now % self.duration


def token_ident(key: str) -> str:
    """Who a token's requests are counted as: a digest, so the cache never holds a usable token."""
    return "t" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
