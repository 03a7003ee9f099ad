"""The cached briefing's fast path: an answer without DRF's request machinery.

REFERENCE-FIGURES.md: DRF's per-request handling alone costs a quarter of a trivial view's
throughput, and the goal for the cached briefing is 0.6× of it. So a GET whose every step is
already settled (a remembered token, its permission answer, the versions and throttle count
from this process's snapshot, usually with no round trip at all (api.state), the JSON body in
this process) is answered here, with the same checks,
through the same functions, and the same headers as the DRF view. Anything else (a cold
cache, a refused token, an error, an HTML client, a write) goes to the DRF view unchanged,
which then reuses the state already fetched, so nothing is counted twice.
"""

import functools

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from api import authentication, cache, permissions, state, throttling
from api.query import BRIEFING_PARAMS
from api.views import BRIEFING_MODELS, briefing_variant, etag_for, last_modified_for

_JSON_ACCEPTS = {"", "*/*", "application/json"}
HEADERS = {
    "Allow": "GET, HEAD, OPTIONS",
    "Vary": "Accept, Accept-Language, Authorization, Cookie",
    "Cache-Control": "private, no-cache",
}


def cached_briefing(request: HttpRequest) -> HttpResponse | None:
    """The answer when it needs no database and no build, else None."""
    if request.method not in ("GET", "HEAD") or request.META.get("HTTP_ACCEPT", "") not in _JSON_ACCEPTS:
        return None
    if any(name not in BRIEFING_PARAMS for name in request.GET):
        return None
    scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme != "Token" or not key or " " in key:
        return None
    current = state.for_request(request, state.throttle_ident(key))
    if current.data is None or not throttling.within_rate(current.hits):
        return None
    known = authentication.remembered(key, current.auth)
    if known is None or not permissions.may(known[0], BRIEFING_MODELS, "view"):
        return None
    variant = briefing_variant(request.GET)
    version = current.data
    # Only an answer this process holds is served here, a 304 included: a body exists only for
    # parameters that passed validation, and "*" or a date would match any parameters at all.
    body = cache.peek(version.number, "briefing", variant)
    if body is None:
        return None
    etag, last_modified = etag_for(version.number, variant), last_modified_for(version)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = HttpResponse(body, content_type="application/json")
    for name, value in HEADERS.items():
        response[name] = value
    response["ETag"] = etag
    response["Last-Modified"] = _http_date(last_modified)
    return response


_http_date = functools.lru_cache(maxsize=64)(http_date)  # the same few seconds, over and over


def with_fast_path(drf_view):
    """The DRF view, answering from `cached_briefing` first (keeps the view's attributes, so
    drf-spectacular still finds the APIView behind it)."""

    @functools.wraps(drf_view)
    def view(request, *args, **kwargs):
        return cached_briefing(request) or drf_view(request, *args, **kwargs)

    return view
