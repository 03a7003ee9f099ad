"""History starts when the facts did: load_gwangju backdates each fact to its source's day, so
the Gwangju office is there as of 2025-12-31 and not as of 2025-01-01 in the API, the dashboard
and a report; a day before the history says from which day it exists instead of showing zeros."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from rest_framework.test import APIClient

from portfolio import selectors
from reports.builders import portfolio
from reports.forms import RequestReportForm
from reports.services import request_report
from tests.api.conftest import make_feed_token

pytestmark = pytest.mark.django_db
YEAR_END, NEW_YEAR = datetime.date(2025, 12, 31), datetime.date(2025, 1, 1)
PROGRAMS_SHEET = 1


@pytest.fixture
def starts(gwangju) -> datetime.date:
    day = selectors.history_starts()
    assert day is not None and NEW_YEAR < day <= YEAR_END  # the sources' days, not the load's
    return day


def briefing(as_of: datetime.date) -> dict:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_feed_token()}")
    response = client.get("/api/v1/briefing/", {"as_of": as_of.isoformat()})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_api_shows_the_office_at_year_end_and_says_when_history_starts_before_it(starts):
    at_year_end = briefing(YEAR_END)
    assert at_year_end["headline"]["total_cost"]["value"] == 600_000_000_000
    assert (at_year_end["history_starts"], at_year_end["notice"]) == (None, None)

    before = briefing(NEW_YEAR)
    assert before["headline"]["total_cost"]["value"] is None  # unknown, not 0
    assert before["headline"]["total_cost"]["display_ko"] == "–"
    assert before["history_starts"] == starts.isoformat()
    notice = f"변경 이력은 {starts.isoformat()}부터 있습니다. 그 이전 날짜의 수치는 없습니다."
    assert before["notice"] == notice


def test_the_dashboard_shows_the_office_at_year_end_and_a_notice_before_history(client, manager, starts):
    client.force_login(manager)
    at_year_end = client.get("/dashboard/", {"as_of": YEAR_END.isoformat()}).content.decode()
    assert "AX 실증밸리" in at_year_end and "6,000억원" in at_year_end
    assert "history-notice" not in at_year_end

    before = client.get("/dashboard/", {"as_of": NEW_YEAR.isoformat()}).content.decode()
    assert "6,000억원" not in before
    assert f"변경 이력은 {starts.isoformat()}부터 있습니다." in before
    assert f'href="?as_of={starts.isoformat()}"' in before


def test_a_report_as_of_year_end_has_the_valley_and_none_can_be_asked_before_history(
    tmp_path, manager, starts
):
    path = tmp_path / "year-end.xlsx"
    portfolio.build(path, as_of=YEAR_END)
    rows = {row[0]: row for row in load_workbook(path).worksheets[PROGRAMS_SHEET].iter_rows(values_only=True)}
    assert rows["AX-VALLEY"][5] == 600_000_000  # 총사업비 in 천원, the workbooks' default unit

    with pytest.raises(ValidationError) as error:
        request_report(kind="portfolio", requested_by=manager, as_of=NEW_YEAR)
    assert f"변경 이력은 {starts.isoformat()}부터 있습니다" in str(error.value)


def test_the_readmes_report_example_is_accepted(manager, starts):
    # README: {"kind": "portfolio", "as_of": "2025-12-31", "program": "AX-VALLEY", "language": "ko"}
    run = request_report(kind="portfolio", requested_by=manager, as_of=YEAR_END, root="AX-VALLEY")
    assert (run.as_of, run.root) == (YEAR_END, "AX-VALLEY")


def test_the_report_center_offers_only_programs_that_existed_on_the_chosen_day(starts):
    offered_now = {code for code, _name in RequestReportForm().fields["root"].choices}
    before = RequestReportForm(data={"kind": "portfolio", "as_of": NEW_YEAR.isoformat(), "language": "ko"})
    offered_before = {code for code, _name in before.fields["root"].choices}
    assert "AX-VALLEY" in offered_now and offered_before == {""}  # only "all programs"
    at_year_end = RequestReportForm.from_query({"as_of": YEAR_END.isoformat(), "root": "AX-VALLEY"})
    assert at_year_end.initial["root"] == "AX-VALLEY"

    asked = RequestReportForm(
        data={"kind": "portfolio", "as_of": NEW_YEAR.isoformat(), "root": "AX-VALLEY", "language": "ko"}
    )
    assert not asked.is_valid() and "root" in asked.errors
