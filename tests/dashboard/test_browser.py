"""The dashboard in a real browser: headless Chromium driven by Playwright against the live
server, on the Gwangju data. Screenshots land in test-artifacts/ for a person to look at.

Skipped, saying why, where Chromium is missing; a failure instead with REQUIRE_SERVICES=1.
"""

import re

import pytest

from portfolio.models import Program
from tests.dashboard.conftest import log_in, synthetic

# serialized_rollback: the live server needs committed rows, and the flush between tests would
# otherwise also remove the two groups the roles migration made.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def tile(page, label: str):
    """A headline tile, found by its heading as a screen reader would announce it."""
    return page.get_by_role("article", name=label)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_manager_logs_in_and_sees_the_gwangju_headline(open_page, artifacts, gwangju, manager):
    page = open_page()
    page.goto("/dashboard/")
    assert "/login/" in page.url and page.locator("html").get_attribute("lang") == "ko"
    page.screenshot(path=artifacts / "login-ko.png")
    log_in(page, "manager")

    assert page.get_by_role("heading", level=1).inner_text() == "AI 사업 현황"
    assert "160개사" in tile(page, "기업 유치").inner_text()
    assert "650명" in tile(page, "일자리 창출").inner_text()
    assert "2,500대" in tile(page, "가동 GPU").inner_text()
    budget = tile(page, "예산현액").inner_text()
    assert "총사업비: 6,000억원" in budget and "광주일보 2025-10-24" in budget
    # The three charts and the table are there, with today marked on the timeline.
    for heading in ("연도별·재원별 예산", "성과지표 목표 대비 진척", "추진 일정", "사업 구성"):
        assert page.get_by_role("heading", name=heading).is_visible()
    assert page.locator(".chart-timeline line.today").count() > 1
    assert page.get_by_role("cell", name="6,000억원").count() >= 2  # the portfolio and the AX valley
    assert no_sideways_scroll(page)
    page.screenshot(path=artifacts / "dashboard-ko.png", full_page=True)


def test_a_manager_opens_a_program_page_and_comes_back(open_page, artifacts, gwangju, manager):
    page = open_page()
    log_in(page, "manager")
    page.get_by_role("link", name=re.compile("AX 실증밸리")).first.click()
    page.wait_for_url("**/dashboard/programs/AX-VALLEY/")

    assert "AX 실증밸리" in page.get_by_role("heading", level=1).inner_text()
    assert "총사업비: 6,000억원" in tile(page, "예산현액").inner_text()
    timeline = page.locator(".chart-timeline").inner_text()
    assert "예비타당성조사 면제 확정" in timeline and "2030년" in timeline
    page.screenshot(path=artifacts / "program-ko.png", full_page=True)

    page.get_by_role("navigation", name="사업 위치").get_by_role("link", name="전체 사업").click()
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "AI 사업 현황"


def test_switching_to_english_and_back_keeps_the_page(open_page, artifacts, gwangju, manager):
    page = open_page()
    log_in(page, "manager")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "AI program portfolio"
    assert "160 firms" in tile(page, "Firms attracted").inner_text()
    assert "Total cost: ₩600.0B" in tile(page, "Budget available").inner_text()
    page.screenshot(path=artifacts / "dashboard-en.png", full_page=True)

    page.goto("/dashboard/programs/GJ-AI-P1/")
    assert page.get_by_role("heading", level=1).inner_text() == "AI phase 1"
    page.screenshot(path=artifacts / "program-en.png", full_page=True)

    page.get_by_role("button", name="한국어").click()
    page.wait_for_url("**/dashboard/programs/GJ-AI-P1/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("heading", level=1).inner_text() == "AI 1단계"


def test_the_dashboard_fits_a_phone(open_page, artifacts, gwangju, manager):
    page = open_page(**PHONE)
    log_in(page, "manager")
    assert no_sideways_scroll(page)
    first, second = (tile(page, name).bounding_box() for name in ("예산현액", "지출액"))
    assert first["y"] == second["y"] and second["x"] > first["x"]  # two tiles a row
    assert first["width"] < PHONE["width"] / 2
    # The program table turns into one card per program, each figure labelled.
    row = page.get_by_role("row", name=re.compile("AI 2단계"))
    labels = row.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert '"총사업비"' in labels and "6,000억원" in row.inner_text()
    assert page.locator(".tree-table thead").is_hidden()
    page.screenshot(path=artifacts / "dashboard-phone.png", full_page=True)

    page.goto("/dashboard/programs/GJ-AI-P1/")
    assert no_sideways_scroll(page)
    page.screenshot(path=artifacts / "program-phone.png", full_page=True)


def test_the_page_prints_on_a4_without_the_menus(open_page, artifacts, gwangju, manager):
    page = open_page()
    log_in(page, "manager")
    page.emulate_media(media="print")
    assert page.locator(".site-nav").is_hidden()
    assert page.get_by_role("button", name="English").is_hidden()
    assert page.get_by_label("다른 날짜로 보기").is_hidden()
    assert "2025-10-24" in page.locator(".tile-source").first.inner_text()  # sources stay on paper
    pdf = page.pdf(path=artifacts / "dashboard-a4.pdf", format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 3, pages


def test_the_page_works_from_the_keyboard(open_page, gwangju, manager):
    page = open_page()
    log_in(page, "manager")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="본문 바로가기")
    assert skip.evaluate("link => link === document.activeElement") and skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # A program is a link in the table: focus it and press Enter.
    page.get_by_role("link", name="AI 1단계", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/programs/GJ-AI-P1/")
    # The language switch is a button reachable by Tab from the top of the page.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "English":
            break
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


# Text colour against the first opaque background behind it, as the browser computed them.
COLOURS = """elements => elements.map(element => {
  let behind = element, background = "rgba(0, 0, 0, 0)";
  while (behind && (background === "rgba(0, 0, 0, 0)" || background === "transparent")) {
    background = getComputedStyle(behind).backgroundColor;
    behind = behind.parentElement;
  }
  return [element.className || element.tagName, getComputedStyle(element).color, background];
})"""


def luminance(css: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_text_keeps_a_contrast_of_at_least_4_5_to_1(open_page, gwangju, manager):
    """WCAG AA for body text, on every kind of text the page writes (muted notes, codes, links,
    flags, statuses, table cells, the header), as the browser renders them."""
    synthetic(10)  # late milestones and off-track KPIs, so their red and amber text is there
    page = open_page()
    log_in(page, "manager")
    for path in ("/dashboard/", "/dashboard/programs/SYN-00001/"):
        page.goto(path)
        selector = (
            "h1, h2, h3, p, a, button, label, th, td, .code, .tag, .below, .flag, .status, "
            ".tile-note, .tile-source, .ms-label, .breadcrumbs li, .legend li"
        )
        checked = page.locator(selector).evaluate_all(COLOURS)
        assert len(checked) > 100
        for name, colour, background in checked:
            assert contrast(colour, background) >= 4.5, (path, name, colour, background)


def test_charts_draw_money_kpis_and_late_milestones(open_page, artifacts, gwangju, manager):
    synthetic(10)
    page = open_page()
    log_in(page, "manager")
    page.goto("/dashboard/programs/SYN-00001/")
    budget = page.locator(".chart-budget svg")
    assert budget.locator("rect[class^=fill-]").count() > 10  # stacked by funding source
    assert budget.get_attribute("role") == "img" and budget.get_attribute("aria-labelledby")
    assert page.locator(".chart-kpis svg.progress").count() > 0
    late = page.locator(".chart-timeline .state-late")
    assert late.count() > 0 and "지연" in late.first.inner_text()
    page.screenshot(path=artifacts / "program-synthetic.png", full_page=True)
    table = page.locator(".chart-budget table")
    assert table.is_hidden()
    page.get_by_text("표로 보기").click()  # the figures behind the bars, as a table
    assert table.is_visible() and table.locator("tbody tr").count() > 10


def test_a_manager_can_look_but_not_change_anything_in_the_admin(open_page, artifacts, gwangju, manager):
    page = open_page()
    log_in(page, "manager")
    program = Program.objects.get(code="AX-VALLEY")
    change_url = f"/admin/portfolio/program/{program.pk}/change/"
    page.goto(change_url)
    assert "AX 실증밸리" in page.content()
    assert page.locator("input[type=submit], button[type=submit]").filter(has_text="저장").count() == 0
    assert page.locator("input[name=name_ko]").count() == 0  # shown as text, not as a field
    page.screenshot(path=artifacts / "admin-view-only.png")

    # A POST made by hand, with a valid CSRF token, is still refused.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        change_url,
        form={"name_ko": "바뀐 이름", "csrfmiddlewaretoken": token},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert response.status == 403 and "CSRF" not in response.text()
    assert page.request.get("/admin/portfolio/program/add/").status == 403
    program.refresh_from_db()
    assert program.name_ko == "AI 2단계: AX 실증밸리 (인공지능 전환 실증밸리)"
