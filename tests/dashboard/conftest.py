"""Fixtures for the dashboard's tests: logged-in clients and a synthetic portfolio."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

PASSWORD = "pw-for-tests-only"  # as tests/conftest.py's make_user sets


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def synthetic(programs: int, lines: int | None = None) -> None:
    """`synth` as the benchmarks run it, quietly and without history rows."""
    lines = programs * 10 if lines is None else lines
    call_command("synth", programs=programs, lines=lines, no_history=True, stdout=open(os.devnull, "w"))


# --- Browser tests: Playwright driving Debian's Chromium --------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless, no sandbox (CI runs as root), and no calls home: on the office's closed network and
# on this machine Chromium's background connections are refused, and it would wait on them.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """One headless Chromium per test module. Skips, saying why, when Chromium or Playwright is
    missing; with REQUIRE_SERVICES=1 (CI) that is a failure instead."""
    from tests.conftest import missing_service

    if not os.path.exists(CHROMIUM):
        missing_service(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("Playwright for Python is not installed (requirements-dev.txt)")
    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse ORM calls from the test itself; the test's queries are still plain, one at a time.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Starting Playwright gives this thread a new context, and Django keeps its database
    # connections per context: the tests then get fresh connection objects that lack the
    # snapshot `serialized_rollback` restores (the roles migration's groups). Hand it on.
    snapshots = {
        alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections
    }
    try:
        with sync_playwright() as playwright:
            for alias, snapshot in snapshots.items():
                if snapshot is not None:
                    connections[alias]._test_serialized_contents = snapshot
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def artifacts(settings) -> Path:
    """Where the browser tests leave their screenshots (gitignored)."""
    folder = Path(settings.BASE_DIR) / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def open_page(browser, live_server):
    """`open_page(width=1280, language="ko-KR")` gives a page in a fresh browser context whose
    relative URLs go to the live server; contexts are closed after the test."""
    contexts = []

    def make(*, width: int = 1280, height: int = 900, locale: str = "ko-KR"):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Through the Korean login page, finding the fields by their labels as a person would."""
    page.goto("/dashboard/")
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url("**/dashboard/")
