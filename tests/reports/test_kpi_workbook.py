"""The KPI workbook: status with colours, readings per period against the target line, and one
chart per headline KPI; every figure is the KPI selector's."""

import datetime

import pytest

from portfolio import selectors
from reports.builders import kpi
from tests.reports.conftest import workbook

COVER, STATUS, YEARS, READINGS, CHARTS = range(5)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 15, 10, 0, tzinfo=datetime.UTC), tick=False)


def build(tmp_path, **options):
    path = tmp_path / "kpi.xlsx"
    kpi.build(path, **options)
    return workbook(path)


def test_the_status_sheet_has_the_selectors_figures(tmp_path, hand_made):
    rows = list(build(tmp_path).worksheets[STATUS].iter_rows(min_row=2, values_only=True))
    progress = selectors.kpi_progress()
    assert [row[0] for row in rows] == [item.code for item in progress]
    for row, item in zip(rows, progress, strict=True):
        assert row[8] == (float(item.actual) if item.actual is not None else None)
        assert row[6] == (float(item.target) if item.target is not None else None)
        expected_pct = float(item.achievement_pct) / 100 if item.achievement_pct is not None else None
        assert row[10] == pytest.approx(expected_pct) if expected_pct is not None else row[10] is None
        assert row[12] == item.get_status_display()


def test_statuses_are_coloured_by_conditional_formatting(tmp_path, hand_made):
    sheet = build(tmp_path).worksheets[STATUS]
    rules = {
        rule.formula[0]: rule.dxf.fill.fgColor.rgb
        for cf in sheet.conditional_formatting
        if str(cf.sqref) == f"M2:M{sheet.max_row}"
        for rule in cf.rules
    }
    assert rules['"달성"'].endswith("C6EFCE") and rules['"부진"'].endswith("FFC7CE")
    assert set(rules) == {'"달성"', '"정상"', '"주의"', '"부진"', '"목표 없음"', '"실적 없음"'}
    assert any(rule.type == "dataBar" for cf in sheet.conditional_formatting for rule in cf.rules)


def test_readings_are_listed_per_period_with_the_target_line(tmp_path, hand_made):
    rows = list(build(tmp_path).worksheets[READINGS].iter_rows(min_row=2, values_only=True))
    expected = [
        (
            item.code,
            reading.period,
            float(reading.value),
            float(item.target) if item.target is not None else None,
        )
        for item in selectors.kpi_progress()
        for reading in item.readings
    ]
    assert [(row[0], row[3].date(), row[4], row[5]) for row in rows] == expected
    assert ("H-JOBS", datetime.date(2024, 12, 31), 12.5, 300.0) in expected


def test_each_headline_kpi_gets_its_own_chart_with_the_target(tmp_path, hand_made):
    sheet = build(tmp_path).worksheets[CHARTS]
    charts = sheet._charts
    measured = [item for item in selectors.kpi_progress() if item.readings]
    assert len(charts) == len(measured) == 2
    for chart in charts:
        assert len(chart._charts) == 2  # the readings' columns and the target line


def test_without_readings_the_charts_sheet_says_so(tmp_path, db):
    book = build(tmp_path)
    assert book.worksheets[CHARTS]["A1"].value == "아직 실적이 있는 지표가 없습니다."
    assert book.worksheets[STATUS].max_row == 1


def test_the_gwangju_kpis_show_their_real_readings(tmp_path, gwangju):
    rows = {row[0]: row for row in build(tmp_path).worksheets[STATUS].iter_rows(min_row=2, values_only=True)}
    assert rows["P1-FIRMS"][8] == 160 and rows["P1-JOBS"][8] == 650 and rows["NADC-GPUS"][8] == 2500
    assert rows["NAT-GPUS-2030"][6] == 200_000 and rows["NAT-GPUS-2030"][12] == "실적 없음"


def test_both_workbooks_share_one_kpi_table_with_the_same_figures_and_colours(tmp_path, hand_made):
    from reports.builders import portfolio

    status = build(tmp_path).worksheets[STATUS]
    path = tmp_path / "portfolio.xlsx"
    portfolio.build(path)
    listing = workbook(path)["성과지표"]

    def by_header(sheet) -> list[dict]:
        headers = [cell.value for cell in sheet[1]]
        return [dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]

    shared = [
        "코드",
        "지표",
        "사업 코드",
        "단위",
        "기준값",
        "목표",
        "목표연도",
        "실적",
        "최근 실적일",
        "달성률",
        "현재 기대값",
        "상태",
    ]
    assert [{key: row[key] for key in shared} for row in by_header(status)] == [
        {key: row[key] for key in shared} for row in by_header(listing)
    ]
    for sheet in (status, listing):
        status_column = [cell.value for cell in sheet[1]].index("상태") + 1
        coloured = {
            str(cf.sqref) for cf in sheet.conditional_formatting for rule in cf.rules if rule.type == "cellIs"
        }
        letter = chr(ord("A") + status_column - 1)
        assert coloured == {f"{letter}2:{letter}{sheet.max_row}"}, sheet.title
