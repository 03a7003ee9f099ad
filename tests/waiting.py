"""One way for tests to wait for something another process does: poll a predicate until it holds."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, message: str | Callable[[], str] = "",
               *, poll: float = 0.2) -> T:  # fmt: skip
    """Call `predicate` every `poll` seconds until it returns something true, and return that.
    After `timeout` seconds fail with `message` (or what a callable message returns then)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"not within {timeout} s: {text}")
        time.sleep(poll)
