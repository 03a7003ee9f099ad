"""The dashboard's pages through Django's test client: who may see them, the Gwangju figures in
Korean and English, the program pages, the as-of day, and a fixed number of queries."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portfolio import selectors
from portfolio.display import won_ko
from portfolio.models import Program
from tests.dashboard.conftest import PASSWORD, synthetic
from tests.factories import BudgetLineFactory, ProgramFactory

pytestmark = pytest.mark.django_db
HOME = "/dashboard/"


def text(response) -> str:
    """The page's visible text, tags dropped and spaces squeezed, for plain assertions."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|title)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def tile(response, key: str) -> str:
    match = re.search(rf'<article class="tile tile-{key}".*?</article>', response.content.decode(), re.S)
    assert match, f"no {key} tile"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


# --- Who may look -----------------------------------------------------------------------------


def test_the_site_root_leads_to_the_dashboard(manager_client):
    assert manager_client.get("/").headers["Location"] == HOME


def test_anonymous_visitors_are_sent_to_the_korean_login_page(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/?next=/dashboard/"
    login = client.get("/login/?next=/dashboard/")
    assert login.status_code == 200
    assert '<html lang="ko">' in login.content.decode()
    assert "로그인" in text(login) and "관리자 화면에서 쓰는 직원 계정" in text(login)


def test_a_manager_logs_in_and_lands_on_the_dashboard(client, manager):
    response = client.post("/login/", {"username": "manager", "password": PASSWORD, "next": HOME})
    assert response.status_code == 302 and response.headers["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_a_wrong_password_is_refused_in_korean_and_nobody_is_logged_in(client, manager):
    response = client.post("/login/", {"username": "manager", "password": "wrong"})
    assert response.status_code == 200
    assert "사용자 이름 와 비밀번호를 입력해주세요" in text(response)  # the admin's own Korean message
    assert client.get(HOME).status_code == 302


def test_an_account_that_is_not_staff_cannot_log_in(client, django_user_model):
    django_user_model.objects.create_user(username="citizen", password=PASSWORD)
    response = client.post("/login/", {"username": "citizen", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_staff_without_the_view_permission_get_a_korean_refusal(client, django_user_model):
    user = django_user_model.objects.create_user(username="intern", password=PASSWORD, is_staff=True)
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 403
    assert "접근 권한 없음" in text(response)
    assert client.get("/dashboard/programs/GJ-AI/").status_code == 403


def test_office_staff_and_superusers_see_the_dashboard_too(client, office_staff, superuser):
    for user in (office_staff, superuser):
        client.force_login(user)
        assert client.get(HOME).status_code == 200


def test_logging_out_says_so_on_the_login_page(manager_client):
    response = manager_client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "로그아웃했습니다" in text(response)
    assert manager_client.get(HOME).status_code == 302


# --- The Gwangju figures ----------------------------------------------------------------------


def test_the_tiles_show_the_gwangju_figures_in_korean(manager_client, gwangju):
    response = manager_client.get(HOME)
    assert response.status_code == 200
    assert '<html lang="ko">' in response.content.decode()
    assert "160개사" in tile(response, "firms") and "광주일보 2025-10-24" in tile(response, "firms")
    assert "650명" in tile(response, "jobs")
    assert "2,500대" in tile(response, "gpus") and "뉴시스 2025-10-23" in tile(response, "gpus")
    budget = tile(response, "budget")
    # No yearly budget in the articles: "–" (unknown), not 0원; the AX valley's ₩600 billion.
    assert "예산현액 –" in budget and "0원" not in budget and "총사업비: 6,000억원" in budget
    assert "목표: 설정 없음" in tile(response, "firms")  # the articles give no firm target


def test_the_tiles_show_what_the_selectors_give(manager_client, gwangju):
    BudgetLineFactory(program=Program.objects.get(code="AX-VALLEY"), fiscal_year=2026, amount=1_234 * 10**8)
    head = selectors.headline(fiscal_year=2026)
    response = manager_client.get(HOME, {"fiscal_year": 2026})
    assert won_ko(head.totals.budget) == "1,234억원"
    assert "1,234억원" in tile(response, "budget")
    assert f"예산현액: {won_ko(head.totals.budget)}" in tile(response, "executed")


def test_national_items_stay_out_of_the_figures_but_are_linked(manager_client, gwangju):
    response = manager_client.get(HOME)
    page = text(response)
    assert "10조 1,000억원" not in page  # the national AI budget is not the city's money
    assert "국가 AI 정책 (참고)" in page
    assert 'href="/dashboard/programs/NATIONAL-AI/"' in response.content.decode()


def test_english_pages_write_won_and_units_in_english(manager_client, gwangju):
    manager_client.post("/i18n/setlang/", {"language": "en", "next": HOME})
    response = manager_client.get(HOME)
    assert '<html lang="en">' in response.content.decode()
    assert "160 firms" in tile(response, "firms")
    assert "2,500 GPUs" in tile(response, "gpus")
    assert "Total cost: ₩600.0B" in tile(response, "budget")
    assert "Gwangju AI hub city strategy" in text(response)
    assert ">한국어<" in response.content.decode()  # the way back


def test_every_link_on_the_dashboard_leads_somewhere(manager_client, gwangju):
    """No dead links, the report center's menu item among them."""
    html = manager_client.get(HOME).content.decode()
    links = set(re.findall(r'href="(/[^"#]*)"', html)) - {"/static/dashboard/dashboard.css"}
    assert "/admin/" in links and "/dashboard/programs/AX-VALLEY/" in links
    for link in sorted(links):
        assert manager_client.get(link, follow=True).status_code == 200, link


# --- Program pages ----------------------------------------------------------------------------


def test_a_program_page_shows_the_same_views_for_that_program(manager_client, gwangju):
    response = manager_client.get("/dashboard/programs/GJ-AI-P1/")
    assert response.status_code == 200
    page = text(response)
    assert "AI 1단계" in page and "전체 사업" in page and "AI 중심도시 광주" in page  # breadcrumbs
    assert "160개사" in tile(response, "firms") and "2,500대" in tile(response, "gpus")
    assert "국가AI데이터센터" in page  # its project in the table
    for heading in ("연도별·재원별 예산", "성과지표 목표 대비 진척", "추진 일정", "이 사업과 하위 사업"):
        assert heading in page


def test_the_ax_valley_page_shows_its_total_cost_and_schedule(manager_client, gwangju):
    response = manager_client.get("/dashboard/programs/AX-VALLEY/")
    assert "총사업비: 6,000억원" in tile(response, "budget")
    page = text(response)
    assert "예비타당성조사 면제 확정" in page and "2026년" in page and "2030년" in page


def test_a_national_programs_page_shows_its_own_money(manager_client, gwangju):
    response = manager_client.get("/dashboard/programs/NAT-AI-BUDGET-2026/")
    assert "계획: 10조 1,000억원" in tile(response, "budget")
    assert "국가 차원 참고 항목" in text(response)


def test_an_unknown_program_is_a_korean_404(manager_client, gwangju):
    response = manager_client.get("/dashboard/programs/NO-SUCH/")
    assert response.status_code == 404
    assert "코드가 “NO-SUCH”인 사업이 없습니다" in text(response)


# --- The as-of day ----------------------------------------------------------------------------


def test_a_past_day_shows_the_figures_as_they_stood(manager_client):
    with time_machine.travel(datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC)):
        line = BudgetLineFactory(program=ProgramFactory(code="OLD"), amount=90 * 10**8)
    with time_machine.travel(datetime.datetime(2025, 7, 1, 10, tzinfo=datetime.UTC)):
        line.amount = 95 * 10**8
        line.save()
    assert "95억원" in tile(manager_client.get(HOME, {"fiscal_year": 2025}), "budget")
    response = manager_client.get(HOME, {"as_of": "2025-06-30"})
    assert response.status_code == 200
    assert "90억원" in tile(response, "budget")
    assert "2025-06-30 기준" in text(response)
    # Links into the tree keep the day.
    assert 'href="/dashboard/programs/OLD/?as_of=2025-06-30"' in response.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-13-45", "날짜를 YYYY-MM-DD 형식으로 입력하세요"),
        ("yesterday", "날짜를 YYYY-MM-DD 형식으로 입력하세요"),
        ("2999-01-01", "기준일은 오늘 이후일 수 없습니다"),
        ("1999-12-31", "기준일은 2000년 이후여야 합니다"),
    ],
)
def test_a_bad_as_of_day_is_said_plainly_and_todays_figures_are_shown(
    manager_client, gwangju, value, message
):
    response = manager_client.get(HOME, {"as_of": value})
    assert response.status_code == 400
    assert message in text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    assert "160개사" in tile(response, "firms")  # today's figures, nothing half-done


def test_a_program_that_did_not_exist_yet_is_a_404_for_that_day(manager_client):
    with time_machine.travel(datetime.datetime(2025, 7, 1, 10, tzinfo=datetime.UTC)):
        ProgramFactory(code="NEW")
    response = manager_client.get("/dashboard/programs/NEW/", {"as_of": "2025-06-30"})
    assert response.status_code == 404
    assert "2025-06-30 기준으로" in text(response)


# --- Queries ----------------------------------------------------------------------------------


def queries_for(client, path: str) -> int:
    client.get(path)  # warm per-process caches (content types, permissions) first
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


@pytest.mark.slow
def test_pages_take_the_same_number_of_queries_at_10_and_1000_programs(manager_client, gwangju):
    synthetic(10)
    small = {path: queries_for(manager_client, path) for path in (HOME, "/dashboard/programs/SYN-00001/")}
    synthetic(1000)
    assert Program.objects.filter(code__startswith="SYN-").count() == 1000
    large = {path: queries_for(manager_client, path) for path in small}
    assert large == small
    assert small[HOME] <= 16, small


def test_the_menu_leads_to_the_report_center(manager_client):
    """The menu links the report center; tests/reports/test_center.py has the rest."""
    html = manager_client.get(HOME).content.decode()
    menu = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    assert re.findall(r"<a [^>]*>([^<]+)</a>", menu) == ["대시보드", "보고서", "자료 관리(관리자 화면)"]


def test_a_program_page_offers_its_report_to_those_who_may_ask(manager_client, gwangju):
    link = '<a href="/reports/?root=AX-VALLEY">이 사업 보고서 만들기</a>'
    assert link in manager_client.get("/dashboard/programs/AX-VALLEY/").content.decode()
    # The portfolio page has no program to offer.
    assert "이 사업 보고서 만들기" not in manager_client.get(HOME).content.decode()


def test_the_report_link_keeps_the_day_shown_and_the_form_starts_from_it(manager_client):
    with time_machine.travel(datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC)):
        ProgramFactory(code="OLD")
    page = manager_client.get("/dashboard/programs/OLD/", {"as_of": "2025-06-30"})
    assert page.status_code == 200
    assert 'href="/reports/?root=OLD&amp;as_of=2025-06-30">이 사업 보고서 만들기</a>' in page.content.decode()
    center = manager_client.get("/reports/", {"root": "OLD", "as_of": "2025-06-30"}).content.decode()
    assert re.search(r'<option value="OLD"[^>]* selected>', center)
    assert 'name="as_of" value="2025-06-30"' in center


def test_the_report_link_is_left_out_for_those_who_may_not_ask(client, django_user_model, gwangju):
    looker = django_user_model.objects.create_user(username="looker", password=PASSWORD, is_staff=True)
    looker.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_program", "view_reportrun"])  # may look, not ask
    )
    client.force_login(looker)
    response = client.get("/dashboard/programs/AX-VALLEY/")
    assert response.status_code == 200
    assert "이 사업 보고서 만들기" not in response.content.decode()


# --- Empty states ---------------------------------------------------------------------------


def test_an_empty_portfolio_says_what_is_missing_and_where_to_enter_it(client, office_staff):
    ProgramFactory(code="EMPTY")
    client.force_login(office_staff)
    response = client.get(HOME)
    page = response.content.decode()
    assert "이 범위에는 연도별 예산이나 계획이 아직 입력되지 않았습니다. 입력하는 곳:" in text(response)
    for model in ("budgetline", "execution", "milestone", "indicatorreading"):
        assert f'href="/admin/portfolio/{model}/"' in page, model
        assert f'href="/admin/portfolio/{model}/import/template/"' in page, model
    assert 'href="/admin/portfolio/indicator/"' in page  # indicators have no import


def test_a_day_with_no_programs_says_so_under_the_tree(client, office_staff):
    ProgramFactory(code="LATER")
    client.force_login(office_staff)
    response = client.get(HOME, {"as_of": "2025-01-01"})
    assert "이 날짜에는 사업이 없습니다. 입력하는 곳: 사업" in text(response)


def test_the_entry_links_are_left_out_for_those_who_cannot_open_them(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_program"))
    client.force_login(user)
    page = client.get(HOME).content.decode()
    assert "/admin/portfolio/budgetline/" not in page
