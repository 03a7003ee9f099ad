"""The workbooks as finished documents: LibreOffice recalculates every total to the selectors'
figures, one money unit runs through every money cell, and the print set-up, fonts and file
properties read back as a manager would print and file them."""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from portfolio import selectors
from portfolio.selectors.ledger import known_sum
from reports.builders import kpi, portfolio
from reports.builders.xlsx import A4_WIDTH, FONT_NAME, MONEY
from tests.conftest import missing_service
from tests.reports.conftest import workbook

TODAY = datetime.datetime(2026, 3, 15, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(TODAY, tick=False)


def build(tmp_path: Path, builder=portfolio, name: str = "portfolio.xlsx", **options) -> Path:
    path = tmp_path / name
    builder.build(path, **options)
    return path


def recalculated(path: Path, tmp_path: Path):
    """The workbook as LibreOffice computes it: converted headless to .xlsx, which stores the value
    of every formula (openpyxl writes formulas without values), read back with data_only."""
    if not shutil.which("soffice"):
        missing_service("soffice is not installed (apt-get install libreoffice-calc-nogui)")
    out = tmp_path / "recalculated"
    result = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0 and (out / path.name).exists(), result.stderr
    return load_workbook(out / path.name, data_only=True)


def formula_cells(book):
    """(sheet title, coordinate) of every formula in the workbook as built."""
    return [
        (sheet.title, cell.coordinate)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def row_of(sheet, column: int, text: str, start: int = 1) -> int:
    """The first row at or after `start` whose cell in `column` (1-based) is `text`."""
    for row in range(start, sheet.max_row + 1):
        if sheet.cell(row, column).value == text:
            return row
    raise AssertionError(f"{text!r} is not in column {column} of {sheet.title}")


def thousands(won) -> float | None:
    """A figure in 천원 as the workbook holds it; an unknown one (None) is an empty cell."""
    if won is None:
        return None
    return pytest.approx(won / 1000, abs=1e-6)


@pytest.mark.slow
def test_libreoffice_recalculates_every_total_to_the_selectors_figures(tmp_path, hand_made, worked_example):
    """Both fixtures at once: a tree with sources and stages over 2025–2026 (hand_made) and a
    closed 2026 국비 year with carry-overs, reserve, transfers and a refund (the worked example)."""
    year = 2026
    path = build(tmp_path, fiscal_year=year)  # in 천원, the default unit
    book = recalculated(path, tmp_path)
    built = workbook(path)

    # Every formula has a value (no #NAME?, #VALUE! …): an empty rate is "" by design.
    for title, coordinate in formula_cells(built):
        value = book[title][coordinate].value
        assert value is not None and not str(value).startswith("#"), (title, coordinate, value)

    headline = selectors.portfolio_totals(fiscal_year=year)
    cover = book["표지"]
    total = row_of(cover, 1, "합계")  # the first table's: money by funding source
    assert cover.cell(total, 2).value == thousands(headline.available)
    assert cover.cell(total, 3).value == thousands(headline.paid)
    assert cover.cell(total, 4).value == pytest.approx(headline.paid / headline.available)

    programs = book["사업별 요약"]
    city = row_of(programs, 2, "시 사업 합계 (2026회계연도)")
    assert [programs.cell(city, column).value for column in range(6, 10)] == [
        thousands(headline.total_cost),
        thousands(headline.planned),
        thousands(headline.available),
        thousands(headline.paid),
    ]
    national = selectors.national_context(fiscal_year=year).totals
    apart = row_of(programs, 2, "참고 항목 계")
    assert programs.cell(apart, 8).value == thousands(national.available) and national.available > 0

    years = book["연도별 예산"]
    every = selectors.budget_by_year()
    all_years = row_of(years, 1, "전체 연도")
    assert years.cell(all_years, 7).value == thousands(sum(y.budget for y in every))
    # A year with nothing executed has executed=None (unknown is not zero); the total adds the known.
    assert years.cell(all_years, 9).value == thousands(known_sum(y.executed for y in every))

    cells = book["연도·재원별 예산"]
    for sums in every:
        rows = range(2, cells.max_row + 1)
        subtotal = next(
            r for r in rows if (cells.cell(r, 1).value, cells.cell(r, 2).value) == (sums.key, "소계")
        )
        # A year with nothing executed has an empty 소계 there, as the selector's None.
        assert (cells.cell(subtotal, 4).value, cells.cell(subtotal, 5).value) == (
            thousands(sums.budget),
            thousands(sums.executed),
        )

    ledger = book["세출 집행 현황"]
    city_ledger = selectors.ledger(fiscal_year=year)
    by_source = {cell.funding_source: cell for cell in city_ledger.scope_cells() if cell.fiscal_year == year}
    heading = row_of(ledger, 2, "시 사업 합계")
    for row in range(heading, heading + len(by_source)):
        source = next(
            s for s in by_source if by_source[s].get_funding_source_display() == ledger.cell(row, 3).value
        )
        cell = by_source[source]
        assert [ledger.cell(row, column).value for column in (4, 10, 11, 12)] == [
            thousands(cell.original),
            thousands(cell.available),
            thousands(cell.committed),
            thousands(cell.paid),
        ]
    grand = row_of(ledger, 3, "합계", start=heading)
    whole = city_ledger.year(year)
    expected = [whole.original, whole.supplementary, whole.carried_in, whole.reserve, whole.transfers,
                whole.revenue_substitution, whole.available, whole.committed, whole.paid]  # fmt: skip
    assert [ledger.cell(grand, column).value for column in range(4, 13)] == [thousands(v) for v in expected]
    assert ledger.cell(grand, 13).value == pytest.approx(whole.paid / whole.available)
    # P's own 소계 over its 국비 (closed) and 시비 (open) rows.
    p_total = row_of(ledger, 3, "소계")
    p_cells = [c for c in city_ledger.own[worked_example.pk] if c.fiscal_year == year]
    assert ledger.cell(p_total, 1).value == "P"
    assert ledger.cell(p_total, 10).value == thousands(sum(c.available for c in p_cells))

    lines, executions = book["예산 명세"], book["집행 내역"]
    city_lines = selectors.budget_line_ledger()
    assert lines.cell(city_lines.count + 2, 6).value == thousands(sum(row[4] for row in city_lines.rows))
    city_executions = selectors.execution_ledger()
    assert executions.cell(city_executions.count + 2, 6).value == thousands(
        sum(row[3] for row in city_executions.rows)
    )


def money_columns(sheet, unit: str) -> list[int]:
    return [
        cell.column for cell in sheet[1] if isinstance(cell.value, str) and cell.value.endswith(f"({unit})")
    ]


def test_the_unit_changes_every_money_cell_and_nothing_else(tmp_path, hand_made, worked_example):
    won = workbook(build(tmp_path, name="won.xlsx", unit="won", fiscal_year=2025))
    eok = workbook(build(tmp_path, name="eok.xlsx", unit="eok", fiscal_year=2025))
    assert won.sheetnames == eok.sheetnames
    scaled = 0
    for sheet_won, sheet_eok in zip(won.worksheets, eok.worksheets, strict=True):
        money = set(money_columns(sheet_won, "원"))
        assert money == set(money_columns(sheet_eok, "억원")), sheet_won.title
        for row_won, row_eok in zip(sheet_won.iter_rows(), sheet_eok.iter_rows(), strict=True):
            for a, b in zip(row_won, row_eok, strict=True):
                if isinstance(a.value, str) and a.data_type != "f":
                    # Texts differ only by the unit they name (headers, the cover's unit and note).
                    assert a.value == b.value.replace("억원", "원"), (sheet_won.title, a.coordinate)
                    continue
                if a.data_type == "f" or not isinstance(a.value, int | float):
                    assert a.value == b.value, (sheet_won.title, a.coordinate)
                    continue
                if a.value != b.value:
                    # A money cell: the same amount in 억원, shown without decimals.
                    assert b.value == pytest.approx(a.value / 100_000_000), (sheet_won.title, a.coordinate)
                    assert a.number_format == b.number_format == MONEY, (sheet_won.title, a.coordinate)
                    scaled += 1
                elif a.column in money and a.row > 1 and a.value:
                    raise AssertionError(f"{sheet_won.title}!{a.coordinate} was not converted")
    assert scaled > 50
    # Every amount of a won-sized column sits under a header that names the unit.
    for sheet in won.worksheets[1:]:
        money = set(money_columns(sheet, "원"))
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if (
                    isinstance(cell.value, int)
                    and abs(cell.value) >= 10_000_000
                    and cell.number_format == MONEY
                ):
                    assert cell.column in money, (sheet.title, cell.coordinate)


def page_widths(sheet) -> list[float]:
    """The width of each page across: the repeated title columns plus the columns between breaks."""
    widths = [
        sheet.column_dimensions[letter].width
        for letter in sorted(sheet.column_dimensions, key=column_index_from_string)
        if sheet.column_dimensions[letter].width
    ]
    titles = 0
    if sheet.print_title_cols:
        titles = column_index_from_string(sheet.print_title_cols.split(":")[-1].replace("$", ""))
    breaks = [brk.id for brk in sheet.col_breaks.brk] + [len(widths)]
    pages, start = [], 0
    for end in breaks:
        repeated = sum(widths[:titles]) if start >= titles else 0
        pages.append(repeated + sum(widths[start:end]))
        start = end
    return pages


@pytest.mark.parametrize(
    ("builder", "title"), [(portfolio, "광주 AI 포트폴리오 보고서"), (kpi, "광주 AI 성과지표 보고서")]
)
def test_every_sheet_prints_on_a4_with_titles_page_numbers_and_readable_text(
    tmp_path, hand_made, builder, title
):
    book = workbook(build(tmp_path, builder, requested_by="김과장"))
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert int(setup.paperSize) == 9, sheet.title  # A4
        assert setup.orientation == ("portrait" if sheet.title == "표지" else "landscape"), sheet.title
        # Printed at 100 %, never shrunk to fit: 9 pt text stays 9 pt.
        assert int(setup.scale) == 100 and not sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.oddHeader.left.text == title
        assert sheet.oddHeader.right.text == "기준일 2026-03-15 (실시간)"
        assert sheet.oddFooter.center.text == "&P / &N 쪽"
        if sheet[1][0].value and sheet.title not in ("표지", "그래프"):
            assert sheet.print_title_rows == "$1:$1", sheet.title  # the header on every page
        room = A4_WIDTH[setup.orientation == "landscape"]
        assert all(width <= room for width in page_widths(sheet)), (sheet.title, page_widths(sheet), room)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.font.name == FONT_NAME and cell.font.sz >= 8, (sheet.title, cell.coordinate)


def test_the_wide_sheets_print_across_pages_repeating_their_first_columns(tmp_path, worked_example):
    book = workbook(build(tmp_path))
    ledger = book["세출 집행 현황"]
    assert ledger.print_title_cols == "$A:$C"
    # Page one: how 예산현액 is made, up to it (column J); page two: what was done with it.
    assert [brk.id for brk in ledger.col_breaks.brk] == [10]


def test_charts_start_a_page_so_no_page_break_cuts_them(tmp_path, hand_made):
    book = workbook(build(tmp_path, kpi, name="kpi.xlsx"))
    charts = book["그래프"]
    anchors = [chart.anchor._from.row for chart in charts._charts]  # 0-based, the block's first row
    breaks = {brk.id for brk in charts.row_breaks.brk}
    # Two blocks of 14 rows (15 pt each, 420 pt) a page: every other block starts a page.
    assert len(anchors) == 2 and anchors[1] - anchors[0] == 14
    assert all((row in breaks) == (index % 2 == 0 and index > 0) for index, row in enumerate(anchors))
    assert charts.sheet_format.customHeight and float(charts.sheet_format.defaultRowHeight) == 15


@pytest.mark.parametrize("builder", [portfolio, kpi])
def test_the_file_says_who_made_it_and_its_day(tmp_path, hand_made, builder):
    properties = workbook(build(tmp_path, builder, as_of=datetime.date(2025, 12, 31))).properties
    assert properties.creator == "광주광역시 인공지능산업실"
    assert properties.title.startswith("광주 AI ")
    assert properties.description == "기준일 2025-12-31"
    assert properties.language == "ko-KR"
