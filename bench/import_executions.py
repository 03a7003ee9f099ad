"""Importing execution rows from a spreadsheet: time, rows/s and peak memory, dry run and apply.

Run: `.venv/bin/python bench/import_executions.py [--sizes 10000,100000] [--format xlsx|csv]`.
Each measurement runs in a fresh process (peak RSS is per process) against its own database
(bench/out/bench-imports.sqlite3 unless DATABASE_URL is set), with DEBUG off so Django keeps
no query log. For each size it times four runs of the same file of new executions (each with a
reference, the natural key): the check and row count made before a file is opened (zip sizes,
over-long texts, rows), a dry run, the apply that adds every row, the same file again (every row
unchanged: nothing written), a dry run of a file whose amounts all changed (every row matched, so
the preview keeps a digest of each) and its apply (every row updated).
It prints rows/s against the goal of 5,000 applied rows/s and the peak memory of the largest
size over the smallest (flat memory means a ratio near 1 while the rows grow tenfold).
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PROGRAMS = 100
GOAL_ROWS_PER_S = 5_000
HEADER = ["사업코드", "집행일", "재원", "금액(원)", "내용", "문서 번호"]
SOURCES = ["국비", "시비", "도비", "민자", "기타"]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'bench-imports.sqlite3'}")
    env["DEBUG"] = "0"  # no query log growing with the rows
    env.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    env.setdefault("REDIS_URL", "")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return env


def rows(count: int, *, bump: int = 0):
    start = datetime.date(2026, 1, 1)
    for n in range(count):
        yield [
            f"BENCH-{n % PROGRAMS:03d}",
            start + datetime.timedelta(days=n % 365),
            SOURCES[n % len(SOURCES)],
            1_000_000 + (n % 997) * 1_000 + bump,
            f"집행 {n}",
            f"B-{n:07d}",
        ]


def write_file(count: int, fmt: str, *, bump: int = 0) -> Path:
    path = OUT / f"executions-{count}-{bump}.{fmt}"
    if path.exists():
        return path
    if fmt == "csv":
        import csv

        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows([r[0], r[1].isoformat(), *r[2:]] for r in rows(count, bump=bump))
    else:
        # XlsxWriter writes as Excel does (shared strings, a dimension tag), so the file is read
        # the way an office workbook is; openpyxl's own write-only files read slower.
        import xlsxwriter

        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("집행")
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, HEADER)
        for index, row in enumerate(rows(count, bump=bump), start=1):
            sheet.write_row(index, 0, row[:1])
            sheet.write_datetime(index, 1, datetime.datetime.combine(row[1], datetime.time()), date_format)
            sheet.write_row(index, 2, row[2:])
        book.close()
    return path


def peak_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: Linux carries that across exec, so a
    child would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, path: str) -> None:
    """One measured import in this process; prints a JSON line."""
    if mode.startswith("write-"):
        count, fmt, bump = mode.split("-")[1:]
        write_file(int(count), fmt, bump=int(bump))
        return
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from imports.engine import Importer
    from portfolio.models import Execution, Program

    if mode == "reset":
        ids = list(Program.objects.filter(code__startswith="BENCH-").values_list("pk", flat=True))
        for queryset in (
            Execution.history.filter(program_id__in=ids),
            Execution.objects.filter(program_id__in=ids),
        ):
            queryset._raw_delete(queryset.db)  # no per-row deletion history for bench data
        for n in range(PROGRAMS):
            Program.objects.get_or_create(code=f"BENCH-{n:03d}", defaults={"name_ko": f"벤치마크 사업 {n}"})
        return
    # As in the admin, the import runs as a user, who is named in every history row.
    user, _ = get_user_model().objects.get_or_create(username="bench-importer", defaults={"is_staff": True})
    baseline = peak_mb()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if mode == "check":
        from imports.readers import estimate_rows

        counts = {"rows counted": estimate_rows(path)}
    else:
        summary = Importer("executions", user=user, reason="bench").run(path, dry_run=(mode == "dry-run"))
        assert not summary.failed, (summary.file_error, summary.counts)
        counts = dict(summary.counts)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "seconds": seconds,
        # CPU time of this process: less sensitive than wall time to other work on a shared machine
        # (with SQLite it includes the database's work; with PostgreSQL the server's is not in it).
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "counts": counts,
        "peak_mb": peak_mb(),
        "baseline_mb": baseline,
    }
    print(json.dumps(figures))


def measure(mode: str, path: Path, env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"{mode} {path.name} failed:\n{result.stderr[-3000:]}")
    if mode == "reset" or mode.startswith("write-"):
        return {}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"))
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        child(*args.child)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    env = environment()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"database: {env['DATABASE_URL'].split(':')[0]}; file format: {args.format}; {PROGRAMS} programs")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"{'rows':>8} {'run':<24} {'seconds':>8} {'rows/s':>8} {'CPU s':>6} {'rows/CPU s':>10} "
        f"{'peak MB':>8} {'+MB':>5}  outcome"
    )
    peaks: dict[int, float] = {}
    applied: dict[int, float] = {}
    for size in sizes:
        # Written by a child process, so this one stays small while the measured ones run.
        for bump in (0, 1):
            measure(f"write-{size}-{args.format}-{bump}", OUT / "unused", env)
        new_file = write_file(size, args.format)
        changed_file = write_file(size, args.format, bump=1)
        measure("reset", new_file, env)
        for label, mode, path in [
            ("check and count rows", "check", new_file),
            ("dry run (all new)", "dry-run", new_file),
            ("apply (all new)", "apply", new_file),
            ("apply again (unchanged)", "apply", new_file),
            ("dry run (all changed)", "dry-run", changed_file),
            ("apply (all changed)", "apply", changed_file),
        ]:
            figures = measure(mode, path, env)
            rate = size / figures["seconds"]
            growth = figures["peak_mb"] - figures["baseline_mb"]
            outcome = ", ".join(f"{name} {count:,}" for name, count in sorted(figures["counts"].items()))
            print(
                f"{size:>8,} {label:<24} {figures['seconds']:>8.1f} {rate:>8,.0f} {figures['cpu']:>6.1f} "
                f"{size / figures['cpu']:>10,.0f} {figures['peak_mb']:>8.0f} {growth:>5.0f}  {outcome}"
            )
            peaks[size] = max(peaks.get(size, 0), figures["peak_mb"])
            if label == "apply (all new)":
                applied[size] = (rate, size / figures["cpu"])
        measure("reset", new_file, env)
    small, large = min(sizes), max(sizes)
    if small != large:
        print(
            f"peak memory {large:,} vs {small:,} rows: {peaks[large]:.0f} / {peaks[small]:.0f} MB "
            f"= {peaks[large] / peaks[small]:.2f}× for {large / small:.0f}× the rows"
        )
    rate, cpu_rate = applied[large]
    verdict = "meets" if rate >= GOAL_ROWS_PER_S else "misses"
    print(
        f"applied {large:,} new rows at {rate:,.0f} rows/s wall ({cpu_rate:,.0f} per CPU second): "
        f"{verdict} the goal of {GOAL_ROWS_PER_S:,} rows/s"
    )


if __name__ == "__main__":
    main()
