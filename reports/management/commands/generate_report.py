"""`manage.py generate_report portfolio|kpi|briefing|briefing_hwpx --out FILE [--as-of DATE]
[--fiscal-year YEAR] [--unit won|thousand|million|eok]`: build a report here and now (the workbooks
as .xlsx, the briefing as .pdf or .hwpx).

Synchronous, for scripts and benchmarks: no ReportRun row, no queue. The file appears at --out
only when the whole report was written (it is built beside it and renamed).
"""

import datetime
import os
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portfolio.models import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN, Program
from portfolio.selectors import load_scope
from reports import builders
from reports.models import ReportUnit


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date like 2025-12-31; got {value!r}.") from None


class Command(BaseCommand):
    help = "Build a report (portfolio or kpi: .xlsx; briefing: .pdf) into a file, synchronously."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(builders.BUILDERS))
        parser.add_argument(
            "--out", required=True, help="where to write the file (.xlsx, or .pdf for the briefing)"
        )
        parser.add_argument("--as-of", type=parse_day, help="the data as it stood at the end of this day")
        parser.add_argument("--root", default="", help="a program code: report on its subtree only")
        parser.add_argument("--language", choices=["ko", "en"], default="ko")
        parser.add_argument(
            "--fiscal-year",
            type=int,
            help="portfolio and briefing: the fiscal year of the money (default: the as-of day's year)",
        )
        parser.add_argument(
            "--unit",
            choices=ReportUnit.values,
            default=ReportUnit.THOUSAND,
            help="money unit of the whole workbook (default: thousand, 천원)",
        )
        parser.add_argument("--requested-by", default="", help="the name the cover gives as asking")

    def handle(self, *args, kind, out, as_of, root, language, fiscal_year=None, unit="thousand", **options):
        if kind in ("briefing", "briefing_hwpx") and language != "ko":
            raise CommandError("The mayor's briefing is written in Korean only (--language ko).")
        if fiscal_year is not None and not FISCAL_YEAR_MIN <= fiscal_year <= FISCAL_YEAR_MAX:
            raise CommandError(f"--fiscal-year must lie between {FISCAL_YEAR_MIN} and {FISCAL_YEAR_MAX}.")
        extra = {"fiscal_year": fiscal_year, "unit": unit, "requested_by": options.get("requested_by", "")}
        if as_of and as_of > timezone.localdate():
            raise CommandError("--as-of cannot be in the future.")
        if root:
            try:
                load_scope(as_of=as_of, root=root)
            except Program.DoesNotExist:
                raise CommandError(f"No program has the code {root!r}.") from None
        out = Path(out)
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        started = time.perf_counter()
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        os.close(handle)
        try:
            builders.build(kind, Path(temporary), as_of=as_of, root=root or None, language=language, **extra)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # mkstemp made it private; give it the usual mode
            os.replace(temporary, out)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {out} ({out.stat().st_size:,} bytes) in {seconds:.1f} s.")
        )
