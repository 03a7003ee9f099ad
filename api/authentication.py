"""Token authentication that remembers token → user in this process until the auth version
changes, so a briefing served from the cache costs no database query at all.

The auth version moves after any committed write to the user, group, permission or token
tables (see api.versioning), so a deleted or rotated token, a deactivated user or a changed
permission takes effect on the very next request in every process. A bump can be lost (Redis
unreachable just when the write commits), so a token is also looked up again after REMEMBER
seconds: then it takes effect within a minute whatever happened to the bump.
"""

import time

from rest_framework.authentication import TokenAuthentication

from api import state

_MAX_KNOWN = 1000
REMEMBER = 60  # seconds
# token key → (auth version, when looked up (time.time()), user with its permissions loaded, token)
_known: dict[str, tuple[int, float, object, object]] = {}


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's TokenAuthentication."""

    def authenticate(self, request):
        self._http_request = request._request
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        # The same state read gives the versions and counts the request for throttling.
        current = state.for_request(self._http_request, state.throttle_ident(key))
        known = remembered(key, current.auth)
        if known is not None:
            return known
        user, token = super().authenticate_credentials(key)  # raises AuthenticationFailed
        user.get_all_permissions()  # loads the permission cache the permission checks read
        if current.auth is not None:
            if len(_known) >= _MAX_KNOWN:
                _known.clear()
            _known[key] = (current.auth, time.time(), user, token)
        return user, token


def remembered(key: str, auth_version: int | None) -> tuple | None:
    """(user, token) for a token key looked up since the auth version last changed and less than
    REMEMBER seconds ago, else None."""
    entry = _known.get(key)
    if entry is not None and auth_version is not None and entry[0] == auth_version:
        if 0 <= time.time() - entry[1] < REMEMBER:
            return entry[2], entry[3]
    return None


def forget() -> None:
    """Drop every remembered token (tests)."""
    _known.clear()
