"""The portfolio workbook read back with openpyxl: every figure is the selectors' figure."""

import datetime
import re
import zipfile

import pytest
from django.utils import timezone

from portfolio import selectors
from portfolio.models import BudgetLine, Indicator, Program
from portfolio.services import set_budget_line
from reports.builders import portfolio
from tests import factories as f
from tests.reports.conftest import EOK_WON, workbook

COVER, PROGRAMS, YEARS, CELLS, KPI_CHART, LEDGER, LINES, EXECUTIONS, MILESTONES, KPIS, FIRMS, SOURCES = range(
    12
)
TODAY = datetime.datetime(2026, 3, 15, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    """Figures that depend on today (KPI status, slippage) are compared on one fixed day."""
    time_machine.move_to(TODAY, tick=False)


def build(tmp_path, **options):
    """The workbook in whole won (unit "won"), so figures compare with the selectors' as they are."""
    path = tmp_path / "portfolio.xlsx"
    portfolio.build(path, **({"unit": "won"} | options))
    return workbook(path)


def data_rows(sheet):
    return list(sheet.iter_rows(min_row=2, values_only=True))


def program_rows(sheet):
    """The city's program rows of the program sheet: those before its 합계 row."""
    rows = []
    for row in data_rows(sheet):
        if row[0] is None:
            break
        rows.append(row)
    return rows


def listing_rows(sheet):
    """A listing's rows without the 합계 row below them (the autofilter's range)."""
    last = int(sheet.auto_filter.ref.split(":")[1][1:])
    return list(sheet.iter_rows(min_row=2, max_row=last, values_only=True))


def approx(value):
    return pytest.approx(float(value), rel=1e-12, abs=1e-9) if value is not None else None


def test_the_program_sheet_has_the_selectors_totals_in_tree_order(tmp_path, hand_made):
    rows = program_rows(build(tmp_path).worksheets[PROGRAMS])
    expected = selectors.program_totals(include_national=False)
    assert [row[0] for row in rows] == [item.program.code for item in expected]
    for row, item in zip(rows, expected, strict=True):
        money = item.totals
        assert (row[5], row[6], row[7], row[8]) == (
            money.total_cost,
            money.planned,
            money.budget,
            money.executed,
        )
        assert row[9] == approx(money.execution_rate / 100 if money.execution_rate is not None else None)
    alpha = next(row for row in rows if row[0] == "H-A")
    # Money is one fiscal year's, the current one (2026): H-A's 2026 city line alone.
    assert alpha[7] == 3_000_000_000
    assert [row[2] for row in rows] == [1, 2, 3, 2]  # the tree level the 합계 adds up (level 1)
    # In 2025 the latest stage wins per year and source: 5.5B (추경) + 2B + the project's 0.7B.
    alpha_2025 = next(i for i in selectors.program_totals(fiscal_year=2025) if i.program.code == "H-A")
    assert alpha_2025.totals.budget == 5_500_000_000 + 2_000_000_000 + 700_000_000


def test_national_context_items_have_their_own_section_and_total(tmp_path, hand_made):
    sheet = build(tmp_path).worksheets[PROGRAMS]
    rows = data_rows(sheet)
    codes = [row[0] for row in rows]
    total_row = codes.index(None)  # the city's 합계, right under the city's programs
    assert rows[total_row][1] == "시 사업 합계 (2026회계연도)"
    assert "H-NAT" in codes[total_row:]
    assert rows[codes.index("H-NAT") - 1][1].startswith("국가 사업")
    assert rows[-1][1] == "참고 항목 계"
    # The city's 합계 adds up its top programs only (each row holds its subtree).
    formula = sheet.cell(total_row + 2, 8).value
    assert formula == f"=SUMIF(C2:C{total_row + 1},1,H2:H{total_row + 1})"


def test_program_names_are_indented_by_their_depth_in_the_tree(tmp_path, hand_made):
    sheet = build(tmp_path).worksheets[PROGRAMS]
    indents = {
        sheet.cell(row, 1).value: sheet.cell(row, 2).alignment.indent
        for row in range(2, sheet.max_row + 1)
        if sheet.cell(row, 1).value
    }
    assert indents == {"H": 0, "H-A": 1, "H-A-1": 2, "H-B": 1, "H-NAT": 0}
    assert sheet["B4"].value == "알파 세부"  # the text itself carries no padding


def cover_fields(book) -> dict:
    return {row[0]: row[1:] for row in book.worksheets[COVER].iter_rows(values_only=True) if row and row[0]}


def test_the_cover_gives_the_day_the_year_who_asked_and_the_unit(tmp_path, hand_made):
    fields = cover_fields(build(tmp_path, unit="thousand", requested_by="김과장"))
    assert fields["기준일"][0].date() == datetime.date(2026, 3, 15)
    assert fields["기준일"][1] == "실시간 (작성 시점의 자료)"  # "live" in words beside the date
    assert fields["회계연도"][0] == "2026회계연도"
    assert fields["요청자"][0] == "김과장"
    assert fields["금액 단위"][0] == "천원"
    assert fields["범위"][0] == "전체 사업"
    past = cover_fields(build(tmp_path, as_of=datetime.date(2025, 12, 31)))
    assert past["기준일"][0].date() == datetime.date(2025, 12, 31) and past["기준일"][1] is None
    assert past["회계연도"][0] == "2025회계연도"  # the as-of day's year


def test_the_cover_summary_lists_the_years_money_by_source_with_a_formula_total(tmp_path, hand_made):
    sheet = build(tmp_path, fiscal_year=2025).worksheets[COVER]
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    start = next(i for i, row in enumerate(rows) if row[0] == "재원") + 1
    by_source = {
        c.get_funding_source_display(): c for c in selectors.budget_by_year_and_source(fiscal_year=2025)
    }
    table = rows[start : start + len(by_source)]
    assert {row[0]: (row[1], row[2]) for row in table} == {
        label: (cell.budget, cell.executed) for label, cell in by_source.items()
    }
    total = rows[start + len(by_source)]
    assert total[0] == "합계" and str(total[1]).startswith("=SUM(")


def test_budget_sheets_match_year_and_source_selectors(tmp_path, hand_made):
    book = build(tmp_path)
    years = data_rows(book.worksheets[YEARS])[:-1]  # the last row: all years added up
    expected_years = selectors.budget_by_year()
    assert [row[0] for row in years] == [year.key for year in expected_years]
    cells = {(c.fiscal_year, c.funding_source): c for c in selectors.budget_by_year_and_source()}
    for row, year in zip(years, expected_years, strict=True):
        assert (row[6], row[7], row[8]) == (year.budget, year.planned, year.executed)
        national = cells.get((year.key, "national"))
        assert row[1] == (national.budget if national else 0)
    # The ₩10.1T national-context plan is not the city's money.
    assert sum(row[7] for row in years) == sum(year.planned for year in expected_years) == 15_000_000_000
    cell_rows = [row for row in data_rows(book.worksheets[CELLS]) if row[1] not in ("소계", "합계")]
    assert len(cell_rows) == len(cells)
    for row, cell in zip(cell_rows, selectors.budget_by_year_and_source(), strict=True):
        assert (row[0], row[2], row[3], row[4]) == (
            cell.fiscal_year,
            cell.planned,
            cell.budget,
            cell.executed,
        )


def chart_text(title) -> str:
    return "".join(run.t for paragraph in title.tx.rich.p for run in paragraph.r or [])


def starts_a_page(sheet, chart) -> bool:
    """The chart sits in column A under its table, on a page of its own: a manual page break
    right above it, so no page break cuts it."""
    corner = chart.anchor._from  # 0-based
    return corner.col == 0 and any(brk.id == corner.row for brk in sheet.row_breaks.brk)


def test_the_budget_chart_stacks_sources_by_year_on_a_page_of_its_own(tmp_path, hand_made):
    sheet = build(tmp_path).worksheets[YEARS]
    (chart,) = sheet._charts
    assert chart.grouping == "stacked"
    assert len(chart.series) == 5  # one per funding source
    assert starts_a_page(sheet, chart)


def test_ledgers_list_every_line_and_execution_of_the_city(tmp_path, hand_made):
    book = build(tmp_path)
    lines = listing_rows(book.worksheets[LINES])
    city_lines = BudgetLine.objects.exclude(program__is_national_context=True)
    assert len(lines) == city_lines.count() == 8
    assert sorted(row[5] for row in lines) == sorted(city_lines.values_list("amount", flat=True))
    executions = listing_rows(book.worksheets[EXECUTIONS])
    assert [(row[0].date(), row[1], row[4], row[5]) for row in executions] == [
        (datetime.date(2025, 3, 1), "H-A", "지출", 1_500_000_000),
        (datetime.date(2025, 5, 5), "H-A-1", "지출", 123_456_789),
        (datetime.date(2025, 9, 1), "H-A", "지출", 400_000_000),
        (datetime.date(2026, 2, 1), "H-B", "지출", 34_567_890),
    ]
    # Under each listing, outside its filter: a SUBTOTAL of the rows shown.
    assert book.worksheets[LINES]["F10"].value == "=SUBTOTAL(9,F2:F9)"
    assert book.worksheets[EXECUTIONS]["F6"].value == "=SUBTOTAL(9,F2:F5)"


def test_milestones_and_kpis_match_their_selectors(tmp_path, hand_made):
    book = build(tmp_path)
    milestones = data_rows(book.worksheets[MILESTONES])
    expected = selectors.milestone_schedule()
    assert [(row[3], row[6]) for row in milestones] == [(m.title_ko, m.slippage_days) for m in expected]
    late = next(row for row in milestones if row[3] == "늦은 일정")
    assert late[6] == (datetime.date(2026, 3, 15) - datetime.date(2025, 6, 30)).days
    assert late[7] == "예"

    kpis = data_rows(book.worksheets[KPIS])
    progress = selectors.kpi_progress()
    assert [row[0] for row in kpis] == [kpi.code for kpi in progress]
    for row, kpi in zip(kpis, progress, strict=True):
        assert row[9] == approx(kpi.actual)
        assert row[11] == approx(kpi.achievement_pct / 100 if kpi.achievement_pct is not None else None)
        assert row[13] == kpi.get_status_display()
    jobs = next(row for row in kpis if row[0] == "H-JOBS")
    assert jobs[9] == 42.5  # per-period readings add up: 12.5 + 30


def test_the_kpi_progress_chart_shows_achievement_against_target(tmp_path, hand_made):
    sheet = build(tmp_path).worksheets[KPI_CHART]
    rows = data_rows(sheet)
    measured = [kpi for kpi in selectors.kpi_progress() if kpi.achievement_pct is not None]
    assert [row[2] for row in rows] == [approx(kpi.achievement_pct / 100) for kpi in measured]
    assert all(row[3] == 1 for row in rows)
    (chart,) = sheet._charts
    assert len(chart.series) == 1 and len(chart._charts) == 2  # bars plus the 100 % line
    assert sheet.max_row == len(measured) + 1
    assert starts_a_page(sheet, chart)


def test_firms_are_listed_and_sources_cited_without_internal_file_names(tmp_path, hand_made):
    book = build(tmp_path)
    assert sorted(row[0] for row in listing_rows(book.worksheets[FIRMS])) == ["가나다 주식회사", "라마바 AI"]
    sources = book.worksheets[SOURCES]
    assert [cell.value for cell in sources[1]] == ["키", "발행처", "발행일", "제목", "링크"]
    source = hand_made["alpha"].source
    assert data_rows(sources) == [("H1", source.publisher, datetime.datetime.combine(source.published_on,
                                   datetime.time()), source.title, source.url or None)]  # fmt: skip


def test_the_scope_narrows_the_report_to_a_subtree(tmp_path, hand_made):
    book = build(tmp_path, root="H-A")
    assert [row[0] for row in program_rows(book.worksheets[PROGRAMS])] == ["H-A", "H-A-1"]
    assert {row[1] for row in listing_rows(book.worksheets[EXECUTIONS])} == {"H-A", "H-A-1"}


HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_the_report_can_be_written_in_english(tmp_path, hand_made):
    Program.objects.filter(code="H-B").update(name_en="")  # no English name kept: the Korean one
    Indicator.objects.filter(code="H-FIRMS").update(name_en="Firms attracted")
    book = build(tmp_path, language="en")
    assert book.sheetnames == ["Cover", "Programs", "Budget by year", "Budget by year and source",
                               "KPI progress", "Expenditure execution", "Budget lines", "Executions",
                               "Milestones", "KPIs", "Firms", "Sources"]  # fmt: skip
    english = dict(Program.objects.values_list("code", "name_en"))
    names = {row[0]: row[1] for row in data_rows(book.worksheets[PROGRAMS]) if row[0]}
    assert names == {code: english[code] or "베타 사업" for code in english}
    assert names["H-A"].startswith("Program ") and names["H-B"] == "베타 사업"
    kpis = {row[0]: row[1] for row in data_rows(book.worksheets[KPIS])}
    assert kpis == {"H-FIRMS": "Firms attracted", "H-JOBS": "일자리", "H-GPU": "GPU"}
    # Every header, cover label and chart title is English.
    for sheet in book.worksheets[1:]:
        headers = [cell.value for cell in sheet[1] if cell.value]
        assert headers and not any(HANGUL.search(str(text)) for text in headers), (sheet.title, headers)
    # The cover's labels (below the title and the office's name, which stays Korean).
    cover_labels = [str(row[0].value) for row in book.worksheets[COVER].iter_rows(min_row=4, max_row=9)]
    assert cover_labels[0] == "As of" and not any(HANGUL.search(text) for text in cover_labels)
    titles = [chart_text(chart.title) for sheet in book.worksheets for chart in sheet._charts]
    axes = [chart_text(sheet._charts[0].y_axis.title) for sheet in [book.worksheets[YEARS]]]
    assert titles and not any(HANGUL.search(text) for text in titles + axes)


def test_money_headers_state_the_unit_in_each_language(tmp_path, hand_made):
    korean = build(tmp_path, unit="eok")
    (tmp_path / "en").mkdir()
    english = build(tmp_path / "en", language="en", unit="eok")
    for book, unit, national in ((korean, "억원", "국비"), (english, "KRW 100M", "National")):
        programs, years = book.worksheets[PROGRAMS], book.worksheets[YEARS]
        assert programs["F1"].value.endswith(f"({unit})") and programs["I1"].value.endswith(f"({unit})")
        assert years["B1"].value == f"{national} ({unit})"
        assert chart_text(years._charts[0].title).endswith(f"({unit})")
        assert chart_text(years._charts[0].y_axis.title) == unit
    assert (korean.worksheets[PROGRAMS]["F1"].value, english.worksheets[PROGRAMS]["F1"].value) == (
        "총사업비 (억원)",
        "Total cost (KRW 100M)",
    )


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://x","y")', "+82-62-613-0000", "-1+2", "@SUM(A1:A2)", "\tTAB", "\rCR"],
)
def test_formula_looking_text_stays_text(tmp_path, db, name):
    program = f.ProgramFactory(code="EVIL", name_ko=name)
    f.BudgetLineFactory(program=program, note=name)
    f.ExecutionFactory(program=program, description=name, reference="R-1")
    path = tmp_path / "evil.xlsx"
    portfolio.build(path)
    book = workbook(path)
    programs = book.worksheets[PROGRAMS]["B2"]
    assert (programs.value, programs.data_type, programs.quotePrefix) == (name, "s", True)
    assert book.worksheets[LINES]["G2"].value == name
    assert book.worksheets[EXECUTIONS]["G2"].value == name
    # The only formulas are the workbook's own totals; the text never became one.
    formulas = [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]  # fmt: skip
    assert formulas and all(re.fullmatch(r"=(SUBTOTAL|SUMIF|SUM|IF)\(.*", value) for value in formulas)
    assert not any(name.strip() in value for value in formulas)
    with zipfile.ZipFile(path) as archive:
        sheets = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
        assert b"HYPERLINK" not in sheets.split(b"<is>")[0]


def test_text_that_is_a_formula_once_its_control_characters_are_dropped_stays_text(tmp_path, db):
    program = f.ProgramFactory(code="SNEAKY", name_ko='\x07=HYPERLINK("http://x","y")')
    f.ExecutionFactory(program=program, description="\x1b+1", reference="\x07@R-1")
    path = tmp_path / "sneaky.xlsx"
    portfolio.build(path)
    book = workbook(path)
    name = book.worksheets[PROGRAMS]["B2"]
    assert (name.value, name.data_type, name.quotePrefix) == ('=HYPERLINK("http://x","y")', "s", True)
    details, reference = book.worksheets[EXECUTIONS]["G2"], book.worksheets[EXECUTIONS]["H2"]
    assert (details.value, details.data_type, details.quotePrefix) == ("+1", "s", True)
    assert (reference.value, reference.data_type, reference.quotePrefix) == ("@R-1", "s", True)


def test_control_characters_are_dropped_not_fatal(tmp_path, db):
    f.ProgramFactory(code="CTRL", name_ko="벨\x07소리\x1b 사업")  # PostgreSQL refuses NUL itself
    path = tmp_path / "ctrl.xlsx"
    portfolio.build(path)
    assert workbook(path).worksheets[PROGRAMS]["B2"].value == "벨소리 사업"


def test_as_of_rebuilds_the_numbers_as_they_stood(tmp_path, db, time_machine):
    time_machine.move_to(datetime.datetime(2025, 12, 1, 9, 0, tzinfo=timezone.get_current_timezone()))
    program = f.ProgramFactory(code="ASOF", total_cost=1_000)
    set_budget_line(program=program, fiscal_year=2025, funding_source="city", stage=2, amount=100_000_000)
    time_machine.move_to(datetime.datetime(2026, 1, 10, 9, 0, tzinfo=timezone.get_current_timezone()))
    set_budget_line(program=program, fiscal_year=2025, funding_source="city", stage=2, amount=900_000_000)
    time_machine.move_to(TODAY)

    old = build(tmp_path, as_of=datetime.date(2025, 12, 31))
    assert data_rows(old.worksheets[PROGRAMS])[0][7] == 100_000_000
    assert data_rows(old.worksheets[LINES])[0][5] == 100_000_000
    assert cover_fields(old)["기준일"][0].date() == datetime.date(2025, 12, 31)
    assert selectors.portfolio_totals(as_of=datetime.date(2025, 12, 31)).budget == 100_000_000

    (tmp_path / "now").mkdir()
    now = build(tmp_path / "now")
    assert data_rows(now.worksheets[LINES])[0][5] == 900_000_000
    # The program sheet's money is the current fiscal year's (2026), where ASOF has no line:
    # nothing entered, so the cell is empty, not 0.
    assert data_rows(now.worksheets[PROGRAMS])[0][7] is None
    assert selectors.portfolio_totals(fiscal_year=2025).budget == 900_000_000


def test_the_gwangju_report_shows_the_ax_valley_at_600_billion_over_2026_2030(tmp_path, gwangju):
    sheet = build(tmp_path, unit="eok").worksheets[PROGRAMS]
    rows = {row[0]: row for row in data_rows(sheet)}
    valley = rows["AX-VALLEY"]
    assert valley[5] == 6000 and sheet["F1"].value == "총사업비 (억원)"
    assert valley[4] == "2026–2030"
    codes = [row[0] for row in data_rows(sheet)]
    assert codes.index("NAT-AI-BUDGET-2026") > codes.index(None)  # in its own section


def test_an_empty_portfolio_still_makes_a_workbook(tmp_path, db):
    book = build(tmp_path)
    assert program_rows(book.worksheets[PROGRAMS]) == []
    assert book.worksheets[KPI_CHART]["A2"].value


def test_progress_is_reported_up_to_the_total(tmp_path, hand_made):
    calls = []
    portfolio.build(tmp_path / "p.xlsx", progress=lambda done, total: calls.append((done, total)))
    total = calls[-1][1]
    assert calls[0][0] == 0 and calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert all(done <= seen_total for done, seen_total in calls)
    assert total == (
        len(selectors.program_totals(include_national=False))
        + 1  # the national-context item, in its own section
        + len(selectors.budget_by_year())
        + len(selectors.budget_by_year_and_source())
        + 8  # city budget lines
        + 4  # executions
        + len(selectors.milestone_schedule())
        + len(selectors.kpi_progress())
        + 2  # firms
        + 1  # sources
        + 2  # 세출 집행 현황 of 2026: H-A 시비, H-B 도비 (the totals are formulas)
        + 2  # the KPI progress chart's rows: H-FIRMS and H-JOBS
    )


# --- 세출 집행 현황: the ledger of one fiscal year -----------------------------------------------

LEDGER_HEADERS = [
    "사업 코드",
    "사업",
    "재원",
    "본예산 (원)",
    "추경 (원)",
    "전년도 이월액 (원)",
    "예비비 (원)",
    "이용·전용·이체 (원)",
    "수입대체경비 (원)",
    "예산현액 (원)",
    "원인행위액 (원)",
    "지출액 (원)",
    "집행률",
    "다음연도이월 (원)",
    "불용액 (원)",
]


def ledger_rows(book) -> dict[tuple, tuple]:
    """(code or heading, source) → the money columns, of the 세출 집행 현황 sheet."""
    rows = {}
    for row in data_rows(book["세출 집행 현황"]):
        if row and row[2]:
            rows[(row[0] or row[1], row[2])] = row[3:]
    return rows


def ledger_sheet_book(tmp_path, fiscal_year: int, language: str = "ko"):
    """The 세출 집행 현황 sheet alone, written as the portfolio report writes it."""
    from django.utils.translation import override

    from reports.builders.ledger_sheet import write_ledger_sheet
    from reports.builders.xlsx import Book, Unit

    path = tmp_path / f"ledger-{fiscal_year}-{language}.xlsx"
    with override(language), Book(unit=Unit(1, "원" if language == "ko" else "won")) as book:
        write_ledger_sheet(book, scope=selectors.load_scope(), fiscal_year=fiscal_year, language=language)
        book.save(path)
    return workbook(path)


def test_the_expenditure_execution_sheet_holds_the_worked_examples_figures(tmp_path, worked_example):
    book = ledger_sheet_book(tmp_path, 2026)
    sheet = book["세출 집행 현황"]
    assert [cell.value for cell in sheet[1]] == LEDGER_HEADERS
    rows = ledger_rows(book)
    e = EOK_WON
    assert rows[("P", "국비")] == (80 * e, 90 * e, 5 * e, 2 * e, -e, 0, 96 * e, 70 * e, 6_050_000_000,
                                  pytest.approx(0.63), 26 * e, 95 * e // 10)  # fmt: skip
    # An open year has no carry-overs and no 불용액 yet: empty, not 0. The year had a 추경, so a
    # row without one shows its 본예산 there, as a budget book does. Nothing was executed against
    # 시비 yet, so 원인행위액, 지출액 and 집행률 are unknown: empty, not 0 (as the ledger says).
    assert rows[("P", "시비")] == (10 * e, 10 * e, 0, 0, 0, 0, 10 * e, None, None, None, None, None)
    # The program's 소계 and the city's totals are formulas (their values: test_documents.py).
    assert rows[("P", "소계")][6] == "=SUBTOTAL(9,J2:J3)"
    assert rows[("Q", "시비")][6] == 5 * e
    total = "시 사업 합계"
    assert rows[(total, "국비")][6] == '=SUMIF(C2:C5,"국비",J2:J5)'
    assert rows[(total, "합계")][6] == "=SUBTOTAL(9,J2:J5)"
    # An open 시비 year: no formula for carry-overs and 불용액 of the total either.
    assert rows[(total, "합계")][10:] == (None, None)
    assert rows[("NAT", "국비")][6] == 100 * e
    codes = [row[0] for row in data_rows(sheet)]
    assert codes.index("NAT") > codes.index(None)  # after the city's total


def test_the_expenditure_execution_sheet_is_for_the_fiscal_year_asked(tmp_path, worked_example):
    rows = ledger_rows(ledger_sheet_book(tmp_path, 2027))
    e = EOK_WON
    assert rows[("P", "국비")][:7] == (0, None, 26 * e, 0, 0, 0, 26 * e)
    assert ("Q", "시비") not in rows


def test_the_expenditure_execution_sheet_has_english_headers_in_an_english_report(tmp_path, worked_example):
    sheet = ledger_sheet_book(tmp_path, 2026, language="en")["Expenditure execution"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[3:5] == ["Original budget (won)", "Supplementary budget (won)"]
    assert headers[9:] == ["Available budget (won)", "Committed (won)", "Paid (won)", "Execution rate",
                           "Carried to next year (won)", "Unused (won)"]  # fmt: skip
    assert "Total of the city's programs" in [row[1] for row in data_rows(sheet)]


def test_the_portfolio_report_has_the_sheet_for_the_as_of_year_or_the_year_asked(tmp_path, worked_example):
    book = build(tmp_path)
    assert book.sheetnames[LEDGER] == "세출 집행 현황"
    assert ledger_rows(book)[("P", "국비")][6] == 96 * EOK_WON
    assert cover_fields(build(tmp_path, fiscal_year=2027))["회계연도"][0] == "2027회계연도"


def test_the_expenditure_execution_sheet_reads_the_ledger_in_a_fixed_number_of_queries(
    tmp_path, worked_example
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.builders.ledger_sheet import write_ledger_sheet
    from reports.builders.xlsx import Book

    counts = []
    for extra in (0, 30):
        for n in range(extra):
            f.BudgetLineFactory(program=f.ProgramFactory(code=f"X-{len(counts)}-{n}"), fiscal_year=2026,
                                funding_source="city", stage=2, amount=1)  # fmt: skip
        scope = selectors.load_scope()
        with Book() as book, CaptureQueriesContext(connection) as queries:
            write_ledger_sheet(book, scope=scope, fiscal_year=2026, language="ko")
            book.save(tmp_path / f"{extra}.xlsx")
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4


def test_generate_report_takes_the_fiscal_year_of_the_ledger_sheet(tmp_path, worked_example):
    from django.core.management import call_command

    out = tmp_path / "r.xlsx"
    call_command("generate_report", "portfolio", "--out", str(out), "--fiscal-year", "2027", "--unit", "won")
    assert ledger_rows(workbook(out))[("P", "국비")][6] == 26 * EOK_WON


@pytest.mark.parametrize(
    ("kind", "year", "message"),
    [("kpi", "2101", "between 2000 and 2100"), ("portfolio", "1999", "between 2000 and 2100")],
)
def test_generate_report_refuses_a_fiscal_year_it_cannot_use(tmp_path, db, kind, year, message):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("generate_report", kind, "--out", str(tmp_path / "r.xlsx"), "--fiscal-year", year)
    assert not list(tmp_path.iterdir())
