"""Computed results kept by data version: in this process, then in the shared cache (Redis).

Keys carry the data version, so an entry can never be stale: a write bumps the version and
later requests ask for new keys. The process-local layer saves the Redis round trip and the
unpickling on the hot path; it is emptied whenever the data version moves on, and each of its
copies is fetched again after LOCAL_SECONDS, so a process never serves an answer for more than
a minute after it left the shared cache (evicted, or deleted by hand after a lost bump).
"""

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from api import state

T = TypeVar("T")

TIMEOUT = 24 * 3600  # old versions' entries just expire
# Raise when what is cached changes shape (api.tables.Tables, the JSON), so a deploy never
# reads entries pickled by the previous code.
FORMAT = 2
_MAX_LOCAL = 128
LOCAL_SECONDS = 60

_local: dict[str, tuple[float, object]] = {}  # key → (when fetched (time.time()), value)
_local_version: list[int | None] = [None]


def remembered(version: int | None, kind: str, variant: str, build: Callable[[], T]) -> T:
    """The value of `kind` ("briefing", "tables", …) for `variant` (the request's parameters,
    language and day) at data `version`, built once per version across all processes.
    Without a version (cache down) it is built every time."""
    if version is None:
        return build()
    if _local_version[0] != version or len(_local) > _MAX_LOCAL:
        _local.clear()
        _local_version[0] = version
    full_key = _key(version, kind, variant)
    now = time.time()
    entry = _local.get(full_key)
    if entry is not None and 0 <= now - entry[0] < LOCAL_SECONDS:
        return entry[1]
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value, TIMEOUT)
    _local[full_key] = (now, value)
    return value


def peek(version: int, kind: str, variant: str) -> object | None:
    """This process's copy of the value, if it has a fresh one (no round trip, no build)."""
    if _local_version[0] != version:
        return None
    entry = _local.get(_key(version, kind, variant))
    if entry is None or not 0 <= time.time() - entry[0] < LOCAL_SECONDS:
        return None
    return entry[1]


def _key(version: int, kind: str, variant: str) -> str:
    return f"api:f{FORMAT}:v{version}:{kind}:{hashlib.blake2b(variant.encode(), digest_size=16).hexdigest()}"


def forget_local() -> None:
    """Empty this process's layer and its snapshot of the versions (tests; the shared cache is
    emptied with cache.clear())."""
    _local.clear()
    _local_version[0] = None
    state.forget()
