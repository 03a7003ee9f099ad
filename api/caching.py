"""The feed's caching, all of it: a data version in Django's cache, answers stored under it, and
the ETag and Last-Modified that follow from it.

- The *data version* is a number kept in the cache (VERSION_KEY, no expiry), read on every
  request in the one round trip to Redis a cached answer needs, with the throttle's counter.
  Answers are stored with Django's versioned keys (`version=<data version>`), so a new data
  version makes every older answer unreachable at once, in every process; old entries simply
  expire. Each process also keeps a copy of the answers it used in a local-memory cache under
  the same versioned keys: never older than the shared copy, since the key names the version,
  and it saves the round trip for the answer.
- It moves on (`bump`) after every committed write that can change what the feed shows or who
  may see it: post_save, post_delete and m2m_changed of every portfolio model (history models
  included), of users, groups, permissions and API tokens (`connect_signals`, from
  ApiConfig.ready); writes that send no signals (simple-history's bulk_create_with_history in
  imports, `synth`'s bulk inserts) call `bump_after_commit()` themselves; starting a web or
  worker process bumps it, since the database may have been restored behind the app's back;
  `manage.py bump_data_version` does it by hand (after psql).
- ETag: a digest of the data version and the request's variant (path, parameters, language,
  day, host). Last-Modified: when the data version was set, or the start of today in Seoul if
  later (overdue flags and KPI status move with the day even when no data does).
- Tokens (api.authentication): DRF's lookup of a token, its user and the user's permissions is
  kept in the process under the data version for at most TOKEN_SECONDS (`kept_here`). A token
  deleted or rotated, a user changed in the admin, a group's permissions changed: the version
  moves on and the next request is refused. A change that sends no signal (a queryset
  `update()` of `is_active`, psql) is refused within TOKEN_SECONDS. Throttling is
  api.throttling, on the same cache.
- A cache outage never fails a request or a write: it is logged, `current_version()` is None,
  and the feed answers from the database (ETag from the body).
"""

import datetime
import functools
import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.http import quote_etag
from django_redis import get_redis_connection
from django_redis.cache import RedisCache

log = logging.getLogger(__name__)
T = TypeVar("T")

VERSION_KEY = "api:data-version"
ANSWER_SECONDS = 24 * 3600  # answers of older versions are never asked for again; they expire
# How long a process may go on accepting a token without looking it up again: the most a
# revocation that sends no signal (queryset update, psql) can take to be seen.
TOKEN_SECONDS = 5


@dataclass(frozen=True)
class Version:
    """A data version: the millisecond it was set times 10^6, plus a random part, so a version
    set after the cache was emptied never repeats an old one, and tells when it was set."""

    number: int

    @property
    def changed_at(self) -> int:
        """Epoch seconds when the version was set."""
        return self.number // 10**9


def _new_number() -> int:
    return int(time.time() * 1000) * 10**6 + secrets.randbelow(10**6)


# A bump this process could not make (cache down): made as soon as the cache answers again, so
# the write that needed it is not hidden behind answers cached before it.
_owed = False


def read(counter: tuple[str, int] | None = None) -> tuple[Version | None, int | None]:
    """The data version, set on first use after the cache was emptied, and, given `counter` (a
    key and the seconds to keep it), that counter incremented: one round trip to Redis (a
    pipeline). (None, None) when the cache is down."""
    try:
        if _owed:
            bump()
        number, counted = _read_and_count(counter)
        if number is None:
            cache.add(VERSION_KEY, _new_number(), timeout=None)
            number = cache.get(VERSION_KEY)
    except Exception:
        log.warning("Cache unavailable: the API answers from the database", exc_info=True)
        return None, None
    return (Version(int(number)) if number is not None else None), counted


def _read_and_count(counter: tuple[str, int] | None) -> tuple[Any, int | None]:
    if counter is None:
        return cache.get(VERSION_KEY), None
    key, seconds = counter
    if isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):
        # django-redis keeps whole numbers as Redis integers, so INCR counts what cache.get reads.
        pipeline = get_redis_connection().pipeline(transaction=False)
        pipeline.get(cache.make_key(VERSION_KEY))
        pipeline.incr(cache.make_key(key))
        pipeline.expire(cache.make_key(key), seconds)
        number, count, _ = pipeline.execute()
        return number, count
    cache.add(key, 0, seconds)  # the local-memory cache (no Redis): no round trip to save
    return cache.get(VERSION_KEY), cache.incr(key)


def count(key: str, seconds: int) -> int | None:
    """Increment the counter `key` (kept `seconds`) and return its new value (None: cache down)."""
    return read((key, seconds))[1]


def current_version() -> Version | None:
    return read()[0]


def version_for(request, *, counter: tuple[str, int] | None = None) -> Version | None:
    """The data version, read once per request: the token lookup and the answer share it. Given
    `counter` (the token's throttle counter), it is incremented in the same round trip: its key
    and new value are `request.api_counted` (api.throttling)."""
    if not hasattr(request, "api_data_version"):
        request.api_data_version, counted = read(counter)
        request.api_counted = (counter[0], counted) if counter else None
    return request.api_data_version


def bump() -> None:
    """Move the data version on now. Never raises: the write behind it is already committed."""
    global _owed
    try:
        cache.set(VERSION_KEY, _new_number(), timeout=None)
        _owed = False
    except Exception:
        _owed = True
        log.warning("Cache unavailable: could not move the API's data version on", exc_info=True)


class _Pending:
    done = False


_pending = threading.local()  # database alias → the _Pending its on-commit callbacks share


def bump_after_commit(*, using: str | None = None) -> None:
    """Bump once the current transaction commits (at once outside one); nothing on rollback.

    Every call adds a callback, so a savepoint rolled back cannot take the bump with it, but the
    callbacks of one transaction share a marker and only the first one to run writes the cache:
    one bump per commit however many rows were saved. A marker left by a rolled-back transaction
    is simply shared by the next one."""
    alias = using or DEFAULT_DB_ALIAS
    markers = _pending.__dict__.setdefault("markers", {})
    marker = markers.get(alias)
    if marker is None or marker.done:
        marker = markers[alias] = _Pending()
    transaction.on_commit(functools.partial(_bump_once, marker), using=alias)


def _bump_once(marker: _Pending) -> None:
    if not marker.done:
        marker.done = True
        bump()


def _saved_or_deleted(sender, using: str | None = None, **kwargs) -> None:
    bump_after_commit(using=using)


def _m2m_changed(sender, action: str, using: str | None = None, **kwargs) -> None:
    if action.startswith("post_"):
        bump_after_commit(using=using)


def _auth_saved(sender, update_fields=None, using: str | None = None, **kwargs) -> None:
    if update_fields is None or set(update_fields) != {"last_login"}:  # a login changes no right
        bump_after_commit(using=using)


def connect_signals() -> None:
    """Bump after any saved or deleted row of the portfolio app (live and history tables), and
    after any change to who may read what (users, groups, permissions, tokens: the answer of a
    token lookup is kept under the data version too)."""
    from django.contrib.auth.models import Group, Permission
    from rest_framework.authtoken.models import Token

    user = apps.get_model(settings.AUTH_USER_MODEL)
    access = (user, Group, Permission, Token)
    for model in (*apps.get_app_config("portfolio").get_models(), *access):
        saved = _auth_saved if model in access else _saved_or_deleted
        post_save.connect(saved, sender=model, dispatch_uid=f"api-bump-save-{model._meta.label}")
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=f"api-bump-del-{model._meta.label}")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            uid = f"api-bump-m2m-{through._meta.label}"
            m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=uid)


def on_process_start() -> None:
    """A web or worker process starts: the database may have been restored since the last one."""
    log.info("Moving the API's data version on at start")
    bump()


# --- answers --------------------------------------------------------------------------------


# The process's copies: Django's local-memory backend, bounded (it culls the oldest third).
_local = LocMemCache("api-answers", {"TIMEOUT": ANSWER_SECONDS, "OPTIONS": {"MAX_ENTRIES": 300}})


def remembered(version: Version | None, kind: str, variant: str, build: Callable[[], T]) -> T:
    """What `build` makes for `variant` at data `version`, made once per version across all
    processes. Without a version (cache down) it is built every time. `build` may raise (a 400 or
    404): nothing is stored then."""
    if version is None:
        return build()
    key = f"api:{kind}:{_digest(variant)}"
    value = _local.get(key, version=version.number)
    if value is not None:
        return value
    try:
        value = cache.get(key, version=version.number)
    except Exception:
        log.warning("Cache unavailable: building the answer", exc_info=True)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, value, ANSWER_SECONDS, version=version.number)
        except Exception:
            log.warning("Cache unavailable: answer not stored", exc_info=True)
    _local.set(key, value, version=version.number)
    return value


def kept_here(version: Version | None, kind: str, variant: str, build: Callable[[], T], *, seconds: int) -> T:
    """What `build` makes for `variant` at data `version`, kept in this process only and for at
    most `seconds`: for what must not leave the process (a user with its password hash) or must
    be looked up again soon whatever the version says. Built every time without a version."""
    if version is None:
        return build()
    key = f"api:{kind}:{_digest(variant)}"
    value = _local.get(key, version=version.number)
    if value is None:
        value = build()
        _local.set(key, value, seconds, version=version.number)
    return value


def forget_local() -> None:
    """Empty this process's copies (tests that check the shared cache alone)."""
    _local.clear()


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def etag(version: Version, variant: str) -> str:
    return quote_etag(_digest(f"{version.number}|{variant}"))


def last_modified(version: Version) -> int:
    return max(version.changed_at, start_of_today())


def start_of_today() -> int:
    """Epoch seconds at the start of today in the office's zone."""
    midnight = datetime.datetime.combine(timezone.localdate(), datetime.time())
    return int(timezone.make_aware(midnight).timestamp())
