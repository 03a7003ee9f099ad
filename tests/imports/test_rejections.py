"""Strict where it matters: each refused input gets its own Korean message naming the column
and the rule, and leaves every importable table (and its history) exactly as it was."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from msoffcrypto.format.ooxml import OOXMLFile

from portfolio.amounts import ACCEPTED_FORMS
from tests.factories import BudgetLineFactory
from tests.imports.conftest import (
    BUDGET_HEADER,
    errors_of,
    run,
    snapshot,
    write_csv,
    write_xlsx,
    xlsx_with_one_cell,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stored(programs):
    """A stored line the refused files also try to change."""
    return BudgetLineFactory(
        program=programs["ax"], fiscal_year=2026, funding_source="national", stage=2, amount=100
    )


def good_row() -> list:
    return ["AX-VALLEY", 2026, "국비", "본예산", 999]  # changes the stored line's amount


def assert_refused(tmp_path, rows, message, *, kind="budget-lines", writer=write_xlsx, name="in.xlsx"):
    before = snapshot()
    summary, results = run(kind, writer(tmp_path / name, rows))
    assert summary.failed
    assert not summary.written
    assert message in ([summary.file_error] if summary.file_error else errors_of(results))
    assert snapshot() == before
    return summary, results


def test_it_rejects_unknown_program_codes(tmp_path, stored):
    _, results = assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["NOPE", 2026, "시비", "본예산", 5]],
        "사업코드: 사업코드 ‘NOPE’인 사업이 없습니다.",
    )
    assert results[-1].key == "NOPE · 2026 · 시비 · 본예산"  # the preview still says which row it was


def test_it_rejects_negative_amounts(tmp_path, stored):
    assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["AX-VALLEY", 2026, "시비", "본예산", -5]],
        "금액(원): 금액은 음수일 수 없습니다: -5.",
    )


def test_it_rejects_non_numeric_amounts(tmp_path, stored):
    assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["AX-VALLEY", 2026, "시비", "본예산", "미정"]],
        f"금액(원): 금액으로 읽을 수 없는 값입니다: ‘미정’. {ACCEPTED_FORMS} 같은 형태로 적어 주세요.",
    )


def test_it_rejects_duplicate_keys_inside_the_file(tmp_path, stored):
    _summary, results = assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["AX-VALLEY", "2026", "national", "2", "1,000"]],
        "키 중복: 2행에 이미 ‘AX-VALLEY · 2026 · 국비 · 본예산’이(가) 있습니다. "
        "한 파일에 같은 예산을(를) 두 번 적을 수 없습니다.",
    )
    assert [result.outcome for result in results] == ["changed", "error"]


def test_it_rejects_a_file_missing_required_columns(tmp_path, stored):
    assert_refused(
        tmp_path,
        [["사업코드", "회계연도", "재원"], ["AX-VALLEY", 2026, "국비"]],
        "필수 열이 없습니다: 예산 단계, 금액(원). 서식 파일처럼 첫 행에 열 이름이 있어야 합니다.",
    )


def test_it_rejects_formulas_and_says_the_computed_value_is_not_trusted(tmp_path, stored):
    assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["AX-VALLEY", 2026, "시비", "본예산", "=600*1000000"]],
        "금액(원): 수식(=600*1000000)이 들어 있습니다. 수식으로 계산된 값은 믿을 수 없으므로 받지 않습니다. "
        "숫자를 직접 입력하거나 ‘선택하여 붙여넣기 → 값’으로 붙여 넣어 주세요.",
    )


def test_it_rejects_formula_looking_cells_in_csv_files(tmp_path, stored):
    assert_refused(
        tmp_path,
        [BUDGET_HEADER, [*good_row(), '=HYPERLINK("http://x")']],
        '비고: 수식(=HYPERLINK("http://x"))이 들어 있습니다. '
        "수식으로 계산된 값은 믿을 수 없으므로 받지 않습니다. "
        "숫자를 직접 입력하거나 ‘선택하여 붙여넣기 → 값’으로 붙여 넣어 주세요.",
        writer=write_csv,
        name="in.csv",
    )


def test_it_rejects_a_corrupt_workbook(tmp_path, stored):
    path = write_xlsx(tmp_path / "whole.xlsx", [BUDGET_HEADER[:5], good_row()])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # cut off in the middle
    before = snapshot()
    summary, _ = run("budget-lines", broken)
    assert summary.file_error == "파일이 손상되었거나 Excel 통합 문서(.xlsx)가 아닙니다."
    assert snapshot() == before


def test_it_rejects_a_workbook_whose_sheet_is_garbage(tmp_path, stored):
    path = tmp_path / "garbage.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", "<not xml")
    before = snapshot()
    summary, _ = run("budget-lines", path)
    assert summary.file_error == "파일이 손상되었거나 Excel 통합 문서(.xlsx)가 아닙니다."
    assert snapshot() == before


def test_it_rejects_a_password_protected_workbook(tmp_path, stored):
    plain = write_xlsx(tmp_path / "plain.xlsx", [BUDGET_HEADER[:5], good_row()])
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as source, locked.open("wb") as target:
        OOXMLFile(source).encrypt("gwangju", target)
    before = snapshot()
    summary, _ = run("budget-lines", locked)
    assert summary.file_error.startswith("암호로 보호된 파일입니다.")
    assert snapshot() == before


def test_it_rejects_files_over_the_configured_size(tmp_path, stored, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    rows = [BUDGET_HEADER, [*good_row(), "x" * 300]] + [
        ["AX-VALLEY", 2026, "시비", "계획", n, "x" * 300] for n in range(4000)
    ]
    path = write_csv(tmp_path / "big.csv", rows)
    assert path.stat().st_size > 1024 * 1024
    before = snapshot()
    summary, _ = run("budget-lines", path)
    assert summary.file_error.startswith("파일 크기가 1.")
    assert summary.file_error.endswith("MB입니다. 1 MB까지만 가져올 수 있습니다.")
    assert snapshot() == before


def test_it_rejects_a_csv_in_an_unknown_encoding(tmp_path, stored):
    path = tmp_path / "latin.csv"
    path.write_bytes(",".join(BUDGET_HEADER[:5]).encode("utf-8") + b"\nAX-VALLEY,2026,\xff\xfe,\xff,1\n")
    before = snapshot()
    summary, _ = run("budget-lines", path)
    assert (
        summary.file_error
        == "CSV 파일의 인코딩이 UTF-8도 CP949(EUC-KR)도 아닙니다. Excel에서 ‘CSV UTF-8’로 저장해 주세요."
    )
    assert snapshot() == before


def test_it_rejects_unknown_funding_sources_and_stages(tmp_path, stored):
    _summary, results = assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["AX-VALLEY", 2026, "복권기금", "21차 추경", 5]],
        "재원: ‘복권기금’은(는) 허용된 값이 아닙니다. "
        "다음 중 하나로 적어 주세요: 국비, 시비, 도비, 민자, 기타.",
    )
    assert (
        "예산 단계: ‘21차 추경’은(는) 허용된 값이 아닙니다. "
        "다음 중 하나로 적어 주세요: 계획, 본예산, 1차 추경, 2차 추경, …, 20차 추경."
    ) in errors_of(results)


def test_it_rejects_years_the_model_refuses_naming_the_column(tmp_path, stored):
    _summary, _results = assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["AX-VALLEY", 1999, "시비", "본예산", 5]],
        "회계연도: 연도는 2000년 이후여야 합니다.",
    )


def test_a_row_shows_every_error_at_once_unreadable_cells_and_rules_broken_by_the_others(tmp_path, stored):
    _summary, results = assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["AX-VALLEY", 1999, "lottery", "본예산", "abc"]],
        "회계연도: 연도는 2000년 이후여야 합니다.",
    )
    assert results[1].errors == [
        "회계연도: 연도는 2000년 이후여야 합니다.",
        "재원: ‘lottery’은(는) 허용된 값이 아닙니다. "
        "다음 중 하나로 적어 주세요: 국비, 시비, 도비, 민자, 기타.",
        f"금액(원): 금액으로 읽을 수 없는 값입니다: ‘abc’. {ACCEPTED_FORMS} 같은 형태로 적어 주세요.",
    ]


def test_an_unknown_program_code_comes_with_the_rules_the_rest_of_the_row_breaks(tmp_path, stored):
    _summary, results = assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["NOPE", 1999, "시비", "본예산", 5]],
        "회계연도: 연도는 2000년 이후여야 합니다.",
    )
    assert results[1].errors == [
        "사업코드: 사업코드 ‘NOPE’인 사업이 없습니다.",
        "회계연도: 연도는 2000년 이후여야 합니다.",
    ]


def test_it_rejects_empty_required_cells(tmp_path, stored):
    assert_refused(
        tmp_path,
        [BUDGET_HEADER[:5], good_row(), ["AX-VALLEY", 2026, "시비", "본예산", None]],
        "금액(원): 값이 비어 있습니다. 이 열은 반드시 입력해야 합니다.",
    )


def test_one_bad_row_among_ten_thousand_writes_nothing(tmp_path, programs, stored):
    rows = [["사업코드", "집행일", "재원", "금액(원)", "문서 번호"]]
    rows += [["AX-VALLEY", "2026-03-02", "시비", 1000 + n, f"V-{n:05d}"] for n in range(10_000)]
    rows[7_777][3] = "-1,000원"
    before = snapshot()
    summary, results = run("executions", write_csv(tmp_path / "ten-thousand.csv", rows))
    assert summary.counts == {"new": 9_999, "error": 1}
    assert [result.number for result in results if result.errors] == [7_778]
    assert not summary.written
    assert snapshot() == before


# --- files that would cost a worker its memory ------------------------------------------------------


# Runs manage.py and, on the way out, writes the process's own peak memory (VmHWM, in kB) to the
# file named first. Not ru_maxrss: Linux carries that across exec, so a child of a large pytest
# process would report its parent's peak.
LAUNCH = """
import atexit, pathlib, runpy, sys

def peak(path=sys.argv[1]):
    lines = pathlib.Path("/proc/self/status").read_text().splitlines()
    pathlib.Path(path).write_text(next(l for l in lines if l.startswith("VmHWM:")).split()[1])

atexit.register(peak)
sys.argv = ["manage.py", *sys.argv[2:]]
runpy.run_path("manage.py", run_name="__main__")
"""


def peak_memory_of_import(path: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, int]:
    """Run `import_data --dry-run` in its own process; its output and its peak memory in bytes."""
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}",
        "REDIS_URL": "",
        "DEBUG": "1",
    }
    peak = tmp_path / "peak-kb"
    command = [sys.executable, "-c", LAUNCH, str(peak), "import_data", "budget-lines", str(path), "--dry-run"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return done, int(peak.read_text()) * 1024


@pytest.mark.slow
def test_a_zip_bomb_is_refused_before_it_is_unpacked_and_the_import_stays_small(tmp_path, stored):
    bomb = xlsx_with_one_cell(tmp_path / "bomb.xlsx", text_bytes=1 << 30)  # one 1 GB cell
    assert bomb.stat().st_size < 20 * 1024 * 1024  # passes the upload limit
    message = (
        "통합 문서의 압축을 풀면 1,024 MB입니다. 압축을 풀어 200 MB 이하인 통합 문서만 가져올 수 "
        "있습니다(IMPORT_MAX_UNZIPPED_MB). 더 작은 파일로 나누어 주세요."
    )
    assert_refused(tmp_path, None, message, writer=lambda path, rows: bomb)

    done, peak = peak_memory_of_import(bomb, tmp_path)
    assert done.returncode == 1 and message in done.stderr, done.stderr
    print(f"zip bomb ({bomb.stat().st_size / 1e6:.1f} MB → 1 GB): refused, peak memory {peak / 1e6:.0f} MB")
    assert peak < 300 * 1024 * 1024


def test_a_workbook_packed_tighter_than_spreadsheets_pack_is_refused(tmp_path, stored, settings):
    settings.IMPORT_MAX_UNZIPPED_MB = 1_000  # the ratio, not the size, refuses it
    bomb = xlsx_with_one_cell(tmp_path / "tight.xlsx", text_bytes=20 << 20)
    with zipfile.ZipFile(bomb) as package:
        entries = package.infolist()
    times = sum(entry.file_size for entry in entries) // sum(entry.compress_size for entry in entries)
    assert times > 100
    assert_refused(
        tmp_path,
        None,
        f"통합 문서의 압축을 풀면 원래 크기의 {times:,}배가 됩니다. "
        "100배까지만 받습니다(IMPORT_MAX_ZIP_RATIO). "
        "스프레드시트는 그렇게 촘촘히 압축되지 않습니다: Excel에서 다시 저장해 주세요.",
        writer=lambda path, rows: bomb,
    )


def test_a_text_longer_than_a_cell_may_hold_is_refused_before_openpyxl_reads_it(tmp_path, stored):
    huge = xlsx_with_one_cell(
        tmp_path / "huge.xlsx", text_bytes=5 << 20
    )  # 5 MB in one cell, under every size limit
    assert_refused(
        tmp_path,
        None,
        "한 셀에 10,000자가 넘게 들어 있습니다. "
        "셀 하나에는 그보다 많이 넣을 수 없습니다(IMPORT_MAX_CELL_CHARS).",
        writer=lambda path, rows: huge,
    )


def test_a_cell_over_the_length_limit_is_refused_naming_its_row_and_column(tmp_path, stored):
    rows = [BUDGET_HEADER, [*good_row(), "가" * 10_001]]
    assert_refused(
        tmp_path,
        rows,
        "셀 F2(2행, F열)에 10,001자가 들어 있습니다. 셀 하나에는 10,000자까지만 넣을 수 있습니다"
        "(IMPORT_MAX_CELL_CHARS).",
    )


def test_a_csv_cell_over_the_length_limit_is_refused_naming_its_row_and_column(tmp_path, stored):
    rows = [BUDGET_HEADER, [*good_row(), "x" * 10_001]]
    assert_refused(
        tmp_path,
        rows,
        "셀 F2(2행, F열)에 10,001자가 들어 있습니다. 셀 하나에는 10,000자까지만 넣을 수 있습니다"
        "(IMPORT_MAX_CELL_CHARS).",
        writer=write_csv,
        name="in.csv",
    )


def test_a_csv_with_a_huge_field_is_refused_saying_the_cell_is_too_long(tmp_path, stored):
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(BUDGET_HEADER) + "\n")
        handle.write('AX-VALLEY,2026,국비,본예산,999,"' + "x" * 5_000_000 + '"\n')
    assert_refused(
        tmp_path,
        None,
        "2행 근처의 셀에 10,000자가 넘게 들어 있습니다. 셀 하나에는 그보다 많이 넣을 수 없습니다"
        "(IMPORT_MAX_CELL_CHARS).",
        writer=lambda _path, rows: path,
    )


def test_a_workbook_with_more_distinct_texts_than_its_rows_could_need_is_refused(tmp_path, stored, settings):
    settings.IMPORT_MAX_ROWS = 10
    path = tmp_path / "texts.xlsx"
    book = xlsxwriter.Workbook(str(path))  # keeps texts in the shared-strings part, as Excel does
    sheet = book.add_worksheet()
    for n in range(9):
        sheet.write_row(n, 0, [f"a{n}", f"b{n}", f"c{n}", f"d{n}", f"e{n}"])  # 45 distinct texts
    book.close()
    assert_refused(
        tmp_path,
        None,
        "통합 문서에 서로 다른 텍스트가 45개 들어 있습니다. 최대 10행(IMPORT_MAX_ROWS)인 파일에는 "
        "40개까지만 필요합니다. Excel에서 다시 저장하거나 파일을 나누어 주세요.",
        writer=lambda _path, rows: path,
    )
