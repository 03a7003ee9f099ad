"""Admin changelist of budget lines on 200,000 synthetic rows: server time and query count.

Run: `make bench` (or `.venv/bin/python bench/admin_changelist.py [--programs N --lines M]`).
Prints, per page, the median time of the full request through Django's test client, the
number of SQL queries, and the ratio to the admin index page served the same way.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import setup, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    setup(args.programs, args.lines)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portfolio.models import BudgetLine

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    def page(path: str):
        def get():
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, HTTP_HOST="localhost")
            assert response.status_code == 200, (path, response.status_code)
            return len(captured)

        return get

    base_ms, base_queries = timed(page("/admin/"))
    print(f"budget lines: {BudgetLine.objects.count():,}; database: {connection.vendor}")
    print(f"{'page':58} {'median ms':>10} {'queries':>8} {'× index':>8}")
    print(f"{'/admin/ (index, for scale)':58} {base_ms:10.1f} {base_queries:8d} {1:8.1f}")
    for path in [
        "/admin/portfolio/budgetline/",
        "/admin/portfolio/budgetline/?fiscal_year=2026",
        "/admin/portfolio/budgetline/?fiscal_year=2026&funding_source=city&stage=2",
        "/admin/portfolio/budgetline/?q=SYN-00500",
        "/admin/portfolio/budgetline/?p=2000",
        "/admin/portfolio/budgetline/?o=5",
        "/admin/portfolio/program/",
        "/admin/portfolio/execution/",
    ]:
        ms, queries = timed(page(path))
        print(f"{path:58} {ms:10.1f} {queries:8d} {ms / base_ms:8.1f}")


if __name__ == "__main__":
    main()
