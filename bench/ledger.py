"""The ledger selector and the portfolio report at scale: synth's ledgers (추경 rounds, adjustments,
closes and their carry-ins) on 1,000 programs and 200,000 budget lines.

Run: `.venv/bin/python bench/ledger.py [--programs 1000 --lines 200000 --repeat 3]
[--postgres postgres://…/DBNAME]` (`make bench` runs it too). Prints the machine's load, then, for
the ledger selector (all years, one fiscal year, one portfolio's subtree) on SQLite (bench/out/,
shared with bench/report_build.py) and, given `--postgres`, on that database (filled by synth when
it lacks the synthetic portfolio; give it a database of its own): median wall and CPU time and
queries, each database in a fresh process. Then `generate_report portfolio` on the SQLite database:
build time and its ratio to a bare styled openpyxl write of the same cells, measured as
bench/report_build.py does (its functions, each measurement a fresh process).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report_build  # noqa: E402  (needs the project on the path)
from bench.common import OUT, setup, timed  # noqa: E402


def prepare(programs: int, lines: int, database_url: str) -> None:
    """Django on `database_url` with synth's ledgers; synth again when they predate ledgers."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = ""
    setup(programs, lines)
    from portfolio.models import YearEndClose

    if not YearEndClose.objects.filter(program__code__startswith="SYN-").exists():
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "synth", f"--programs={programs}", f"--lines={lines}"], check=True)


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def selector_figures(repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portfolio.models import BudgetAdjustment, BudgetLine, Execution, Program, YearEndClose
    from portfolio.selectors import ledger

    synthetic = {"program__code__startswith": "SYN-"}
    print(
        f"{connection.vendor}: {Program.objects.filter(code__startswith='SYN-').count():,} synthetic "
        f"programs, {BudgetLine.objects.filter(**synthetic).count():,} budget lines, "
        f"{BudgetAdjustment.objects.filter(**synthetic).count():,} adjustments "
        f"({BudgetAdjustment.objects.filter(made_by_close__isnull=False, **synthetic).count():,} carry-ins "
        f"made by closes), {Execution.objects.filter(**synthetic).count():,} executions, "
        f"{YearEndClose.objects.filter(**synthetic).count():,} closes; {load()}"
    )
    portfolio = Program.objects.filter(code__startswith="SYN-", parent=None).order_by("code").first()

    def every_subtree() -> list:
        book = ledger()
        return [cell for node in book.scope.nodes for cell in book.program_cells(node.id)]

    cases = [
        ("ledger(): every program, every year", lambda: ledger().scope_cells()),
        ("ledger(fiscal_year=2025): one closed year", lambda: ledger(fiscal_year=2025).scope_cells()),
        (
            f"ledger(root={portfolio.code}): one portfolio's subtree",
            lambda: ledger(root=portfolio.code).program_cells(portfolio.pk),
        ),
        (
            "ledger(): every program's subtree (as the programs list)",
            lambda: [
                cell
                for book in [ledger()]
                for node in book.scope.nodes
                for cell in book.program_cells(node.id)
            ],
        ),
    ]
    print(f"{'selector':58} {'wall ms':>8} {'CPU ms':>8} {'queries':>8} {'cells':>8}")
    for label, function in cases:
        cpu_started = time.process_time()
        median, cells = timed(function, repeat=repeat)
        cpu = (time.process_time() - cpu_started) * 1000 / (repeat + 1)  # the warm-up run included
        with CaptureQueriesContext(connection) as captured:
            function()
        print(f"{label:58} {median:8.0f} {cpu:8.0f} {len(captured):8} {len(cells):8,}")


def report_figures(programs: int, lines: int, repeat: int) -> None:
    big, dump = OUT / "report-ledger.xlsx", OUT / "report-ledger-cells.pickle"
    report_build.generate(programs, lines, big)  # once, for the cells the bare write writes again
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "report_build.py"), "--child", "dump", str(big), str(dump)],
        check=True,
    )
    runs = []
    for number in range(repeat):
        print(f"report round {number + 1} of {repeat} …", flush=True)
        build, _wall, peak = report_build.generate(programs, lines, big)
        floor, _ = report_build.child_timed("floor", str(dump))
        bare, _ = report_build.child_timed("openpyxl", str(dump), str(OUT / "bare-openpyxl-ledger.xlsx"))
        runs.append((build, peak, bare - floor))
    build, peak, bare = (statistics.median(column) for column in zip(*runs, strict=True))
    print(f"generate_report portfolio: {build:.2f} s, peak {peak:.0f} MB (median of {repeat})")
    print(f"bare styled openpyxl write of the same cells: {bare:.2f} s")
    print(f"report ÷ bare openpyxl styled: {build / bare:.2f}×  (goal ≤ 1.25×); {load()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL to time the selector on as well")
    parser.add_argument("--no-report", action="store_true", help="the selector only")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # time the selector on this database
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.child:
        prepare(args.programs, args.lines, args.child)
        selector_figures(args.repeat)
        return
    print(f"bench/ledger.py, {args.programs:,} programs, {args.lines:,} lines; {load()}", flush=True)
    sqlite = report_build.database_env(args.programs, args.lines)["DATABASE_URL"]
    for database in [sqlite, args.postgres] if args.postgres else [sqlite]:
        child = [sys.executable, __file__, f"--programs={args.programs}", f"--lines={args.lines}"]
        subprocess.run([*child, f"--repeat={args.repeat}", f"--child={database}"], check=True)
    if not args.no_report:
        os.environ["DATABASE_URL"] = sqlite
        try:
            report_figures(args.programs, args.lines, args.repeat)
        except SystemExit as failure:  # report_build stops with the child's error output
            print(f"portfolio report not measured: {str(failure).strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
