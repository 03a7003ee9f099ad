"""Managers' dashboard on a synthetic portfolio: server time and query count per page.

Run: `.venv/bin/python bench/dashboard.py [--programs 1000 --lines 10000]` (the defaults are
what `synth --programs 1000` makes). Prints, per page, the median time of the full request
through Django's test client (log-in session, middleware, selectors, template), the number of
SQL queries, and the ratio to the admin index page served the same way in the same run.
The goal is under 300 ms for the dashboard at 1,000 programs. (As-of pages are not timed here:
`synth` dates its history rows today, so any past day shows an empty synthetic portfolio.)
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import setup, timed

GOAL_MS = 300


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    setup(args.programs, args.lines)

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portfolio.models import BudgetLine, Program
    from portfolio.roles import MANAGERS

    # A manager, as in the office: view permissions through the group, not a superuser.
    user, _ = get_user_model().objects.get_or_create(username="bench-manager", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=MANAGERS))
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_login(user)

    def page(path: str):
        def get():
            started = time.process_time()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, HTTP_HOST="localhost")
            cpu_times.setdefault(path, []).append((time.process_time() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            return len(captured), len(response.content)

        return get

    # CPU time of this process beside the wall time: on a shared machine the wall time also
    # counts waiting for a core (with SQLite all the work is in this process).
    cpu_times: dict[str, list[float]] = {}

    def cpu(path: str) -> float:
        return statistics.median(cpu_times[path][1:])  # without the warm-up

    portfolio = Program.objects.filter(code__startswith="SYN-", parent=None).order_by("code").first()
    project = Program.objects.filter(code__startswith="SYN-", kind="project").order_by("code").first()
    base_ms, (base_queries, _) = timed(page("/admin/"))
    print(
        f"programs: {Program.objects.count():,}; budget lines: {BudgetLine.objects.count():,}; "
        f"database: {connection.vendor}"
    )
    print(f"{'page':46} {'median ms':>10} {'CPU ms':>7} {'queries':>8} {'KB':>6} {'× index':>8}")
    index = "/admin/ (index, for scale)"
    print(f"{index:46} {base_ms:10.1f} {cpu('/admin/'):7.1f} {base_queries:8d} {'':>6} {1:8.1f}")
    results = {}
    for path in [
        "/dashboard/",
        f"/dashboard/programs/{portfolio.code}/",
        f"/dashboard/programs/{project.code}/",
        "/dashboard/programs/GJ-AI/",
    ]:
        ms, (queries, size) = timed(page(path))
        results[path] = ms
        print(f"{path:46} {ms:10.1f} {cpu(path):7.1f} {queries:8d} {size / 1024:6.0f} {ms / base_ms:8.1f}")
    home = results["/dashboard/"]
    verdict = "meets" if home < GOAL_MS else "MISSES"
    print(
        f"/dashboard/ at {args.programs:,} programs: {home:.0f} ms ({cpu('/dashboard/'):.0f} ms CPU), "
        f"{verdict} the {GOAL_MS} ms goal"
    )


if __name__ == "__main__":
    main()
