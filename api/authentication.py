"""Token authentication for the feed: DRF's, with its answer kept in the process for a moment.

DRF looks the token and its user up on every request, and the permission check then reads the
user's permissions: three queries before a cached answer can be served. Here the answer is kept
under the data version for at most caching.TOKEN_SECONDS, so a token deleted or a user changed
through Django (which moves the version on) is refused at the next request, and any other change
within those seconds (see api.caching).
"""

from rest_framework import authentication

from api import caching
from api.throttling import TokenRateThrottle, token_ident


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        self.request = request  # DRF makes an authenticator per request
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        # The request's one round trip to the cache: the data version, and the token's throttle
        # counter incremented with it (api.throttling compares it with the rate).
        version = caching.version_for(self.request, counter=TokenRateThrottle().counter(token_ident(key)))
        look_up = super().authenticate_credentials

        def with_permissions():
            user, token = look_up(key)  # raises AuthenticationFailed for a wrong token or an inactive user
            # Fills the permission cache Django's ModelBackend keeps on the user object
            # (documented), which is kept with it: the permission check then needs no query.
            user.get_all_permissions()
            return user, token

        return caching.kept_here(version, "token", key, with_permissions, seconds=caching.TOKEN_SECONDS)
