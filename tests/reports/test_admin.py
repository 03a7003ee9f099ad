"""The Reports page in the admin, the form to ask for a report, the live progress endpoint, and
the action on the program list."""

import datetime

from django.contrib.auth.models import Permission, User
from django.urls import reverse

from portfolio.models import Program
from reports.models import ReportRun

CHANGELIST = reverse("admin:reports_reportrun_changelist")
ADD = reverse("admin:reports_reportrun_add")
PROGRESS = reverse("admin:reports_reportrun_progress")


def test_the_reports_page_lists_runs_with_a_progress_bar_and_a_download_link(
    as_manager, in_process, hand_made, committed
):
    with committed():
        as_manager.post(ADD, {"kind": "portfolio", "language": "ko"})
    ReportRun.objects.create(kind="kpi", status="running", rows_done=25, rows_total=100)
    page = as_manager.get(CHANGELIST).content.decode()
    done, running = ReportRun.objects.get(kind="portfolio"), ReportRun.objects.get(kind="kpi")
    assert f'data-report-run="{running.pk}" data-status="running"' in page
    assert '<progress max="100" value="25">' in page and "작성 중 · 25%" in page
    assert f'href="{done.get_download_url()}"' in page
    assert "reports/admin_progress.js" in page


def test_asking_for_a_report_in_the_admin_builds_it_and_says_so(
    as_manager, manager, in_process, hand_made, committed
):
    with committed():
        response = as_manager.post(ADD, {"kind": "kpi", "language": "en", "root": "H-A"}, follow=True)
    run = ReportRun.objects.get()
    assert response.redirect_chain[-1][0] == CHANGELIST
    assert (run.kind, run.language, run.root, run.requested_by, run.status) == (
        "kpi",
        "en",
        "H-A",
        manager,
        "done",
    )
    assert f"보고서 #{run.pk}: " in response.content.decode()


def test_the_form_names_a_bad_field_and_asks_for_nothing(as_manager, hand_made):
    future = datetime.date.today() + datetime.timedelta(days=30)
    response = as_manager.post(ADD, {"kind": "portfolio", "language": "ko", "as_of": future.isoformat()})
    assert response.status_code == 200
    assert "기준일은 오늘 이후일 수 없습니다." in response.content.decode()
    assert not ReportRun.objects.exists()


def test_the_form_offers_the_programs_in_tree_order(as_manager, hand_made):
    page = as_manager.get(ADD).content.decode()
    assert (
        page.index('value="H"')
        < page.index('value="H-A"')
        < page.index('value="H-A-1"')
        < page.index('value="H-B"')
    )


def test_a_user_who_may_not_ask_gets_no_form(client, db):
    user = User.objects.create_user("viewer", password="pw-for-tests-only", is_staff=True)
    client.force_login(user)
    assert client.get(ADD).status_code == 403


def test_the_progress_endpoint_gives_status_percent_and_link(as_manager, db):
    run = ReportRun.objects.create(
        kind="portfolio", status="running", rows_done=30, rows_total=120, message="m"
    )
    body = as_manager.get(PROGRESS, {"ids": f"{run.pk},x,999"}).json()
    assert body == {
        "runs": [
            {
                "id": run.pk,
                "status": "running",
                "status_display": "작성 중",
                "percent": 25,
                "rows_done": 30,
                "rows_total": 120,
                "message": "m",
                "download_url": None,
            }
        ]
    }


def test_the_program_list_action_asks_for_a_report_per_selected_program(
    as_manager, in_process, hand_made, committed
):
    ids = list(Program.objects.filter(code__in=["H-A", "H-B"]).values_list("pk", flat=True))
    with committed():
        response = as_manager.post(
            reverse("admin:portfolio_program_changelist"),
            {"action": "request_portfolio_reports", "_selected_action": ids},
        )
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    runs = ReportRun.objects.order_by("root")
    assert [(run.kind, run.root, run.status) for run in runs] == [
        ("portfolio", "H-A", "done"),
        ("portfolio", "H-B", "done"),
    ]


def test_the_action_is_offered_only_to_users_who_may_ask(client, db, hand_made):
    user = User.objects.create_user("reader", password="pw-for-tests-only", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_program"))
    client.force_login(user)
    page = client.get(reverse("admin:portfolio_program_changelist")).content.decode()
    assert "request_portfolio_reports" not in page


def test_runs_cannot_be_edited_in_the_admin(as_manager, db):
    run = ReportRun.objects.create(kind="portfolio")
    response = as_manager.post(reverse("admin:reports_reportrun_change", args=[run.pk]), {"kind": "kpi"})
    run.refresh_from_db()
    assert run.kind == "portfolio"
    assert response.status_code in (200, 403)
