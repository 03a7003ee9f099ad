"""The report center in a real browser: a Manager logs in through the Korean login page, opens the
report center from the menu, asks for a portfolio report on the Gwangju data, watches the
progress reach done while a real Celery worker builds it, downloads the file and reads it back.
Screenshots land in test-artifacts/ for a person to look at.

Skipped, saying why, where Chromium or Redis is missing; a failure instead with REQUIRE_SERVICES=1.
"""

import io
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from portfolio.roles import MANAGERS
from reports.models import ReportRun
from tests.conftest import make_user
from tests.dashboard import conftest as browser_fixtures
from tests.dashboard.conftest import log_in
from tests.dashboard.test_browser import COLOURS, contrast, no_sideways_scroll

# The dashboard's browser fixtures, used here too (a test module sees only its own conftests).
browser = browser_fixtures.browser
open_page = browser_fixtures.open_page
artifacts = browser_fixtures.artifacts

# The live server and the worker see committed rows only; `roles` gives back the groups the
# flush between transactional tests takes away.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PROGRAMS_SHEET = 1  # cover, programs, … (tests/reports/test_portfolio_workbook.py)
PHONE = {"width": 390, "height": 844}
FOCUSED_NAME = (
    "(el => (el.labels && el.labels[0] ? el.labels[0] : el).textContent.trim())(document.activeElement)"
)


@pytest.fixture
def a_manager(roles, django_user_model):
    return make_user(django_user_model, "manager", group=MANAGERS)


def open_center(page) -> None:
    """From the dashboard, through the menu, as a person would."""
    log_in(page, "manager")
    menu = page.get_by_role("navigation", name="주 메뉴")
    menu.get_by_role("link", name="보고서", exact=True).click()
    page.wait_for_url("**/reports/")
    assert menu.get_by_role("link", name="보고서", exact=True).get_attribute("aria-current") == "page"


def test_a_manager_asks_for_a_report_watches_it_build_and_downloads_it(
    open_page, artifacts, a_manager, celery_worker, tmp_path
):
    from playwright.sync_api import expect

    call_command("load_gwangju", stdout=io.StringIO())
    failed = ReportRun.objects.create(
        kind="kpi", status=ReportRun.Status.FAILED, message="보고서를 만들 수 없습니다: 예시 오류"
    )
    page = open_page()
    open_center(page)
    assert page.get_by_role("heading", level=1).inner_text() == "보고서 센터"
    failed_row = page.locator(f"#run-{failed.pk}")
    expect(failed_row.locator(".run-status")).to_have_text("실패")
    expect(failed_row).to_contain_text("보고서를 만들 수 없습니다: 예시 오류")

    page.get_by_label("종류").select_option(label="포트폴리오 보고서")
    page.get_by_label("사업 범위").select_option("")  # the whole portfolio
    page.get_by_role("button", name="보고서 만들기").click()
    page.wait_for_url(re.compile(r"/reports/#run-\d+$"))
    run = ReportRun.objects.exclude(pk=failed.pk).get()
    assert (run.kind, run.requested_by, run.trigger) == ("portfolio", a_manager, "user")
    expect(page.get_by_role("status").first).to_contain_text(f"보고서 #{run.pk}")
    page.screenshot(path=artifacts / "report-center-ko.png", full_page=True)

    row = page.locator(f"#run-{run.pk}")
    page.evaluate("window.notReloaded = true")  # gone if the page were loaded again
    expect(row.locator(".run-status")).to_contain_text("완료", timeout=60_000)
    assert row.locator("progress").evaluate("bar => bar.value") == 100
    assert row.locator(".run-status").get_attribute("aria-live") == "polite"
    assert page.evaluate("window.notReloaded === true")  # the row was brought up to date in place
    link = row.get_by_role("link", name=re.compile("내려받기"))
    expect(link).to_be_visible()
    expect(row.locator(".run-size")).to_contain_text("KB")
    page.screenshot(path=artifacts / "report-center-done-ko.png", full_page=True)

    run.refresh_from_db()
    assert run.status == ReportRun.Status.DONE and run.worker  # built by the worker
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == run.download_filename()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved)
    programs = {row[0]: row for row in book.worksheets[PROGRAMS_SHEET].iter_rows(min_row=2, values_only=True)}
    assert 600_000_000 in programs["AX-VALLEY"]  # the AX demonstration valley's total cost, in 천원


def test_the_report_center_fits_a_phone_prints_without_the_form_and_keeps_its_contrast(
    open_page, artifacts, a_manager
):
    call_command("load_gwangju", stdout=io.StringIO())
    ReportRun.objects.create(
        kind="portfolio", status=ReportRun.Status.FAILED, message="보고서를 만들 수 없습니다: 예시 오류"
    )
    ReportRun.objects.create(kind="kpi", trigger="schedule", message="작업자를 기다리는 중입니다.")
    ReportRun.objects.create(
        kind="portfolio", root="AX-VALLEY", status=ReportRun.Status.RUNNING, rows_done=40, rows_total=100
    )
    page = open_page(**PHONE)
    open_center(page)
    assert no_sideways_scroll(page)
    assert page.locator(".report-table thead").is_hidden()  # one card per run
    assert "월간 일정" in page.locator(".report-table tbody tr").nth(1).inner_text()
    page.screenshot(path=artifacts / "report-center-phone.png", full_page=True)

    # Every field is reachable with the keyboard, in order, by its label (Tab also steps through
    # the parts of the date field, so count each field once).
    page.get_by_label("종류").focus()
    reached = []
    for _ in range(14):
        page.keyboard.press("Tab")
        name = page.evaluate(FOCUSED_NAME)
        if not reached or reached[-1] != name:
            reached.append(name)
        if name == "보고서 만들기":
            break
    assert reached == ["기준일", "사업 범위", "회계연도", "금액 단위", "언어", "보고서 만들기"]

    checked = page.locator("h1, h2, p, a, button, label, th, td, .tag, .run-status, .trigger").evaluate_all(
        COLOURS
    )
    for name, colour, background in checked:
        assert contrast(colour, background) >= 4.5, (name, colour, background)

    page.emulate_media(media="print")
    assert page.locator(".report-request").is_hidden() and page.locator(".site-nav").is_hidden()
    assert page.locator(".report-table").is_visible()
    pdf = page.pdf(path=artifacts / "report-center-a4.pdf", format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
