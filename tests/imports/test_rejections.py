"""Strict where it matters: each refused input gets its own Korean message naming the column
and the rule, and leaves every importable table (and its history) exactly as it was."""

import zipfile

import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from tests.factories import BudgetLineFactory
from tests.imports.conftest import BUDGET_HEADER, errors_of, run, snapshot, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


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
        "금액(원): ‘미정’은(는) 원 단위 금액이 아닙니다. 숫자로 적어 주세요.",
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
        "금액(원): ‘abc’은(는) 원 단위 금액이 아닙니다. 숫자로 적어 주세요.",
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
