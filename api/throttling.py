"""Per-token throttling (API_THROTTLE_RATE, default 120/min) with a fixed-window counter.

DRF's SimpleRateThrottle keeps a list of every request time per client and rewrites it on
each request; a counter per window is an INCRBY, which api.state sends together with the
version reads, counting a token's requests in the process between reads (exact near the
limit, see api.state.SYNC_SHARE).
"""

import time

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from api import state


def within_rate(hits: int | None) -> bool:
    """Whether a request counted as the `hits`-th of its window may go on (yes when uncounted)."""
    return hits is None or hits <= state.parse_rate(settings.API_THROTTLE_RATE)[0]


class TokenRateThrottle(BaseThrottle):
    def get_ident(self, request) -> str:
        token = request.auth
        if token is not None and hasattr(token, "key"):
            return state.throttle_ident(token.key)
        if request.user and request.user.is_authenticated:
            return f"u:{request.user.pk}"
        return f"a:{super().get_ident(request)}"

    def allow_request(self, request, view) -> bool:
        _, window = state.parse_rate(settings.API_THROTTLE_RATE)
        ident = self.get_ident(request)
        current = state.for_request(request._request, ident)
        hits = current.hits if current.ident == ident else state.count_hit(ident)
        if within_rate(hits):
            return True
        self.retry_after = window - int(time.time()) % window
        return False

    def wait(self) -> float | None:
        return getattr(self, "retry_after", None)
