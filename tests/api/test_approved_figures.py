"""A reading imported by staff changes no figure (API, Excel, dashboard) until an approver
approves it; then every figure moves at once."""

import datetime

import pytest
from django.utils import translation

from dashboard.pages import dashboard_page
from portfolio import performance
from portfolio.models import IndicatorReading, ReadingStatus
from portfolio.roles import APPROVERS, MANAGERS, OFFICE_STAFF
from reports.builders import briefing as briefing_report
from reports.builders import kpi as kpi_report
from reports.builders import portfolio as portfolio_report
from tests.conftest import make_user
from tests.imports.conftest import errors_of, run, write_csv
from tests.reports.conftest import sheet_rows, workbook
from tests.reports.test_briefing import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(django_user_model):
    return {
        "staff": make_user(django_user_model, "kim", group=OFFICE_STAFF),
        "approver": make_user(django_user_model, "park", group=APPROVERS),
        "manager": make_user(django_user_model, "choi", group=MANAGERS),
    }


def jobs_row(client) -> dict:
    response = client.get("/api/v1/indicators/", {"metric": "jobs"})
    assert response.status_code == 200
    [row] = response.json()["results"]
    return row


def excel_jobs(tmp_path) -> tuple:
    """P1-JOBS's actual on the status sheet and its 2025 result on the year sheet, read back."""
    path = tmp_path / "kpi.xlsx"
    kpi_report.build(path)
    book = workbook(path)
    with translation.override("ko"):
        status = {row[0]: row for row in sheet_rows(book, "지표 현황")}
        years = {(row[0], row[3]): row for row in sheet_rows(book, "연도별 성과지표")}
    return status["P1-JOBS"][8], years[("P1-JOBS", 2025)][6]


def test_an_imported_reading_counts_nowhere_until_approved_then_everywhere_at_once(
    tmp_path, gwangju_feed, people, client, django_capture_on_commit_callbacks
):
    # Sheet names and headers are the Korean ones: build and read in Korean.
    rows = [["지표코드", "기준일", "값"], ["P1-JOBS", "2025-10-31", "700"]]
    summary, results = run("indicator-readings", write_csv(tmp_path / "jobs.csv", rows), user=people["staff"])
    assert summary.written, errors_of(results)
    imported = IndicatorReading.objects.get(period=datetime.date(2025, 10, 31))
    assert (imported.status, imported.created_by) == (ReadingStatus.SUBMITTED, people["staff"])

    row = jobs_row(gwangju_feed)
    assert (row["actual"]["value"], row["pending"]) == (650, 1)
    assert excel_jobs(tmp_path) == (650, 650)
    page = dashboard_page()
    assert ({t.key: t.value for t in page.tiles}["jobs"], page.pending) == (650, 1)
    client.force_login(people["staff"])
    assert "승인 대기 중인 성과지표 실적 1건" in client.get("/dashboard/").content.decode()
    client.force_login(people["manager"])
    assert "승인 대기" not in client.get("/dashboard/").content.decode()  # managers see figures only

    with django_capture_on_commit_callbacks(execute=True):  # the commit moves the API's data version
        performance.approve_readings(readings=[imported], user=people["approver"])
    row = jobs_row(gwangju_feed)
    assert (row["actual"]["value"], row["pending"]) == (700, 0)
    assert excel_jobs(tmp_path) == (700, 700)
    assert {t.key: t.value for t in dashboard_page().tiles}["jobs"] == 700


def test_a_locked_year_makes_the_briefing_and_the_report_say_final(
    tmp_path, gwangju_feed, people, django_capture_on_commit_callbacks
):
    def briefing_says() -> tuple:
        kpis = gwangju_feed.get("/api/v1/briefing/").json()["kpis"]
        return kpis["figures"], kpis["figures_display"]

    def report_says() -> set:
        path = tmp_path / "kpi.xlsx"
        kpi_report.build(path)
        with translation.override("ko"):
            rows = sheet_rows(workbook(path), "연도별 성과지표")
        return {(row[3], row[9]) for row in rows}

    def portfolio_cover_says() -> str:
        path = tmp_path / "portfolio.xlsx"
        portfolio_report.build(path)
        cover = workbook(path).worksheets[0]
        return next(row[1] for row in cover.iter_rows(values_only=True) if row[0] == "수치 구분")

    def briefing_page_says() -> str:
        path = tmp_path / "briefing.pdf"
        briefing_report.build(path)
        heading = next(line for line in text_of(path).split("□") if "성과지표" in line)
        return heading.split("(")[1].split("·")[0].strip()

    assert briefing_says() == ("provisional", "잠정")
    assert report_says() == {(2025, "잠정")}
    assert portfolio_cover_says() == briefing_page_says() == "잠정"
    with django_capture_on_commit_callbacks(execute=True):
        performance.lock_period(fiscal_year=2025, part="year", user=people["approver"])
    assert briefing_says() == ("final", "확정")
    assert report_says() == {(2025, "확정")}
    assert portfolio_cover_says() == briefing_page_says() == "확정"
