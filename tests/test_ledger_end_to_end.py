"""The worked example of the official rule, end to end: loaded through `import_data` as the office
would, then read back from the API, the admin and the Excel report, with the same numbers
everywhere (예산현액 96억, 지출액 60.5억, 집행률 63.0 %, 원인행위율 72.9 %, 불용액 9.5억)."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from portfolio.models import Program
from tests.api.conftest import make_feed_token
from tests.imports.conftest import write_xlsx
from tests.imports.test_ledger_imports import ADJUSTMENTS, BUDGET, CLOSE_HEADER, EXECUTIONS

pytestmark = pytest.mark.django_db
EOK = 100_000_000


@pytest.fixture
def imported(tmp_path) -> Program:
    """Program P, 2026, 국비, imported from four files; the year closed with 명시이월 20억 and
    사고이월 6억."""
    program = Program.objects.create(code="P", name_ko="사업 P", start_year=2026, end_year=2027)
    files = [
        ("budget-lines", BUDGET),
        ("budget-adjustments", ADJUSTMENTS),
        ("executions", EXECUTIONS),
        ("year-end-closes", [CLOSE_HEADER, ["P", 2026, "국비", 20 * EOK, 6 * EOK, ""]]),
    ]
    for kind, rows in files:
        path = write_xlsx(tmp_path / f"{kind}.xlsx", rows)
        call_command("import_data", kind, str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return program


def test_the_api_gives_the_imported_figures(imported):
    feed = APIClient()
    feed.credentials(HTTP_AUTHORIZATION=f"Token {make_feed_token()}")
    ledger = feed.get("/api/v1/programs/P/").json()["ledger"]
    national = next(
        row for row in ledger if row["fiscal_year"] == 2026 and row["funding_source"] == "national"
    )
    assert national["available"]["value"] == 96 * EOK
    assert national["paid"]["value"] == 6_050_000_000
    assert national["committed"]["value"] == 70 * EOK
    assert national["execution_rate"]["value"] == 63.0
    assert national["commitment_rate"]["value"] == 72.9
    assert national["unused"]["value"] == 950_000_000 and national["closed"] is True
    assert (national["carried_out_explicit"]["value"], national["carried_out_accident"]["value"]) == (
        20 * EOK,
        6 * EOK,
    )
    next_year = next(row for row in ledger if row["fiscal_year"] == 2027 and row["funding_source"] is None)
    assert next_year["available"]["value"] == 26 * EOK


def test_the_admin_shows_the_imported_figures(imported, admin_client):
    page = admin_client.get(f"/admin/portfolio/program/{imported.pk}/change/").content.decode()
    for shown in ("96억원", "60억 5,000만원", "63.0%", "72.9%", "9억 5,000만원"):
        assert shown in page, shown


def test_the_excel_report_gives_the_imported_figures(imported, tmp_path):
    out = tmp_path / "report.xlsx"
    call_command(
        "generate_report",
        "portfolio",
        "--out",
        str(out),
        "--fiscal-year",
        "2026",
        "--unit",
        "won",
        stdout=io.StringIO(),
    )
    sheet = openpyxl.load_workbook(out, read_only=True)["세출 집행 현황"]
    headers = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "P" and r[2] == "국비")
    figures = dict(zip(headers, row, strict=False))
    assert figures["예산현액 (원)"] == 96 * EOK
    assert figures["지출액 (원)"] == 6_050_000_000
    assert figures["집행률"] == pytest.approx(0.63)
    assert figures["불용액 (원)"] == 950_000_000
