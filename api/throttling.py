"""Per-token throttling: DRF's SimpleRateThrottle at settings.API_THROTTLE_RATE (default
120/min), counted in the cache, so every process counts against the same allowance. Past it:
429 with Retry-After. Session users are counted per user, anyone else per address."""

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
            # A digest: the cache never holds a usable token.
            ident = "t" + hashlib.blake2b(token.encode(), digest_size=12).hexdigest()
        elif request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = f"a{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache is down: answer rather than refuse everyone
            log.warning("Cache unavailable: not throttling", exc_info=True)
            return True
