"""The report center at /reports/ through Django's test client: who may look and ask, asking
(POST, redirect, GET), bad input named beside its field, the history with its triggers and
messages, a fixed number of queries however long the history, and the progress JSON."""

import datetime
import html
import re

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from reports.models import ReportRun
from reports.tasks import scheduled_report
from tests.conftest import make_user

CENTER = reverse("reports:center")
PROGRESS = reverse("reports:progress")
Status = ReportRun.Status


@pytest.fixture
def in_english(as_manager, settings):
    """The manager's pages in English, as after the language switch; Korean again afterwards
    (the locale middleware leaves the last request's language active in this thread)."""
    as_manager.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield as_manager
    translation.activate(settings.LANGUAGE_CODE)


def text(response) -> str:
    """The page's visible text, tags dropped and spaces squeezed."""
    page = response.content.decode()
    page = re.sub(r"<(script|style|title)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def row(response, run: ReportRun) -> str:
    """The visible text of one run's row in the history."""
    match = re.search(rf'<tr id="run-{run.pk}".*?</tr>', response.content.decode(), re.S)
    assert match, f"run {run.pk} is not in the history"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip())


def field_error(response, field: str) -> str:
    """The error written beside a field (Django's widget points aria-describedby at it)."""
    page = response.content.decode()
    match = re.search(rf'<p class="error" id="id_{field}_error" role="alert">(.*?)</p>', page, re.S)
    assert match, f"no error beside {field}"
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error"', page), "the control does not point at it"
    return html.unescape(match.group(1))


def user_with(django_user_model, username: str, *codenames: str):
    user = make_user(django_user_model, username)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


# --- Who may look and ask ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(CENTER)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dashboard:login')}?next={CENTER}"
    assert client.get(PROGRESS).status_code == 302


def test_an_account_without_the_report_permissions_gets_a_korean_refusal(client, django_user_model):
    client.force_login(user_with(django_user_model, "reader", "view_program"))
    response = client.get(CENTER)
    assert response.status_code == 403
    assert "보고서를 볼 수 없습니다" in text(response)
    assert client.post(CENTER, {"kind": "portfolio", "language": "ko"}).status_code == 403
    assert client.get(PROGRESS).status_code == 403
    assert not ReportRun.objects.exists()


def test_an_account_that_may_only_look_sees_the_history_but_no_form(client, django_user_model, hand_made):
    client.force_login(user_with(django_user_model, "looker", "view_reportrun"))
    run = ReportRun.objects.create(kind="kpi")
    response = client.get(CENTER)
    assert response.status_code == 200
    assert f'id="run-{run.pk}"' in response.content.decode()
    assert '<form method="post" action="/reports/"' not in response.content.decode()
    refused = client.post(CENTER, {"kind": "portfolio", "language": "ko"})
    assert refused.status_code == 403 and "요청할 수는 없습니다" in text(refused)
    assert ReportRun.objects.count() == 1


def test_a_manager_sees_the_form_and_the_menu_item(as_manager, hand_made):
    response = as_manager.get(CENTER)
    assert response.status_code == 200
    page = text(response)
    assert "보고서 센터" in page and "보고서 요청" in page
    for label in ("종류", "기준일", "사업 범위", "언어"):
        assert f'">{label}</label>' in response.content.decode(), label
    markup = response.content.decode()
    assert markup.index('value="H"') < markup.index('value="H-A"') < markup.index('value="H-A-1"')
    assert '<a href="/reports/" aria-current="page">보고서</a>' in markup
    assert "reports/center.js" in markup and "//cdn" not in markup


def test_office_staff_may_ask_too(client, roles, office_staff, hand_made):
    client.force_login(office_staff)
    assert client.get(CENTER).status_code == 200


def test_the_dashboard_menu_leads_to_the_report_center(as_manager):
    markup = as_manager.get(reverse("dashboard:home")).content.decode()
    assert '<a href="/reports/">보고서</a>' in markup


def test_the_menu_leaves_the_report_center_out_for_those_who_may_not_see_reports(client, django_user_model):
    client.force_login(user_with(django_user_model, "reader", "view_program"))
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200 and 'href="/reports/"' not in response.content.decode()


# --- Asking -------------------------------------------------------------------------------------


def test_asking_creates_the_run_and_comes_back_to_the_page_with_a_message(
    as_manager, manager, in_process, hand_made, committed
):
    with committed():
        response = as_manager.post(CENTER, {"kind": "portfolio", "language": "ko", "root": "H-A"})
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{CENTER}#run-{run.pk}"
    assert (run.kind, run.root, run.requested_by, run.trigger, run.status) == (
        "portfolio",
        "H-A",
        manager,
        "user",
        "done",
    )
    page = as_manager.get(CENTER)
    # The test's transaction ran the build only after the view answered: the message says queued.
    assert f"보고서 #{run.pk}: 대기열에 들어갔습니다." in text(page)
    shown = row(page, run)
    assert "포트폴리오 보고서" in shown and "H-A 알파 사업" in shown and "최신 자료" in shown
    assert "사용자 요청 · manager" in shown and "완료 · 100%" in shown and "KB" in shown
    assert f'href="{run.get_download_url()}"' in page.content.decode()
    assert as_manager.get(run.get_download_url()).status_code == 200


@pytest.fixture
def hand_made_in_2025(request):
    """The hand-made portfolio as entered in mid-2025, so the history has it by 2025-12-31."""
    with time_machine.travel(datetime.datetime(2025, 6, 30, 9, tzinfo=datetime.UTC)):
        return request.getfixturevalue("hand_made")


def test_a_past_as_of_day_and_english_are_passed_on(as_manager, in_process, hand_made_in_2025, committed):
    with committed():
        as_manager.post(CENTER, {"kind": "kpi", "language": "en", "as_of": "2025-12-31"})
    run = ReportRun.objects.get()
    assert (run.kind, run.language, run.as_of) == ("kpi", "en", datetime.date(2025, 12, 31))
    assert "2025-12-31" in row(as_manager.get(CENTER), run)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"as_of": "2099-01-01"}, "as_of", "기준일은 오늘 이후일 수 없습니다."),
        ({"as_of": "31.12.2025"}, "as_of", "기준일은 YYYY-MM-DD 형식으로"),
        ({"as_of": "1999-12-31"}, "as_of", "기준일"),
        ({"kind": "budget"}, "kind", "보고서 종류를 고르세요"),
        ({"root": "NO-SUCH-PROGRAM"}, "root", "사업 범위: 코드가 NO-SUCH-PROGRAM인 사업이 없습니다."),
        ({"language": "fr"}, "language", "한국어(ko) 또는 영어(en)"),
    ],
)
def test_bad_input_is_named_beside_its_field_in_korean_and_nothing_is_asked(
    as_manager, hand_made, data, field, words
):
    response = as_manager.post(CENTER, {"kind": "portfolio", "language": "ko"} | data)
    assert response.status_code == 400
    assert words in field_error(response, field)
    assert 'aria-invalid="true"' in response.content.decode()
    assert not ReportRun.objects.exists()


def test_a_program_that_did_not_exist_on_the_as_of_day_is_refused_beside_the_scope(as_manager, hand_made):
    # H-B is in today's tree (so it is offered) but the history has no row for it in 2001.
    response = as_manager.post(
        CENTER, {"kind": "portfolio", "language": "ko", "root": "H-B", "as_of": "2001-01-01"}
    )
    assert response.status_code == 400
    assert "H-B" in field_error(response, "root")
    assert not ReportRun.objects.exists()


def selected(response, field: str) -> list[str]:
    """The values selected in a select of the form (the ones the page starts with)."""
    select = re.search(rf'<select name="{field}".*?</select>', response.content.decode(), re.S).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]* selected>', select)


def test_the_form_starts_from_the_scope_and_kind_in_the_address(as_manager, hand_made_in_2025):
    """As a program's dashboard page links here: /reports/?root=H-A."""
    plain = as_manager.get(CENTER)
    assert (selected(plain, "root"), selected(plain, "kind")) == ([""], [])  # all programs, the first kind
    response = as_manager.get(CENTER, {"root": "H-A", "kind": "kpi", "as_of": "2025-12-31"})
    assert response.status_code == 200
    assert (selected(response, "root"), selected(response, "kind")) == (["H-A"], ["kpi"])
    assert 'name="as_of" value="2025-12-31"' in response.content.decode()
    assert 'aria-invalid="true"' not in response.content.decode()  # a start, not an answer
    assert not ReportRun.objects.exists()


def test_values_in_the_address_that_are_no_choice_are_left_out(as_manager, hand_made):
    response = as_manager.get(CENTER, {"root": "NO-SUCH", "kind": "budget", "as_of": "2999-01-01"})
    assert response.status_code == 200
    assert (selected(response, "root"), selected(response, "kind")) == ([""], [])
    page = response.content.decode()
    assert 'name="as_of" value="2999-01-01"' not in page and 'aria-invalid="true"' not in page


# --- The history --------------------------------------------------------------------------------


def test_a_scheduled_run_shows_in_the_history_with_its_trigger(as_manager, in_process, hand_made, committed):
    with committed():
        run_id = scheduled_report(kind="kpi")
    shown = row(as_manager.get(CENTER), ReportRun.objects.get(pk=run_id))
    assert "월간 일정" in shown and "성과지표 보고서" in shown and "전체 사업" in shown
    assert "사용자 요청" not in shown


def test_a_failed_run_shows_its_message_plainly_and_no_link(as_manager, db):
    run = ReportRun.objects.create(
        kind="kpi", status=Status.FAILED, message="보고서를 만들 수 없습니다: KeyError: 'H-X'"
    )
    page = as_manager.get(CENTER)
    shown = row(page, run)
    assert "보고서를 만들 수 없습니다: KeyError: 'H-X'" in shown and "내려받기" not in shown
    assert f'<span class="run-status" id="run-{run.pk}-status" aria-live="polite">실패</span>' in (
        page.content.decode()
    )
    assert f'<tr id="run-{run.pk}" class="run-failed"' in page.content.decode()


def test_a_queued_run_says_why_it_waits(as_manager, db):
    waiting = ReportRun.objects.create(kind="portfolio", message="작업자를 기다리는 중입니다.")
    unsent = ReportRun.objects.create(kind="portfolio")  # made by a script: no message of its own
    page = as_manager.get(CENTER)
    assert "대기 · 0%" in row(page, waiting) and "작업자를 기다리는 중입니다." in row(page, waiting)
    assert "작업자를 기다리는 중입니다." in row(page, unsent)


def test_when_redis_does_not_answer_the_page_says_so(as_manager, settings, hand_made, committed):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.REPORT_IN_PROCESS_FALLBACK = False
    with committed():
        as_manager.post(CENTER, {"kind": "portfolio", "language": "ko"})
    page = as_manager.get(CENTER)
    run = ReportRun.objects.get()
    shown = row(page, run)
    assert run.status == Status.FAILED
    assert "Redis" in shown and "응답하지 않습니다" in shown and "다시 요청" in shown


def test_the_history_is_newest_first_and_paginated(as_manager, db):
    now = timezone.now()
    runs = [
        ReportRun.objects.create(kind="portfolio", created_at=now - datetime.timedelta(hours=hours))
        for hours in range(25)
    ]
    first = as_manager.get(CENTER).content.decode()
    assert first.index(f'id="run-{runs[0].pk}"') < first.index(f'id="run-{runs[1].pk}"')
    assert f'id="run-{runs[20].pk}"' not in first and "2쪽 중 1쪽" in first
    second = as_manager.get(CENTER, {"page": 2}).content.decode()
    assert f'id="run-{runs[24].pk}"' in second and f'id="run-{runs[0].pk}"' not in second
    assert as_manager.get(CENTER, {"page": "x"}).status_code == 200  # a bad page number: the first


def make_runs(count: int, users: list) -> None:
    statuses = [Status.QUEUED, Status.RUNNING, Status.FAILED, Status.DONE]
    ReportRun.objects.bulk_create(
        ReportRun(
            kind="portfolio" if n % 2 else "kpi",
            status=statuses[n % 4],
            file=f"2026/01/report-{n}.xlsx" if statuses[n % 4] == Status.DONE else "",
            size=12345 if statuses[n % 4] == Status.DONE else None,
            requested_by=users[n % len(users)],
            trigger="user" if n % 3 else "schedule",
            root="H-A" if n % 5 == 0 else "",
        )
        for n in range(count)
    )


def queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(CENTER).status_code == 200
    return len(captured)


def test_the_history_takes_the_same_number_of_queries_at_2_and_60_runs(
    as_manager, django_user_model, hand_made
):
    users = [make_user(django_user_model, f"asker{n}") for n in range(5)]
    make_runs(2, users)
    small = queries(as_manager)
    make_runs(58, users)
    assert queries(as_manager) == small
    assert small <= 10, small


# --- Progress -----------------------------------------------------------------------------------


def test_the_progress_json_gives_what_the_bars_need(as_manager, db):
    running = ReportRun.objects.create(
        kind="portfolio", status=Status.RUNNING, rows_done=30, rows_total=120, message="작성 중입니다."
    )
    done = ReportRun.objects.create(
        kind="kpi", status=Status.DONE, file="2026/01/report-2-kpi.xlsx", size=2048, message="끝"
    )
    with CaptureQueriesContext(connection) as captured:
        body = as_manager.get(PROGRESS, {"ids": f"{running.pk},{done.pk},x,999"}).json()
    by_id = {run["id"]: run for run in body["runs"]}
    assert set(by_id) == {running.pk, done.pk}
    assert by_id[running.pk] == {
        "id": running.pk,
        "status": "running",
        "status_display": "작성 중",
        "status_text": "작성 중 · 25%",
        "percent": 25,
        "rows_done": 30,
        "rows_total": 120,
        "message": "작성 중입니다.",
        "download_url": None,
        "size_text": "–",
        "download_label": ".xlsx 내려받기",
    }
    assert by_id[done.pk]["percent"] == 100 and by_id[done.pk]["status_text"] == "완료 · 100%"
    assert by_id[done.pk]["download_url"] == f"/reports/{done.pk}/download/"
    assert by_id[done.pk]["size_text"] == "2 KB"
    assert len(captured) <= 5  # session, user, its own and its groups' permissions, the runs


def test_the_progress_json_speaks_english_on_english_pages(in_english, db):
    run = ReportRun.objects.create(kind="kpi", status=Status.QUEUED)
    body = in_english.get(PROGRESS, {"ids": str(run.pk)}).json()
    assert body["runs"][0]["status_text"] == "Queued · 0%"
    assert body["runs"][0]["message"] == "Waiting for a worker."


def test_the_page_speaks_english_too(in_english, hand_made):
    page = text(in_english.get(CENTER))
    assert "Report center" in page and "Ask for a report" in page and "Reports asked for" in page
    assert "No report has been asked for yet." in page
