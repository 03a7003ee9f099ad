"""The portfolio report's build time and peak memory beside bare writes of the same cells.

Run: `.venv/bin/python bench/report_build.py [--programs 1000 --lines 200000 --small-lines 20000]`
(`make bench` runs it too). Every measurement is a fresh process, timed here, its peak RSS read
from the kernel (wait4), so the figures compare like with like in one run:

1. `manage.py generate_report portfolio` on `synth --programs P --lines L` (SQLite in bench/out/);
2. the cells of that very workbook (values and number formats, read back once, not timed) written
   again with a bare openpyxl write-only workbook, styled the same way, with no database;
3. the same cells with XlsxWriter in constant-memory mode;
4. `generate_report portfolio` on a tenth of the lines, to show memory stays flat.

The bare writers stream the cells from a dump (pickled chunks) instead of a database; reading the
dump alone is measured too ("floor") and taken off their time, so the ratios are conservative.
Goal: report ≤ 1.25× the bare styled openpyxl write; peak memory ≤ 200 MB and flat.
"""

import argparse
import json
import os
import pickle
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

CHUNK = 5000


# --- measuring a child process --------------------------------------------------------------------


def peak_of(command: list[str], env: dict) -> tuple[float, float, str]:
    """Run `command`; return (wall seconds, its peak RSS in MB from wait4, its stdout)."""
    started = time.perf_counter()
    with open(OUT / "child.out", "w") as out, open(OUT / "child.err", "w") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(command)} failed:\n{(OUT / 'child.err').read_text()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, (OUT / "child.out").read_text()


def database_env(programs: int, lines: int) -> dict:
    return os.environ | {
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{OUT / f'bench-{programs}-{lines}.sqlite3'}",
        "REDIS_URL": "",
    }


# --- the children -----------------------------------------------------------------------------------


def child_prepare(programs: int, lines: int) -> None:
    from bench.common import setup

    setup(programs, lines)


def child_dump(workbook_path: Path, dump_path: Path) -> None:
    """Write every sheet's cells (values, and each column's number format, font, border and
    alignment) as pickled chunks of rows. A cell the workbook holds with a style but no value
    (a bordered empty note) is written again as such."""
    from copy import copy

    from openpyxl import load_workbook
    from openpyxl.cell.read_only import EmptyCell

    book = load_workbook(workbook_path, read_only=True)
    with dump_path.open("wb") as dump:
        for sheet in book.worksheets:
            rows = sheet.iter_rows()
            header = [cell.value for cell in next(rows, [])]
            chunk_dumped = False
            chunk, formats = [], []
            pickle.dump(("sheet", sheet.title, header), dump)
            for row in rows:
                chunk.append(tuple(getattr(cell, "value", None) for cell in row))
                if len(formats) < len(row):
                    formats += [None] * (len(row) - len(formats))
                if not chunk_dumped:
                    # The first chunk decides each column's style: the style of its first cell the
                    # workbook holds, empty or not (the report borders its empty cells too, and the
                    # bare write must write those cells as well).
                    for index, cell in enumerate(row):
                        if formats[index] is None and not isinstance(cell, EmptyCell):
                            formats[index] = (cell.number_format or "General", copy(cell.font),
                                              copy(cell.border), copy(cell.alignment))  # fmt: skip
                if len(chunk) == CHUNK:
                    if not chunk_dumped:
                        pickle.dump(("formats", formats), dump)
                        chunk_dumped = True
                    pickle.dump(("rows", chunk), dump)
                    chunk = []
            if not chunk_dumped:
                pickle.dump(("formats", formats), dump)
            if chunk:
                pickle.dump(("rows", chunk), dump)
        pickle.dump(("end",), dump)


def read_dump(dump_path: Path):
    with dump_path.open("rb") as dump:
        while True:
            record = pickle.load(dump)
            if record[0] == "end":
                return
            yield record


def child_floor(dump_path: Path) -> None:
    started = time.perf_counter()
    cells = sum(len(row) for record in read_dump(dump_path) if record[0] == "rows" for row in record[1])
    print(json.dumps({"seconds": time.perf_counter() - started, "cells": cells}))


def child_openpyxl(dump_path: Path, target: Path) -> None:
    """A bare styled write-only write: bold header, frozen panes, autofilter, each column's number
    format, font, border and alignment on one reused cell (openpyxl's fastest styled path), as the
    report styles every cell of its tables."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = templates = None
    bold = Font(bold=True)
    for record in read_dump(dump_path):
        if record[0] == "sheet":
            sheet = book.create_sheet(record[1][:31])
            sheet.freeze_panes = "A2"
            header = []
            for value in record[2]:
                cell = WriteOnlyCell(sheet, value)
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            templates = None
        elif record[0] == "formats":
            templates = []
            for style in record[1]:
                if style is None:
                    templates.append(None)
                else:
                    cell = WriteOnlyCell(sheet)
                    cell.number_format, cell.font, cell.border, cell.alignment = style
                    templates.append(cell)
        else:
            for values in record[1]:
                row = []
                for template, value in zip(templates, values, strict=False):
                    if template is None:
                        row.append(value)
                    else:
                        template.value = value
                        row.append(template)
                sheet.append(row)
            sheet.auto_filter.ref = f"A1:{sheet._max_col or 'A'}{sheet._max_row or 1}"
    book.save(target)
    print(json.dumps({"seconds": time.perf_counter() - started}))


def child_xlsxwriter(dump_path: Path, target: Path) -> None:
    import datetime

    import xlsxwriter

    started = time.perf_counter()
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    bold = book.add_format({"bold": True})
    formats: dict[str, object] = {}
    sheet = column_formats = None
    row_index = 0
    for record in read_dump(dump_path):
        if record[0] == "sheet":
            sheet = book.add_worksheet(record[1][:31])
            sheet.freeze_panes(1, 0)
            for column, value in enumerate(record[2]):
                if value is not None:
                    sheet.write_string(0, column, str(value), bold)
            row_index, column_formats = 1, None
        elif record[0] == "formats":
            column_formats = [
                None
                if style is None
                else formats.setdefault(style[0], book.add_format({"num_format": style[0]}))
                for style in record[1]
            ]
        else:
            for values in record[1]:
                for column, value in enumerate(values):
                    if value is None:
                        continue
                    fmt = column_formats[column] if column < len(column_formats) else None
                    if isinstance(value, str):
                        sheet.write_string(row_index, column, value, fmt)
                    elif isinstance(value, datetime.datetime):
                        sheet.write_datetime(row_index, column, value, fmt)
                    else:
                        sheet.write_number(row_index, column, value, fmt)
                row_index += 1
            sheet.autofilter(0, 0, row_index - 1, max(0, len(column_formats or [1]) - 1))
    book.close()
    print(json.dumps({"seconds": time.perf_counter() - started}))


# --- the run ---------------------------------------------------------------------------------------


def generate(programs: int, lines: int, target: Path) -> tuple[float, float, float]:
    """(build seconds as the command reports them, wall seconds, peak MB)."""
    command = [sys.executable, "manage.py", "generate_report", "portfolio", "--out", str(target)]
    wall, peak, stdout = peak_of(command, database_env(programs, lines))
    build = float(re.search(r"in ([\d.]+) s", stdout).group(1))
    return build, wall, peak


def child_timed(kind: str, *args: str) -> tuple[float, float]:
    """(seconds the child reports for its own work, peak MB)."""
    command = [sys.executable, str(Path(__file__)), "--child", kind, *args]
    _wall, peak, stdout = peak_of(command, os.environ.copy())
    return json.loads(stdout.strip().splitlines()[-1])["seconds"], peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--small-lines", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is shown")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        {
            "prepare": lambda: child_prepare(int(rest[0]), int(rest[1])),
            "dump": lambda: child_dump(Path(rest[0]), Path(rest[1])),
            "floor": lambda: child_floor(Path(rest[0])),
            "openpyxl": lambda: child_openpyxl(Path(rest[0]), Path(rest[1])),
            "xlsxwriter": lambda: child_xlsxwriter(Path(rest[0]), Path(rest[1])),
        }[kind]()
        return

    OUT.mkdir(parents=True, exist_ok=True)
    for lines in (args.lines, args.small_lines):
        print(f"preparing synth --programs {args.programs} --lines {lines} …", flush=True)
        subprocess.run(
            [sys.executable, str(Path(__file__)), "--child", "prepare", str(args.programs), str(lines)],
            cwd=ROOT, env=database_env(args.programs, lines), check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    big, dump = OUT / "report-big.xlsx", OUT / "report-cells.pickle"
    generate(args.programs, args.lines, big)  # once, for the cells the bare writers write again
    subprocess.run([sys.executable, str(Path(__file__)), "--child", "dump", str(big), str(dump)], check=True)
    # Interleaved rounds, so a busy neighbour on a shared machine slows every method alike.
    rounds = []
    for number in range(args.repeat):
        print(f"round {number + 1} of {args.repeat} …", flush=True)
        rounds.append(
            (
                generate(args.programs, args.lines, big),
                child_timed("floor", str(dump)),
                child_timed("openpyxl", str(dump), str(OUT / "bare-openpyxl.xlsx")),
                child_timed("xlsxwriter", str(dump), str(OUT / "bare-xw.xlsx")),
                generate(args.programs, args.small_lines, OUT / "report-small.xlsx"),
            )
        )
    report, floor, bare, xw, small = (
        tuple(statistics.median(values) for values in zip(*column, strict=True))
        for column in zip(*rounds, strict=True)
    )

    counted = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child", "floor", str(dump)], capture_output=True, text=True
    )
    cells = json.loads(counted.stdout)["cells"]
    bare_write, xw_write = bare[0] - floor[0], xw[0] - floor[0]

    def line(label: str, seconds: float, peak: float | None = None) -> None:
        print(f"{label:62} {seconds:8.2f} {'' if peak is None else f'{peak:8.0f}':>8}")

    print()
    print(f"portfolio report, {args.programs:,} programs, {args.lines:,} budget lines: {cells:,} cells;")
    print(f"median of {args.repeat} runs, each in a fresh process; {os.cpu_count()} cores")
    print(f"{'method':62} {'seconds':>8} {'peak MB':>8}")
    line("generate_report portfolio (build, as the command times it)", report[0], report[2])
    line("  same, whole process (Python and Django start-up included)", report[1])
    line("floor: reading the cells back from the dump", floor[0], floor[1])
    line("bare openpyxl write-only, styled, same cells (minus floor)", bare_write, bare[1])
    line("XlsxWriter constant_memory, styled, same cells (minus floor)", xw_write, xw[1])
    line(f"generate_report portfolio on {args.small_lines:,} lines", small[0], small[2])
    print()
    print(f"report ÷ bare openpyxl styled:  {report[0] / bare_write:5.2f}×  (goal ≤ 1.25×)")
    print(f"report ÷ XlsxWriter cm:         {report[0] / xw_write:5.2f}×")
    print(f"bare openpyxl ÷ XlsxWriter cm:  {bare_write / xw_write:5.2f}×")
    print(
        f"peak memory, {args.lines:,} ÷ {args.small_lines:,} lines: {report[2] / small[2]:5.2f}×  "
        f"({report[2]:.0f} MB vs {small[2]:.0f} MB; goal ≤ 200 MB and flat)"
    )


if __name__ == "__main__":
    main()
