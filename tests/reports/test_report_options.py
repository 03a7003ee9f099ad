"""A report's fiscal year and money unit, asked for alike in the report center, the admin, the API
and the command; bad values refused with a Korean message and nothing made. Korean file names,
sent so that a Windows browser saves them as they are (RFC 6266 `filename*` with an ASCII
`filename` for older clients)."""

import datetime
import io
import re
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from portfolio.models import Program
from reports import services
from reports.filenames import content_disposition, report_filename
from reports.models import ReportRun

pytestmark = pytest.mark.django_db
CENTER = reverse("reports:center")
ADMIN_ADD = reverse("admin:reports_reportrun_add")


def saved_name(header: str) -> str:
    """The name a browser that reads RFC 6266 saves the file as."""
    match = re.search(r"filename\*=UTF-8''([^;]+)", header)
    assert match, header
    return unquote(match.group(1))


def money_header(content: bytes) -> str:
    return load_workbook(io.BytesIO(content)).worksheets[1]["F1"].value  # 총사업비 (unit)


# --- file names -------------------------------------------------------------------------------


def test_the_file_name_is_korean_and_the_header_carries_it_with_an_ascii_fallback():
    name = report_filename("포트폴리오 보고서", day=datetime.date(2025, 12, 31), extension=".pdf",
                           root="AX-VALLEY", fiscal_year=2025, number=12)  # fmt: skip
    assert name == "광주 AI 포트폴리오 보고서_AX-VALLEY_2025회계연도_2025-12-31 기준_12호.pdf"
    header = content_disposition(name, "gwangju-portfolio-AX-VALLEY-2025-12-31-run12.pdf")
    assert header.startswith('attachment; filename="gwangju-portfolio-AX-VALLEY-2025-12-31-run12.pdf"; ')
    assert header.isascii()
    assert saved_name(header) == name


def test_a_fallback_that_is_not_plain_ascii_is_made_so():
    header = content_disposition("보고서.xlsx", 'a"b\\c 한.xlsx')
    assert 'filename="a_b_c__.xlsx"' in header and header.isascii()


def test_characters_windows_refuses_in_a_file_name_are_replaced():
    name = report_filename('A/B:C*"D"', day=datetime.date(2026, 1, 2), extension=".xlsx")
    assert not set('/\\:*?"<>|') & set(name)


def test_the_download_is_saved_under_its_korean_name(client, roles, manager, in_process, hand_made, ask):
    run = ask(kind="kpi", fiscal_year=2025)
    client.force_login(manager)
    response = client.get(run.get_download_url())
    assert response.status_code == 200
    day = timezone.localdate()
    assert saved_name(response["Content-Disposition"]) == (
        f"광주 AI 성과지표 보고서_2025회계연도_{day:%Y-%m-%d} 기준_{run.pk}호.xlsx"
    )
    assert f'filename="gwangju-kpi-{day:%Y-%m-%d}-run{run.pk}.xlsx"' in response["Content-Disposition"]


# --- the service ------------------------------------------------------------------------------


def test_the_fiscal_year_defaults_to_the_as_of_days_year_and_the_unit_to_thousands(
    ask, in_process, hand_made
):
    # hand_made's programs are made today; history as of 2025 must exist for a 2025 report.
    Program.history.update(history_date=datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC))
    run = ask(as_of=datetime.date(2025, 12, 31))
    assert (run.fiscal_year, run.unit) == (2025, "thousand")
    assert ask().fiscal_year == timezone.localdate().year


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"unit": "dollar"}, "unit", "알 수 없는 금액 단위"),
        ({"fiscal_year": 1999}, "fiscal_year", "2000년부터 2100년 사이"),
        ({"fiscal_year": 2101}, "fiscal_year", "2000년부터 2100년 사이"),
    ],
)
def test_the_service_refuses_a_bad_unit_or_year_and_makes_nothing(hand_made, options, field, words):
    with pytest.raises(ValidationError) as refused:
        services.request_report(kind="portfolio", requested_by=None, **options)
    assert words in " ".join(refused.value.message_dict[field])
    assert not ReportRun.objects.exists()


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api(manager) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_authenticate(manager)
    return client


def post(api, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True):
        return api.post("/api/v1/reports/", {"kind": "portfolio"} | body, format="json")


def test_the_api_takes_the_fiscal_year_and_unit(
    api, in_process, hand_made, django_capture_on_commit_callbacks
):
    response = post(api, django_capture_on_commit_callbacks, fiscal_year=2025, unit="eok")
    assert response.status_code == 202
    body = response.json()
    assert (body["fiscal_year"], body["unit"]) == (2025, "eok")
    download = api.get(f"/api/v1/reports/{body['id']}/download/")
    assert money_header(b"".join(download.streaming_content)) == "총사업비 (억원)"
    assert "2025회계연도" in saved_name(download["Content-Disposition"])


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"unit": "dollar"}, "unit", "dollar"),
        ({"unit": ""}, "unit", ""),
        ({"fiscal_year": 1999}, "fiscal_year", "2000"),
        ({"fiscal_year": "올해"}, "fiscal_year", "2026"),
    ],
)
def test_the_api_refuses_a_bad_unit_or_year_naming_it(api, hand_made, body, field, words, request):
    response = post(api, request.getfixturevalue("django_capture_on_commit_callbacks"), **body)
    assert response.status_code == 400
    errors = {error["attr"]: error["detail"] for error in response.json()["errors"]}
    assert field in errors and words in errors[field]
    assert not ReportRun.objects.exists()


# --- the report center and the admin ----------------------------------------------------------


def test_the_report_center_asks_with_the_year_and_unit(as_manager, in_process, hand_made, committed):
    page = as_manager.get(CENTER).content.decode()
    assert 'name="fiscal_year"' in page and 'name="unit"' in page and "백만원" in page
    with committed():
        response = as_manager.post(CENTER, {"kind": "portfolio", "language": "ko", "fiscal_year": "2025",
                                            "unit": "million"})  # fmt: skip
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert (run.fiscal_year, run.unit, run.status) == (2025, "million", "done")
    assert load_workbook(run.file.path).worksheets[1]["F1"].value == "총사업비 (백만원)"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"unit": "dollar"}, "금액 단위는 원, 천원, 백만원, 억원 가운데 하나를 고르십시오."),
        ({"fiscal_year": "1999"}, "회계연도는 2000년부터 2100년 사이여야 합니다."),
        ({"fiscal_year": "올해"}, "회계연도는 2026처럼 숫자로 적어 주십시오."),
    ],
)
def test_the_report_center_names_a_bad_unit_or_year_in_korean(as_manager, hand_made, data, words):
    response = as_manager.post(CENTER, {"kind": "portfolio", "language": "ko"} | data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not ReportRun.objects.exists()


def test_the_admin_form_asks_with_the_year_and_unit(as_manager, manager, in_process, hand_made, committed):
    with committed():
        as_manager.post(ADMIN_ADD, {"kind": "kpi", "language": "ko", "fiscal_year": "2024", "unit": "won"})
    run = ReportRun.objects.get()
    assert (run.fiscal_year, run.unit, run.requested_by) == (2024, "won", manager)
    response = as_manager.post(ADMIN_ADD, {"kind": "kpi", "language": "ko", "unit": "dollar"})
    assert "금액 단위는 원, 천원, 백만원, 억원 가운데 하나를 고르십시오." in response.content.decode()
    assert ReportRun.objects.count() == 1


# --- the command ------------------------------------------------------------------------------


def test_the_command_takes_the_unit_and_refuses_an_unknown_one(tmp_path, hand_made):
    out = tmp_path / "p.xlsx"
    call_command("generate_report", "portfolio", "--out", str(out), "--unit", "million", stdout=io.StringIO())
    assert load_workbook(out).worksheets[1]["F1"].value == "총사업비 (백만원)"
    with pytest.raises(CommandError, match="dollar"):
        call_command("generate_report", "portfolio", "--out", str(tmp_path / "x.xlsx"), "--unit", "dollar")
    assert not (tmp_path / "x.xlsx").exists()
