"""The mayor's one-page briefing (kind `briefing`, a PDF): one A4 page holding the Gwangju figures
and their sources (read back with pdfinfo and pdftotext), the same figures as the JSON briefing,
still one page with long lists, asked for by command, API (the feed token: briefings only) and
refused with nothing made on bad input."""

import datetime
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from rest_framework.test import APIClient

from api import briefing as json_briefing
from portfolio.models import FundingSource, Milestone, Program
from reports import builders
from reports.models import ReportRun
from tests import factories as f
from tests.api.conftest import make_feed_token
from tests.conftest import missing_service

pytestmark = pytest.mark.django_db


def poppler(tool: str, path: Path, *args: str) -> str:
    if shutil.which(tool) is None:
        missing_service(f"{tool} (poppler-utils) is not installed")
    return subprocess.run([tool, *args, str(path), "-"] if tool == "pdftotext" else [tool, str(path)],
                          check=True, capture_output=True, text=True).stdout  # fmt: skip


def page_count(path: Path) -> int:
    info = dict(line.split(":", 1) for line in poppler("pdfinfo", path).splitlines() if ":" in line)
    assert "595.276 x 841.89" in info["Page size"]  # A4 in points
    return int(info["Pages"])


def text_of(path: Path) -> str:
    return " ".join(poppler("pdftotext", path, "-layout").split())


def test_the_briefing_is_one_a4_page_with_the_gwangju_figures_and_their_sources(gwangju, tmp_path):
    path = tmp_path / "briefing.pdf"
    builders.build("briefing", path, as_of=None, root=None, language="ko")

    assert path.read_bytes().startswith(b"%PDF")
    assert page_count(path) == 1
    text = text_of(path)
    for figure in ("6,000억원", "160개사", "650명", "2,500대", "10조 1,000억원"):
        assert figure in text
    # Each figure's source, numbered in small print at the foot of the page.
    assert "[1] 광주일보, 2025-10-24, AI 2단계 6000억 가동" in text
    assert "뉴시스, 2025-10-23, '국가 GPU 20만장 필요'" in text
    assert "총사업비 6,000억원[1,2]" in text
    assert "□ 재정 현황" in text and "○ 기업 유치 160개사[1]" in text


def test_without_a_budget_for_the_year_the_page_says_so_instead_of_zero_won(gwangju, tmp_path):
    path = tmp_path / "briefing.pdf"
    builders.build("briefing", path, as_of=None, root=None, language="ko", fiscal_year=2026)
    text = text_of(path)
    assert "2026회계연도 예산·집행 자료는 아직 입력되지 않음" in text
    assert "예산현액 0원" not in text


def test_the_page_shows_the_json_briefings_own_figures(gwangju, tmp_path):
    valley = Program.objects.get(code="AX-VALLEY")
    city = FundingSource.CITY
    f.BudgetLineFactory(program=valley, fiscal_year=2026, funding_source=city, amount=12_345_000_000)
    f.ExecutionFactory(
        program=valley, executed_on=datetime.date(2026, 3, 2), funding_source=city, amount=2_000_000_000
    )
    path = tmp_path / "briefing.pdf"
    builders.build("briefing", path, as_of=None, root=None, language="ko", fiscal_year=2026)
    with translation.override("ko"):
        data = json_briefing.build(as_of=None, root=None, since=None, fiscal_year=2026)
    text = text_of(path)
    head = data["headline"]
    assert head["budget"]["display_ko"] == "123억 4,500만원"  # the page's figures are the feed's
    assert f"예산현액 {head['budget']['display_ko']}" in text
    assert f"지출액 {head['executed']['display_ko']}" in text
    assert f"(집행률 {head['execution_rate']['display_ko']})" in text
    assert "시비 123억 4,500만원 20억원 16.2%" in text  # the year's budget by funding source
    for kpi in data["kpis"]["items"][:4]:
        assert f"{kpi['name_ko']}: {kpi['actual']['display_ko']}" in text


def test_long_lists_are_cut_so_the_briefing_stays_one_page(gwangju, tmp_path):
    program = f.ProgramFactory(code="LONG", name_ko="긴 사업")
    for number in range(40):
        f.IndicatorFactory(program=program, code=f"LONG-{number}", name_ko=f"지표 {number}")
        f.MilestoneFactory(
            program=program,
            title_ko=f"늦은 일정 {number}",
            planned_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=number),
            status=Milestone.Status.PLANNED,
        )
    path = tmp_path / "briefing.pdf"
    builders.build("briefing", path, as_of=None, root=None, language="ko")

    assert page_count(path) == 1
    text = text_of(path)
    assert "지연 40건" in text
    assert "지연 외" in text and "외 " in text  # how many more there are, said in words


def test_generate_report_writes_the_briefing_pdf(gwangju, tmp_path):
    out = tmp_path / "시장보고.pdf"
    call_command("generate_report", "briefing", "--out", str(out), stdout=open("/dev/null", "w"))
    assert page_count(out) == 1
    assert "2,500대" in text_of(out)


# --- asked for through the API: the feed token may have briefings and nothing else ---------------


@pytest.fixture
def feed_client() -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_feed_token()}")
    return client


def test_the_feed_token_may_ask_for_a_briefing_and_download_it(
    gwangju, in_process, feed_client, django_capture_on_commit_callbacks, tmp_path
):
    with django_capture_on_commit_callbacks(execute=True):
        response = feed_client.post("/api/v1/reports/", {"kind": "briefing"}, format="json")
    assert response.status_code == 202, response.json()
    run = ReportRun.objects.get()
    assert run.kind == "briefing" and run.status == ReportRun.Status.DONE, run.message
    assert run.file.name.endswith(f"report-{run.pk}-briefing.pdf")

    body = feed_client.get(f"/api/v1/reports/{run.pk}/").json()
    assert body["status"] == "done" and body["download_url"].endswith(f"/api/v1/reports/{run.pk}/download/")
    download = feed_client.get(f"/api/v1/reports/{run.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    # Every kind of report is named by reports.filenames: the Korean name as RFC 6266 filename*,
    # with the fiscal year, the day and the run's number, and a plain-ASCII fallback.
    day = timezone.localdate(run.finished_at)
    assert run.download_filename() == (
        f"광주 AI 시장 보고 요약 (1쪽)_{day.year}회계연도_{day:%Y-%m-%d} 기준_{run.pk}호.pdf"
    )
    assert download["Content-Disposition"] == (
        f'attachment; filename="gwangju-briefing-{day:%Y-%m-%d}-run{run.pk}.pdf"; '
        f"filename*=UTF-8''{quote(run.download_filename(), safe='')}"
    )
    saved = tmp_path / "got.pdf"
    saved.write_bytes(b"".join(download.streaming_content))
    assert page_count(saved) == 1


@pytest.mark.parametrize("kind", ["portfolio", "kpi"])
def test_the_feed_token_may_not_ask_for_another_kind_nor_read_one(kind, feed_client):
    response = feed_client.post("/api/v1/reports/", {"kind": kind}, format="json")
    assert response.status_code == 403
    assert (
        response.json()["errors"][0]["detail"]
        == "이 토큰으로는 시장 보고 요약만 요청하고 내려받을 수 있습니다."
    )
    other = ReportRun.objects.create(kind=kind)
    assert feed_client.get(f"/api/v1/reports/{other.pk}/").status_code == 403
    assert feed_client.get(f"/api/v1/reports/{other.pk}/download/").status_code == 403
    assert feed_client.get("/api/v1/reports/").status_code == 403  # nor list everyone's runs
    assert ReportRun.objects.count() == 1


def test_unknown_kinds_and_a_briefing_in_english_are_refused_with_nothing_made(feed_client):
    unknown = feed_client.post("/api/v1/reports/", {"kind": "memo"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["attr"] == "kind"
    english = feed_client.post("/api/v1/reports/", {"kind": "briefing", "language": "en"}, format="json")
    assert english.status_code == 400
    assert english.json()["errors"][0] == {
        "code": "invalid",
        "detail": "시장 보고 요약은 한국어(ko)로만 만듭니다.",
        "attr": "language",
    }
    assert ReportRun.objects.count() == 0


# --- the same page as HWPX (Hangul's open format) ---------------------------------------------------


def hwpx_text(path: Path) -> str:
    from hwpx import HwpxDocument

    document = HwpxDocument.open(str(path))
    assert document.validate().ok  # a well-formed OWPML package, as Hangul expects
    return document.text.plain()


def test_the_hwpx_briefing_holds_the_pdfs_page_paragraph_by_paragraph(gwangju, tmp_path):
    builders.build("briefing_hwpx", tmp_path / "briefing.hwpx", as_of=None, root=None, language="ko")
    builders.build("briefing", tmp_path / "briefing.pdf", as_of=None, root=None, language="ko")

    paragraphs = hwpx_text(tmp_path / "briefing.hwpx").splitlines()
    assert paragraphs[0] == "광주 AI 산업 추진 현황 (시장 보고)"
    assert "□ 재정 현황 (2026회계연도, 세출 집행현황 기준)" in paragraphs
    assert "○ 기업 유치 160개사[1], 일자리 650명[1], GPU 2,500대[2]" in paragraphs
    assert "  - 국가AI데이터센터 GPU: 2,500대[2] — 목표 없음" in paragraphs
    assert paragraphs[-2].startswith("출처 (위 숫자 표시): [1] 광주일보, 2025-10-24, AI 2단계 6000억 가동")
    # Word for word the PDF's text (spaces aside: the PDF wraps lines): one template words both.
    pdf = "".join(text_of(tmp_path / "briefing.pdf").split())
    for paragraph in paragraphs[2:]:
        assert "".join(paragraph.split()) in pdf, paragraph


def test_the_feed_token_may_have_the_briefing_as_hwpx(
    gwangju, in_process, feed_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = feed_client.post("/api/v1/reports/", {"kind": "briefing_hwpx"}, format="json")
    assert response.status_code == 202, response.json()
    run = ReportRun.objects.get()
    download = feed_client.get(f"/api/v1/reports/{run.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/hwp+zip"
    assert run.download_filename().endswith(".hwpx")
    assert b"".join(download.streaming_content).startswith(b"PK")  # a ZIP package
