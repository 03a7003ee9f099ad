"""The ledger selector and the portfolio report at scale: synth's ledgers (추경 rounds, adjustments,
closes and their carry-ins) on 1,000 programs and 200,000 budget lines.

Run: `.venv/bin/python bench/ledger.py [--programs 1000 --lines 200000 --repeat 3]` (`make bench`
runs it too). Prints, for the ledger selector (all years, one fiscal year, one portfolio's subtree):
median time and queries; for `generate_report portfolio` on the same database: build time and its
ratio to a bare styled openpyxl write of the same cells, measured as bench/report_build.py does
(its functions, each measurement a fresh process). SQLite in bench/out/, shared with that bench.
"""

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report_build  # noqa: E402  (needs the project on the path)
from bench.common import OUT, setup, timed  # noqa: E402


def prepare(programs: int, lines: int) -> None:
    """The bench database with synth's ledgers; made again when it predates them (no closes)."""
    os.environ["DATABASE_URL"] = report_build.database_env(programs, lines)["DATABASE_URL"]
    os.environ["REDIS_URL"] = ""
    setup(programs, lines)
    from portfolio.models import YearEndClose

    if not YearEndClose.objects.filter(program__code__startswith="SYN-").exists():
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "synth", f"--programs={programs}", f"--lines={lines}"], check=True)


def selector_figures(repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portfolio.models import BudgetAdjustment, BudgetLine, Execution, Program, YearEndClose
    from portfolio.selectors import ledger

    synthetic = {"program__code__startswith": "SYN-"}
    print(
        f"synthetic ledgers: {Program.objects.filter(code__startswith='SYN-').count():,} programs, "
        f"{BudgetLine.objects.filter(**synthetic).count():,} budget lines, "
        f"{BudgetAdjustment.objects.filter(**synthetic).count():,} adjustments "
        f"({BudgetAdjustment.objects.filter(made_by_close__isnull=False, **synthetic).count():,} carry-ins "
        f"made by closes), {Execution.objects.filter(**synthetic).count():,} executions, "
        f"{YearEndClose.objects.filter(**synthetic).count():,} closes"
    )
    portfolio = Program.objects.filter(code__startswith="SYN-", parent=None).order_by("code").first()
    cases = [
        ("ledger(): every program, every year", lambda: ledger().scope_cells()),
        ("ledger(fiscal_year=2025): one closed year", lambda: ledger(fiscal_year=2025).scope_cells()),
        (
            f"ledger(root={portfolio.code}): one portfolio's subtree",
            lambda: ledger(root=portfolio.code).program_cells(portfolio.pk),
        ),
    ]
    print(f"{'selector':58} {'median ms':>10} {'queries':>8} {'cells':>8}")
    for label, function in cases:
        median, cells = timed(function, repeat=repeat)
        with CaptureQueriesContext(connection) as captured:
            function()
        print(f"{label:58} {median:10.0f} {len(captured):8} {len(cells):8,}")


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
    print(f"report ÷ bare openpyxl styled: {build / bare:.2f}×  (goal ≤ 1.25×)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-report", action="store_true", help="the selector only")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    prepare(args.programs, args.lines)
    selector_figures(args.repeat)
    if not args.no_report:
        try:
            report_figures(args.programs, args.lines, args.repeat)
        except SystemExit as failure:  # report_build stops with the child's error output
            print(f"portfolio report not measured: {str(failure).strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
