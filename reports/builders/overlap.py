"""Read from the database in a second thread while the main thread writes XML.

A report spends most of its time in openpyxl (Python, holding the GIL) and a good part in the
database (SQLite and PostgreSQL drivers release the GIL while a query runs), so the summary
figures are read in a thread while the long ledger sheets are written. The thread has its own
connection, so it only runs when that connection sees the same data: outside a transaction.
Inside one (a test's transaction, an outer atomic block) the work simply runs in line.
"""

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
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


_DONE = object()


def read_ahead(rows: Iterable[T], *, chunk: int = 2000, depth: int = 4) -> Iterator[T]:
    """Yield `rows`, fetched in a thread a few chunks ahead of the consumer, so the database
    driver's work overlaps with writing. `rows` must be lazy (a queryset iterator not yet
    started), so its query runs on the thread's own connection. Memory: at most `depth` chunks."""
    if not can_overlap():
        yield from rows
        return
    chunks: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) == chunk:
                    if not put(batch):
                        return  # the consumer gave up
                    batch = []
            if put(batch):
                put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            put(error)
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()  # end the query (its cursor) before closing the connection under it
            connections.close_all()

    threading.Thread(target=produce, name="report-rows", daemon=True).start()
    try:
        while True:
            item = chunks.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
