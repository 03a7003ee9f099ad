"""The feed in one process, without HTTP: what a cached answer costs in Django itself, beside the
trivial view, and where the time goes (cProfile).

Run: `.venv/bin/python bench/api_profile.py [--requests 2000] [--profile briefing]`. Same
database and Redis as bench/api_throughput.py (REDIS_URL, default redis://127.0.0.1:6379/0),
production settings (bench.api_settings, DEBUG off). Prints, per target, the median time of a
request through Django's WSGI handler, its SQL queries and its calls to the cache (each one a
round trip to Redis); then, with --profile, the top of a cProfile of that target. Under a loaded
machine a round trip costs far more inside a request than in a tight loop (the process waits to
be scheduled again), so compare with a run on a quiet machine.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.api_throughput import LINES, PROGRAMS, served_env  # noqa: E402
from bench.common import setup  # noqa: E402

CACHE_CALLS = ("get", "get_many", "set", "set_many", "add", "incr", "delete", "touch", "has_key")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", choices=["trivial", "briefing", "304", "programs"])
    args = parser.parse_args()
    # As bench/api_throughput.py serves it (the bench database unless DATABASE_URL is set).
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ |= served_env()
    setup(PROGRAMS, LINES)

    from django.core.cache import caches
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from django.test import RequestFactory

    from api.caching import on_process_start

    app = WSGIHandler()
    on_process_start()
    out = io.StringIO()
    call_command("feed_token", "bench-feed", stdout=out)  # the token bench/api_throughput.py uses
    token = out.getvalue().strip()
    factory = RequestFactory(SERVER_NAME="127.0.0.1")

    def call(path: str, headers: dict) -> tuple[str, dict]:
        answer: dict = {}
        b"".join(
            app(factory.get(path, headers=headers).environ, lambda s, h, e=None: answer.update(s=s, h=h))
        )
        return answer["s"], dict(answer["h"])

    auth = {"Authorization": f"Token {token}"}
    status, headers = call("/api/v1/briefing/", auth)
    assert status.startswith("200"), status
    targets = {
        "trivial": ("/bench/trivial/", {}),
        "briefing": ("/api/v1/briefing/", auth),
        "304": ("/api/v1/briefing/", auth | {"If-None-Match": headers["ETag"]}),
        "programs": ("/api/v1/programs/?page_size=100", auth),
    }
    print(f"{'target':10} {'median ms':>10} {'p99 ms':>8} {'× trivial':>10} {'queries':>8}  cache calls")
    trivial = None
    for name, (path, headers_) in targets.items():
        for _ in range(50):
            call(path, headers_)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            call(path, headers_)
            times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        p99 = statistics.quantiles(times, n=100)[98]
        trivial = trivial or median
        queries, calls = counted(lambda p=path, h=headers_: call(p, h), caches["default"], connection)
        shown = ", ".join(calls) or "-"
        print(f"{name:10} {median:10.3f} {p99:8.3f} {median / trivial:10.1f} {queries:8}  {shown}")
    if args.profile:
        path, headers_ = targets[args.profile]
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(500):
            call(path, headers_)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())


def counted(request, backend, connection) -> tuple[int, list[str]]:
    """SQL queries and calls to the cache of one request."""
    from django.test.utils import CaptureQueriesContext

    calls: list[str] = []

    def recording(name: str, original):
        def call(*args, **kwargs):
            calls.append(name)
            return original(*args, **kwargs)

        return call

    for name in CACHE_CALLS:
        setattr(backend, name, recording(name, getattr(backend, name)))
    try:
        with CaptureQueriesContext(connection) as captured:
            request()
    finally:
        for name in CACHE_CALLS:
            delattr(backend, name)
    return len(captured), calls


if __name__ == "__main__":
    main()
