"""Helpers for the import tests: write sheets as the office would, run an import, and take a
snapshot of every importable table (rows and history) to show a refused file changed nothing."""

import csv
import datetime
import zipfile
from pathlib import Path

import openpyxl
import pytest

from imports.engine import Importer
from imports.results import RowResult, Summary
from portfolio.models import (
    BudgetAdjustment,
    BudgetLine,
    Execution,
    Firm,
    IndicatorReading,
    Milestone,
    YearEndClose,
)
from tests.factories import IndicatorFactory, ProgramFactory, SourceFactory

TABLES = (BudgetLine, BudgetAdjustment, Execution, YearEndClose, Milestone, IndicatorReading, Firm)


@pytest.fixture(autouse=True)
def _korean():
    from django.utils import translation

    with translation.override("ko"):
        yield


@pytest.fixture
def programs(db):
    """Two programs, an indicator and a source to import against."""
    return {
        "ax": ProgramFactory(code="AX-VALLEY", name_ko="AX 실증밸리"),
        "p1": ProgramFactory(code="GJ-AI-P1", name_ko="AI 1단계"),
        "kpi": IndicatorFactory(code="P1-FIRMS", program=ProgramFactory(code="KPI-HOME")),
        "source": SourceFactory(key="S1"),
    }


def write_xlsx(path: Path, rows: list[list], *, sheet_title: str = "Sheet1") -> Path:
    """A workbook as Excel saves it; strings that start with = become formulas, as typed."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run(kind: str, path: Path, *, dry_run: bool = False, user=None) -> tuple[Summary, list[RowResult]]:
    results: list[RowResult] = []
    summary = Importer(kind, user=user, reason="test", on_row=results.append).run(path, dry_run=dry_run)
    return summary, results


def snapshot() -> dict:
    """Every row and every history row of the importable tables."""
    state = {}
    for model in TABLES:
        state[model.__name__] = list(model.objects.order_by("pk").values())
        state[f"{model.__name__} history"] = model.history.count()
    return state


def errors_of(results: list[RowResult]) -> list[str]:
    return [message for result in results for message in result.errors]


BUDGET_HEADER = ["사업코드", "회계연도", "재원", "예산 단계", "금액(원)", "비고"]
EXECUTION_HEADER = ["사업코드", "집행일", "재원", "금액(원)", "내용", "문서 번호"]
DAY = datetime.date(2026, 1, 31)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(request, settings, tmp_path):
    """Uploaded files go to a temporary folder, or, where a worker process must find them, to
    the session's media folder that the worker was started with (those tests delete their own
    files)."""
    if "celery_worker" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("media_root")
    else:
        settings.MEDIA_ROOT = tmp_path / "media"


SHEET_XML = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def xlsx_with_one_cell(path: Path, *, text_bytes: int) -> Path:
    """A valid workbook whose only cell is an inline string of `text_bytes` letters, written
    streamed so that this test never holds it: 1 GB packs to a few MB."""
    template = write_xlsx(path.with_name(f"template-{path.name}"), [["x"]])
    block = b"A" * (1 << 20)
    # Level 1 packs repeated letters almost as tight as the default, in half the time.
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for entry in source.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                target.writestr(entry, source.read(entry))
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_XML + b'<row r="1"><c r="A1" t="inlineStr"><is><t>')
            for _ in range(text_bytes // len(block)):
                sheet.write(block)
            sheet.write(b"A" * (text_bytes % len(block)))
            sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    template.unlink()
    return path
