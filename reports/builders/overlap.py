"""Read from the database in a second thread while the main thread writes XML.

A report spends most of its time in openpyxl (Python, holding the GIL) and a good part in the
database (SQLite and PostgreSQL drivers release the GIL while a query runs), so the summary
figures are read in a thread while the long ledger sheets are written. The thread has its own
connection, so it only runs when that connection sees the same data: outside a transaction.
Inside one (a test's transaction, an outer atomic block) the work simply runs in line.
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from django.db import connection, connections

T = TypeVar("T")


def can_overlap() -> bool:
    return not connection.in_atomic_block


def _in_own_connection(function: Callable[[], T]) -> T:
    try:
        return function()
    finally:
        connections.close_all()  # this thread's connections only (they are thread-local)


class Later(Generic[T]):
    """`function()` started now in a thread when possible, else run at once; `.get()` waits."""

    def __init__(self, function: Callable[[], T]):
        self._future: Future | None = None
        if can_overlap():
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-read")
            self._future = self._executor.submit(_in_own_connection, function)
            self._executor.shutdown(wait=False)
        else:
            self._value = function()

    def get(self) -> T:
        if self._future is not None:
            self._value = self._future.result()
            self._future = None
        return self._value
