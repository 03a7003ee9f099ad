"""The reports API (/api/v1/reports/): ask (202 and a Location), follow, download (409 while
building, 410 when failed or expired), who may do what, bad input, conditional GETs, query counts, and
the whole round trip on a real Celery worker."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from portfolio import selectors
from reports.models import ReportRun
from tests.api.conftest import make_feed_token
from tests.conftest import make_user
from tests.reports.conftest import finished, run_files, wait_for

pytestmark = pytest.mark.django_db
Status = ReportRun.Status
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_authenticate(user)
    return client


@pytest.fixture
def managers_api(manager) -> APIClient:
    return client_for(manager)


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """POST reports/, then run what was waiting for the commit (sending or building the run), as
    at the end of a real request; the test's own transaction never commits."""

    def post(client, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/reports/", {"kind": "portfolio"} | body, format="json")

    return post


def error_attrs(response) -> dict[str, str]:
    return {error["attr"]: error["detail"] for error in response.json()["errors"]}


def programs_sheet(content: bytes) -> dict[str, tuple]:
    book = load_workbook(io.BytesIO(content))
    return {row[0]: row for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}


# --- asking and downloading ---------------------------------------------------------------------


def test_a_manager_asks_for_a_report_and_downloads_it(gwangju, managers_api, manager, in_process, ask):
    response = ask(managers_api, program="AX-VALLEY", language="en")
    assert response.status_code == 202
    body = response.json()
    run = ReportRun.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/reports/{run.pk}/" == body["url"]
    assert body["id"] == run.pk
    assert (body["kind"], body["program"], body["language"], body["as_of"]) == (
        "portfolio",
        "AX-VALLEY",
        "en",
        None,
    )
    assert body["requested_by"] == "manager" and body["trigger"] == "user"
    assert body["status"] == "queued" and body["download_url"] is None  # answered before the commit
    # No Redis configured: built once committed, and the run says so.
    body = managers_api.get(body["url"]).json()
    assert body["status"] == "done" and body["progress_percent"] == 100
    assert "REDIS_URL" in body["message"]
    assert body["size"] == run.size > 0 and body["checksum"] == run.checksum
    assert body["download_url"] == f"http://testserver/api/v1/reports/{run.pk}/download/"

    download = managers_api.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert "gwangju-portfolio-AX-VALLEY-" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    assert len(content) == run.size
    assert programs_sheet(content)["AX-VALLEY"][5] == 600_000_000  # 총사업비 in 천원, the default unit


def test_the_run_answers_in_korean_or_english(gwangju, managers_api, in_process, ask):
    run_id = ask(managers_api).json()["id"]
    korean = managers_api.get(f"/api/v1/reports/{run_id}/").json()
    english = managers_api.get(f"/api/v1/reports/{run_id}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (korean["status_display"], english["status_display"]) == ("완료", "Done")
    assert english["kind_display"] == "Portfolio report"


def test_an_as_of_report_is_rebuilt_from_the_history(gwangju, managers_api, in_process, ask):
    run_id = ask(managers_api, as_of="2025-10-24").json()["id"]
    body = managers_api.get(f"/api/v1/reports/{run_id}/").json()
    assert body["as_of"] == "2025-10-24" and body["status"] == "done"


def test_the_list_shows_every_run_newest_first_with_filters(gwangju, managers_api, manager):
    older = ReportRun.objects.create(
        kind="kpi", trigger="schedule", created_at=timezone.now() - datetime.timedelta(days=31)
    )
    newer = ReportRun.objects.create(kind="portfolio", requested_by=manager, status="failed", message="고장")
    page = managers_api.get("/api/v1/reports/").json()
    assert page["count"] == 2 and page["next"] is None
    assert [run["id"] for run in page["results"]] == [newer.pk, older.pk]
    assert page["results"][1]["trigger"] == "schedule" and page["results"][1]["requested_by"] is None
    assert [r["id"] for r in managers_api.get("/api/v1/reports/?status=failed").json()["results"]] == [
        newer.pk
    ]
    assert [r["id"] for r in managers_api.get("/api/v1/reports/?trigger=schedule").json()["results"]] == [
        older.pk
    ]
    second = managers_api.get("/api/v1/reports/?page_size=1&page=2").json()
    assert [r["id"] for r in second["results"]] == [older.pk] and second["previous"]
    assert managers_api.get("/api/v1/reports/?page=3&page_size=1").status_code == 404
    assert managers_api.get("/api/v1/reports/?page_size=501").status_code == 400


# --- download states ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_download_while_the_report_is_built_answers_409(managers_api, status):
    run = ReportRun.objects.create(kind="portfolio", status=status, rows_done=30, rows_total=120)
    response = managers_api.get(f"/api/v1/reports/{run.pk}/download/")
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "report_not_ready"
    assert f"#{run.pk}" in error["detail"] and ("25%" in error["detail"] or status == "queued")


def test_a_download_of_a_failed_report_answers_410_with_its_reason(managers_api):
    run = ReportRun.objects.create(kind="portfolio", status="failed", message="ValueError: 범위 밖")
    response = managers_api.get(f"/api/v1/reports/{run.pk}/download/")
    assert response.status_code == 410
    assert response.json()["errors"][0]["code"] == "report_gone"
    assert "ValueError: 범위 밖" in response.json()["errors"][0]["detail"]


def test_a_download_of_an_expired_report_answers_410(managers_api):
    run = ReportRun.objects.create(kind="kpi", status="done", expired_at=timezone.now())
    response = managers_api.get(f"/api/v1/reports/{run.pk}/download/")
    assert response.status_code == 410
    assert (
        "retention" in response.json()["errors"][0]["detail"]
        or "보관" in response.json()["errors"][0]["detail"]
    )


def test_an_unknown_run_answers_404(managers_api):
    for url in ["/api/v1/reports/999/", "/api/v1/reports/999/download/"]:
        response = managers_api.get(url)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"


def test_a_download_answers_any_accept_header(gwangju, managers_api, in_process, ask):
    run_id = ask(managers_api).json()["id"]
    response = managers_api.get(f"/api/v1/reports/{run_id}/download/", HTTP_ACCEPT=XLSX)
    assert response.status_code == 200 and response["Content-Type"] == XLSX


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"kind": "budget"}, "kind", "budget"),
        ({"kind": None}, "kind", ""),
        ({"as_of": "2025-13-01"}, "as_of", ""),
        ({"as_of": "2999-01-01"}, "as_of", ""),
        ({"program": "NO-SUCH-PROGRAM"}, "program", "NO-SUCH-PROGRAM"),
        ({"program": "한글 코드"}, "program", ""),
        ({"language": "ja"}, "language", "ja"),
        ({"asof": "2025-12-31"}, "non_field_errors", "asof"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_created(
    gwangju, managers_api, body, field, words, ask
):
    response = ask(managers_api, **body)
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    attrs = error_attrs(response)
    assert field in attrs, attrs
    assert words in attrs[field]
    assert not ReportRun.objects.exists()


def test_a_body_that_is_not_json_is_refused(managers_api):
    response = managers_api.post("/api/v1/reports/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert not ReportRun.objects.exists()


def test_the_kind_is_required(managers_api):
    response = managers_api.post("/api/v1/reports/", {}, format="json")
    assert response.status_code == 400 and "kind" in error_attrs(response)


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/reports/", "/api/v1/reports/1/", "/api/v1/reports/1/download/"])
def test_anonymous_requests_get_401(url):
    assert APIClient().get(url).status_code == 401
    assert APIClient().post("/api/v1/reports/", {"kind": "kpi"}, format="json").status_code == 401


def test_a_feed_token_may_neither_ask_for_nor_read_reports():
    feed = APIClient()
    feed.credentials(HTTP_AUTHORIZATION=f"Token {make_feed_token()}")
    run = ReportRun.objects.create(kind="kpi")
    assert feed.post("/api/v1/reports/", {"kind": "kpi"}, format="json").status_code == 403
    for url in ["/api/v1/reports/", f"/api/v1/reports/{run.pk}/", f"/api/v1/reports/{run.pk}/download/"]:
        response = feed.get(url)
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "permission_denied"
    assert ReportRun.objects.count() == 1


def test_who_may_ask_and_download_follows_the_reports_permissions(
    django_user_model, in_process, gwangju, ask
):
    viewer = make_user(django_user_model, "viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_reportrun"))
    api = client_for(viewer)
    run = ReportRun.objects.create(kind="kpi", status="failed")
    assert api.get(f"/api/v1/reports/{run.pk}/").status_code == 200
    assert ask(api).status_code == 403  # may look, may not ask
    assert ReportRun.objects.count() == 1
    nobody = client_for(make_user(django_user_model, "nobody"))
    assert nobody.get(f"/api/v1/reports/{run.pk}/").status_code == 403


def test_office_staff_may_ask(gwangju, office_staff, in_process, ask):
    assert ask(client_for(office_staff), kind="kpi").status_code == 202


# --- caching and queries ------------------------------------------------------------------------


def test_polling_a_run_that_did_not_move_answers_304(managers_api):
    run = ReportRun.objects.create(kind="portfolio", status="running", rows_done=10, rows_total=100)
    first = managers_api.get(f"/api/v1/reports/{run.pk}/")
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"].endswith("GMT")
    assert first["Cache-Control"] == "private, no-cache"
    again = managers_api.get(f"/api/v1/reports/{run.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    ReportRun.objects.filter(pk=run.pk).update(rows_done=50)
    moved = managers_api.get(f"/api/v1/reports/{run.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert moved.status_code == 200 and moved.json()["progress_percent"] == 50
    listing = managers_api.get("/api/v1/reports/")
    assert managers_api.get("/api/v1/reports/", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304


def test_a_downloaded_file_has_its_checksum_as_etag(gwangju, managers_api, in_process, ask):
    body = managers_api.get(ask(managers_api).json()["url"]).json()
    download = managers_api.get(body["download_url"])
    assert download["ETag"] == f'"{body["checksum"]}"'
    assert managers_api.get(body["download_url"], HTTP_IF_NONE_MATCH=download["ETag"]).status_code == 304


def test_the_list_reads_a_fixed_number_of_queries(managers_api, manager, django_user_model):
    def queries() -> int:
        managers_api.force_authenticate(django_user_model.objects.get(pk=manager.pk))  # no cached perms
        with CaptureQueriesContext(connection) as captured:
            assert managers_api.get("/api/v1/reports/?page_size=500").status_code == 200
        return len(captured)

    ReportRun.objects.bulk_create([ReportRun(kind="kpi", requested_by=manager) for _ in range(2)])
    # A session's user comes with no permissions read (a token's does, api.authentication): the
    # user's and the groups' permissions, then the count and the page with its users.
    assert queries() == 4
    ReportRun.objects.bulk_create([ReportRun(kind="portfolio", requested_by=manager) for _ in range(60)])
    assert queries() == 4


# --- on a real worker ---------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_report_asked_for_by_api_is_built_by_a_real_worker(
    celery_worker, roles, gwangju, django_user_model, ask
):
    from portfolio.roles import MANAGERS

    api = client_for(make_user(django_user_model, "api-manager", group=MANAGERS))
    response = ask(api)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] in ("queued", "running") and body["download_url"] is None
    early = api.get(f"/api/v1/reports/{body['id']}/download/")  # 409 unless the worker was quicker
    assert early.status_code == 409 or ReportRun.objects.get(pk=body["id"]).status == Status.DONE
    run = wait_for(ReportRun.objects.get(pk=body["id"]), finished, timeout=60)
    assert run.status == Status.DONE, run.message
    polled = api.get(response["Location"]).json()
    assert polled["status"] == "done" and polled["attempts"] == 1
    content = b"".join(api.get(polled["download_url"]).streaming_content)
    rows = programs_sheet(content)
    for item in selectors.program_totals():  # in 천원, the default unit
        cost = item.totals.total_cost
        assert rows[item.program.code][5] == (None if cost is None else cost / 1000)
        budget = item.totals.budget  # None for a program with no line that year: an empty cell
        assert rows[item.program.code][7] == (None if budget is None else budget / 1000)
    assert len(run_files(run)) == 1
