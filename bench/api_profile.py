"""The feed in one process, without HTTP: what a cached answer costs in Django itself, beside the
trivial view, and where the time goes (cProfile).

Run: `.venv/bin/python bench/api_profile.py [--requests 2000] [--profile briefing]`. Same
database and Redis as bench/api_throughput.py (REDIS_URL, default redis://127.0.0.1:6379/0),
production settings (bench.api_settings, DEBUG off). Prints, per target, the median time of a
request through Django's WSGI handler, its SQL queries and its round trips to Redis (each write
of a command or a pipeline to Redis's socket); then, with --profile, the top of a cProfile of
that target. Under a loaded machine a round trip costs far more inside a request than in a tight
loop (the process waits to be scheduled again), so compare with a run on a quiet machine.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", choices=["trivial", "briefing", "304", "programs"])
    args = parser.parse_args()
    # As bench/api_throughput.py serves it (the bench database unless DATABASE_URL is set).
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ |= served_env()
    setup(PROGRAMS, LINES)

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
    print(f"{'target':10} {'median ms':>10} {'p99 ms':>8} {'× trivial':>10} {'queries':>8}  round trips")
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
        queries, trips = counted(lambda p=path, h=headers_: call(p, h), connection)
        shown = "; ".join(trips) or "-"
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


def counted(request, connection) -> tuple[int, list[str]]:
    """SQL queries and round trips to Redis (the commands each one sends) of one request."""
    from django.test.utils import CaptureQueriesContext
    from redis.connection import AbstractConnection

    trips: list[str] = []
    send = AbstractConnection.send_packed_command

    def recording(self, command, *args, **kwargs):
        packed = b"".join(command) if isinstance(command, list) else command
        words = [w.decode() for w in packed.split(b"\r\n") if w.isalpha() and w.isupper()]
        trips.append(" ".join(words))
        return send(self, command, *args, **kwargs)

    AbstractConnection.send_packed_command = recording
    try:
        with CaptureQueriesContext(connection) as captured:
            request()
    finally:
        AbstractConnection.send_packed_command = send
    return len(captured), trips


if __name__ == "__main__":
    main()
