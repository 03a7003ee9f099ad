"""Data and auth versions: numbers in the cache that change after every committed write.

The API keys its caches and ETags by the *data version*, and remembers token → user lookups
until the *auth version* changes. Rather than trusting post_save signals (bulk writes such as
simple-history's bulk_create_with_history and `synth`'s INSERT … SELECT fire none), a database
execute wrapper watches every INSERT, UPDATE and DELETE that Django sends, on any table of the
portfolio (live or history) or of auth/tokens, and bumps the matching version once the
transaction commits. Writes made outside Django (psql) need `bump(DATA)` by hand.
"""

import logging
import re
import secrets
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.backends.base.base import BaseDatabaseWrapper

log = logging.getLogger(__name__)

DATA = "data"
AUTH = "auth"
KEYS = {DATA: "api:version:data", AUTH: "api:version:auth"}

# Tables whose writes change what the API shows (DATA) or who may see it (AUTH), by prefix.
_WATCHED = ((DATA, ("portfolio_",)), (AUTH, ("auth_", "authtoken_")))
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "insert", "update", "delete")
_TABLE = re.compile(r"(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class Version:
    """A version number: the millisecond it was set, times 10^6, plus a random part, so a
    version made after a cache flush never repeats an old one and tells when it was set."""

    number: int

    @property
    def changed_at(self) -> float:
        """Seconds since the epoch when the version was set."""
        return self.number // 10**6 / 1000


def new_number() -> int:
    return int(time.time() * 1000) * 10**6 + secrets.randbelow(10**6)


_failed_once = False
# Moves on with every bump made by this process, so its own snapshot of the versions (api.state)
# is read again at once: a write shows in the next answer of the process that made it.
generation = 0


def bump(*kinds: str) -> None:
    """Set new versions for `kinds` (DATA, AUTH). A cache outage is logged, never raised:
    the write that triggered it has already been committed."""
    global _failed_once, generation
    try:
        cache.set_many({KEYS[kind]: new_number() for kind in kinds}, timeout=None)
    except Exception:
        # Log the first failure loudly, the rest quietly: without Redis every write fails alike.
        log.log(logging.DEBUG if _failed_once else logging.WARNING, "Could not bump %s", kinds, exc_info=True)
        _failed_once = True
    finally:
        generation += 1  # after the set, so a snapshot read in between is not taken for new


def _bump_data() -> None:
    bump(DATA)


def _bump_auth() -> None:
    bump(AUTH)


_CALLBACKS = {DATA: _bump_data, AUTH: _bump_auth}


def _kind_of(sql: str) -> str | None:
    """DATA or AUTH for a write to a watched table, else None (reads return at the first test)."""
    if not sql.lstrip()[:6].startswith(_WRITE_VERBS):
        return None
    match = _TABLE.match(sql.lstrip())
    if match is None:
        return None
    table = match.group(1).lower()
    for kind, prefixes in _WATCHED:
        if table.startswith(prefixes):
            return kind
    return None


def watch_writes(execute, sql, params, many, context):
    """Execute wrapper: run the statement, then schedule a version bump for when it commits."""
    result = execute(sql, params, many, context)
    kind = _kind_of(sql) if isinstance(sql, str) else None
    if kind is not None:
        _bump_after_commit(context["connection"], _CALLBACKS[kind])
    return result


def _bump_after_commit(connection: BaseDatabaseWrapper, callback) -> None:
    if not connection.in_atomic_block:
        callback()
        return
    # One bump per transaction and savepoint level is enough: Django keeps a callback in
    # run_on_commit, tagged with the savepoints open when it was added, until they roll back.
    level = set(connection.savepoint_ids)
    if any(sids == level and func is callback for sids, func, _ in connection.run_on_commit):
        return
    connection.on_commit(callback, robust=True)


def install(connection: BaseDatabaseWrapper, **kwargs) -> None:
    """Add the wrapper to a database connection (once; it survives reconnects)."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)
