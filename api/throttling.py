"""Per-token throttling: DRF's SimpleRateThrottle at settings.API_THROTTLE_RATE (default
120/min), counted in the cache, so every process counts against the same allowance. Past it:
429 with Retry-After. Session users are counted per user, anyone else per address.

A fixed window rather than DRF's list of request times: one counter per token and period (the
minute of 120/min), a new one each period. A token's counter is read with the data version, in
the same round trip (api.authentication), and written back: two round trips for a cached answer,
and no list of times to unpickle and pickle again. As with DRF's own throttle, the read and the
write are not one atomic step, so requests of one token arriving at the very same moment can be
counted as one; and around the turn of a period up to twice the rate can pass.
"""

import hashlib
import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        # Read per request (not from DEFAULT_THROTTLE_RATES at import), so the setting is the one rule.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        token = getattr(request.auth, "key", None)
        if token:
            return self.counter(token_ident(token))
        if request.user and request.user.is_authenticated:
            return self.counter(f"u{request.user.pk}")
        return self.counter(f"a{self.get_ident(request)}")

    def counter(self, ident: str) -> str:
        """The cache key counting `ident`'s requests in the current period."""
        period = int(self.timer() // self.duration)
        return self.cache_format % {"scope": self.scope, "ident": f"{ident}:{period}"}

    def allow_request(self, request, view) -> bool:
        self.now = self.timer()
        self.key = self.get_cache_key(request, view)
        read = getattr(request, "api_read_with_version", {})
        try:
            count = (read[self.key] if self.key in read else self.cache.get(self.key)) or 0
            if count >= self.num_requests:
                return False
            # Kept a period longer than it lasts: the key names its period, so it is never reused.
            self.cache.set(self.key, count + 1, 2 * self.duration)
        except Exception:  # the cache is down: answer rather than refuse everyone
            log.warning("Cache unavailable: not throttling", exc_info=True)
        return True

    def wait(self) -> float:
        """Seconds until the period ends and the allowance starts again (Retry-After)."""
        return self.duration - self.now % self.duration


def token_ident(key: str) -> str:
    """Who a token's requests are counted as: a digest, so the cache never holds a usable token."""
    return "t" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
