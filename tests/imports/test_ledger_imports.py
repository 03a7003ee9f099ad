"""The ledger through `import_data`: budget lines with numbered 추경, budget adjustments,
executions with their kind and fiscal year, and year-end closes applied as the admin's action
applies them; the issue's worked example read back from the ledger selector."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imports.resources import RESOURCES
from imports.workbook import ImportReadyXLSX, template_workbook
from portfolio.models import (
    AdjustmentKind,
    BudgetAdjustment,
    BudgetLine,
    Execution,
    ExecutionKind,
    YearEndClose,
)
from portfolio.selectors import ledger
from tests.factories import ProgramFactory
from tests.imports.conftest import run, write_csv, write_xlsx

pytestmark = pytest.mark.django_db
EOK = 100_000_000  # 억원

BUDGET = [
    ["사업코드", "회계연도", "재원", "단계", "금액(원)"],
    ["P", 2026, "국비", "본예산", 80 * EOK],
    ["P", 2026, "국비", "추경", 95 * EOK],
    ["P", 2026, "국비", "2차 추경", 90 * EOK],
]
ADJUSTMENTS = [
    ["사업코드", "회계연도", "재원", "구분", "금액(원)", "일자", "근거", "출처", "비고"],
    ["P", 2026, "국비", "예비비", "200,000,000", "2026-05-01", "예비비 사용 승인 제12호", "", ""],
    ["P", 2026, "국비", "전용", "-100,000,000", "2026-06-01", "전용 승인 제3호", "", "사업비 → 운영비"],
    ["P", 2026, "국비", "사고이월", 5 * EOK, "2026-01-01", "2025 결산 (시스템 이전)", "", ""],
]
EXECUTIONS = [
    ["사업코드", "집행일", "재원", "구분", "회계연도", "금액(원)", "내용", "문서 번호"],
    ["P", "2026-03-02", "국비", "원인행위", "", 70 * EOK, "위탁 협약", "C-1"],
    ["P", "2026-04-01", "국비", "", "", 61 * EOK, "1~3차 지급", "E-1"],
    ["P", "2027-02-05", "국비", "반납", 2026, EOK // 2, "정산 반납 (출납정리기한)", "R-1"],
]
CLOSE_HEADER = ["사업코드", "회계연도", "재원", "명시이월", "사고이월", "계속비이월"]


def manage(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def state() -> dict:
    """Every row of the ledger's tables, to show a refused import changed nothing."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (BudgetLine, BudgetAdjustment, Execution, YearEndClose)
    }


def cell_of(year: int):
    program_id = BudgetLine.objects.values_list("program_id", flat=True).first()
    book = ledger(root="P", fiscal_year=year)
    return book.year(year, book.program_cells(program_id))


@pytest.fixture
def worked_example(tmp_path):
    """Program P, 2026, 국비, imported as the office would: four files through import_data."""
    ProgramFactory(code="P", name_ko="사업 P")
    manage("import_data", "budget-lines", str(write_xlsx(tmp_path / "budget.xlsx", BUDGET)))
    manage("import_data", "budget-adjustments", str(write_xlsx(tmp_path / "adjustments.xlsx", ADJUSTMENTS)))
    manage("import_data", "executions", str(write_xlsx(tmp_path / "executions.xlsx", EXECUTIONS)))
    return tmp_path


def test_the_worked_example_imported_gives_the_official_figures(worked_example):
    cell = cell_of(2026)
    assert (cell.original, cell.supplementary, cell.supplementary_round) == (80 * EOK, 90 * EOK, 2)
    assert (cell.reserve, cell.transfers, cell.carried_in_accident) == (2 * EOK, -EOK, 5 * EOK)
    assert cell.available == 96 * EOK
    assert (cell.committed, cell.paid) == (70 * EOK, 6_050_000_000)
    assert cell.execution_rate == Decimal("63.0")
    assert cell.commitment_rate == Decimal("72.9")
    refund = Execution.objects.get(reference="R-1")
    assert (refund.kind, refund.fiscal_year) == (ExecutionKind.REFUND, 2026)
    assert Execution.objects.get(reference="E-1").kind == ExecutionKind.PAYMENT


def test_re_importing_the_same_files_changes_nothing(worked_example):
    before = state()
    for kind, name in [
        ("budget-lines", "budget"),
        ("budget-adjustments", "adjustments"),
        ("executions", "executions"),
    ]:
        out = manage("import_data", kind, str(worked_example / f"{name}.xlsx"))
        assert "새로 추가 0, 변경 0" in out, out
    assert state() == before


def test_a_close_imported_writes_the_close_and_the_next_years_carry_ins(worked_example):
    path = write_xlsx(
        worked_example / "close.xlsx", [CLOSE_HEADER, ["P", 2026, "국비", 20 * EOK, 6 * EOK, ""]]
    )
    preview = manage("import_data", "year-end-closes", str(path), "--dry-run")
    assert "불용액:  → 9억 5,000만원" in preview, preview
    _, results = run("year-end-closes", path, dry_run=True)
    assert results[0].changes == [
        ("예산현액", "", "96억원"),
        ("지출액", "", "60억 5,000만원"),
        ("불용액", "", "9억 5,000만원"),
    ]
    assert not YearEndClose.objects.exists()
    manage("import_data", "year-end-closes", str(path))
    close = YearEndClose.objects.get()
    assert (close.carried_out_explicit, close.carried_out_accident) == (20 * EOK, 6 * EOK)
    assert cell_of(2026).unused == 95 * EOK // 10
    carry_ins = dict(
        BudgetAdjustment.objects.filter(fiscal_year=2027, made_by_close=close).values_list("kind", "amount")
    )
    assert carry_ins == {AdjustmentKind.CARRIED_EXPLICIT: 20 * EOK, AdjustmentKind.CARRIED_ACCIDENT: 6 * EOK}
    assert cell_of(2027).available == 26 * EOK


def test_the_same_close_imported_again_is_unchanged_and_other_amounts_are_refused(worked_example):
    same = write_csv(worked_example / "close.csv", [CLOSE_HEADER, ["P", 2026, "국비", 20 * EOK, 6 * EOK, 0]])
    manage("import_data", "year-end-closes", str(same))
    before = state()
    assert "새로 추가 0, 변경 0, 변경 없음 1, 오류 0" in manage("import_data", "year-end-closes", str(same))
    other = write_csv(worked_example / "other.csv", [CLOSE_HEADER, ["P", 2026, "국비", 19 * EOK, 6 * EOK, 0]])
    with pytest.raises(CommandError):
        manage("import_data", "year-end-closes", str(other))
    _, results = run("year-end-closes", other, dry_run=True)
    assert "이미 마감" in results[0].errors[0] and "다시 여세요" in results[0].errors[0], results[0].errors
    assert state() == before


@pytest.mark.parametrize(
    ("carry_overs", "words"),
    [
        ((0, 10 * EOK), ["사고이월: ", "10억원", "원인행위액 − 지출액 = 9억 5,000만원"]),
        ((39 * EOK, 0), ["불용액", "-3억 5,000만원"]),
    ],
)
def test_a_close_that_breaks_a_rule_is_refused_through_the_import_and_writes_nothing(
    worked_example, carry_overs, words
):
    explicit, accident = carry_overs
    path = write_csv(
        worked_example / "close.csv", [CLOSE_HEADER, ["P", 2026, "국비", explicit, accident, ""]]
    )
    before = state()
    with pytest.raises(CommandError):
        manage("import_data", "year-end-closes", str(path))
    summary, results = run("year-end-closes", path, dry_run=True)
    assert summary.counts["error"] == 1
    message = " ".join(results[0].errors)
    for word in words:
        assert word in message, message
    assert state() == before


def test_the_next_years_close_takes_the_carry_ins_and_refuses_a_second_accident_carry_over(worked_example):
    manage(
        "import_data",
        "year-end-closes",
        str(write_csv(worked_example / "c26.csv", [CLOSE_HEADER, ["P", 2026, "국비", 20 * EOK, 6 * EOK, 0]])),
    )
    rows = [
        EXECUTIONS[0],
        ["P", "2027-03-02", "국비", "원인행위", "", 26 * EOK, "2차 협약", "C-2"],
        ["P", "2027-04-01", "국비", "지출", "", 4 * EOK, "지급", "E-2"],
    ]
    manage("import_data", "executions", str(write_csv(worked_example / "e27.csv", rows)))
    too_much = write_csv(worked_example / "c27.csv", [CLOSE_HEADER, ["P", 2027, "국비", 0, 21 * EOK, 0]])
    before = state()
    _, results = run("year-end-closes", too_much, dry_run=True)
    assert "재이월 금지" in " ".join(results[0].errors), results[0].errors
    with pytest.raises(CommandError):
        manage("import_data", "year-end-closes", str(too_much))
    assert state() == before
    enough = write_csv(worked_example / "c27b.csv", [CLOSE_HEADER, ["P", 2027, "국비", 0, 20 * EOK, 0]])
    manage("import_data", "year-end-closes", str(enough))
    assert cell_of(2027).unused == 2 * EOK


def test_a_file_may_not_close_a_year_and_the_year_after_it(worked_example):
    rows = [CLOSE_HEADER, ["P", 2026, "국비", 20 * EOK, 6 * EOK, 0], ["P", 2027, "국비", 0, 0, 0]]
    summary, results = run("year-end-closes", write_csv(worked_example / "two.csv", rows))
    assert summary.counts["error"] == 1
    assert "2026년도 마감을 먼저 가져온 다음" in " ".join(results[1].errors), results[1].errors
    assert not YearEndClose.objects.exists()


def test_a_closed_years_adjustments_and_executions_are_refused_by_import_until_reopened(worked_example):
    manage(
        "import_data",
        "year-end-closes",
        str(write_csv(worked_example / "c.csv", [CLOSE_HEADER, ["P", 2026, "국비", 20 * EOK, 6 * EOK, 0]])),
    )
    before = state()
    rows = [ADJUSTMENTS[0], ["P", 2026, "국비", "예비비", EOK, "2026-12-01", "추가 승인", "", ""]]
    _, results = run("budget-adjustments", write_csv(worked_example / "a.csv", rows))
    assert "2026" in " ".join(results[0].errors) and "국비" in " ".join(results[0].errors), results[0].errors
    assert state() == before


def test_a_carry_in_made_by_a_close_cannot_be_changed_by_import(worked_example):
    manage(
        "import_data",
        "year-end-closes",
        str(write_csv(worked_example / "c.csv", [CLOSE_HEADER, ["P", 2026, "국비", 20 * EOK, 6 * EOK, 0]])),
    )
    carry_in = BudgetAdjustment.objects.get(fiscal_year=2027, kind=AdjustmentKind.CARRIED_EXPLICIT)
    before = state()
    rows = [
        ADJUSTMENTS[0],
        ["P", 2027, "국비", "명시이월", 30 * EOK, carry_in.adjusted_on.isoformat(), carry_in.basis, "", ""],
    ]
    _, results = run("budget-adjustments", write_csv(worked_example / "a.csv", rows))
    assert "2026" in " ".join(results[0].errors) and "다시 여세요" in " ".join(results[0].errors), results[
        0
    ].errors
    assert state() == before


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (["P", 2026, "국비", "예비비", -EOK, "2026-05-01", "x", "", ""], "이용, 전용"),
        (["P", 2026, "국비", "이용", 0, "2026-05-01", "x", "", ""], "금액"),
        (["P", 2026, "국비", "보조금", EOK, "2026-05-01", "x", "", ""], "구분"),
    ],
)
def test_an_adjustment_with_a_wrong_sign_or_kind_is_refused(tmp_path, cell, message):
    ProgramFactory(code="P")
    summary, results = run("budget-adjustments", write_csv(tmp_path / "a.csv", [ADJUSTMENTS[0], cell]))
    assert summary.counts["error"] == 1
    assert message in " ".join(results[0].errors), results[0].errors
    assert not BudgetAdjustment.objects.exists()


def test_a_return_larger_than_the_files_and_the_stored_payments_is_refused(tmp_path):
    ProgramFactory(code="P")
    rows = [
        EXECUTIONS[0],
        ["P", "2026-04-01", "국비", "지출", "", EOK, "", "E-1"],
        ["P", "2026-05-01", "국비", "반납", "", 2 * EOK, "", "R-1"],
    ]
    summary, results = run("executions", write_csv(tmp_path / "e.csv", rows))
    assert summary.counts["error"] == 1
    assert "지출액" in " ".join(results[1].errors), results[1].errors
    assert not Execution.objects.exists()


def test_a_payment_after_the_closing_period_is_refused_for_the_year_before(tmp_path):
    ProgramFactory(code="P")
    rows = [EXECUTIONS[0], ["P", "2027-02-11", "국비", "지출", 2026, EOK, "", "E-1"]]
    summary, results = run("executions", write_csv(tmp_path / "e.csv", rows))
    assert summary.counts["error"] == 1
    assert "회계연도" in " ".join(results[0].errors), results[0].errors


@pytest.mark.parametrize(
    ("cell", "stage"),
    [
        ("추경", 3),
        ("1차 추경", 3),
        ("2차추경", 4),
        ("3차 추경", 5),
        ("제3회 추경", 5),
        ("본예산", 2),
        ("계획", 1),
        (5, 5),
    ],
)
def test_it_reads_numbered_supplementary_budgets(cell, stage):
    assert RESOURCES["budget-lines"]().fields["stage"].widget.clean(cell) == stage


def test_the_stage_is_exported_by_its_korean_name(tmp_path):
    widget = RESOURCES["budget-lines"]().fields["stage"].widget
    assert [widget.render(stage) for stage in (1, 2, 3, 4)] == ["계획", "본예산", "1차 추경", "2차 추경"]


def test_a_signed_amount_reads_minus_signs_as_korean_documents_write_them():
    widget = RESOURCES["budget-adjustments"]().fields["amount"].widget
    assert [widget.clean(v) for v in ("-1,000", "△1,000", "▲ 1,000원", -5, "2,000")] == [
        -1000,
        -1000,
        -1000,
        -5,
        2000,
    ]


@pytest.mark.parametrize("kind", ["budget-adjustments", "year-end-closes"])
def test_the_new_kinds_have_a_template_with_korean_headers_that_imports_nothing(tmp_path, kind):
    resource = RESOURCES[kind]()
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(resource)))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == {"budget-adjustments": ADJUSTMENTS[0], "year-end-closes": CLOSE_HEADER}[kind]
    dropdowns = {str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert dropdowns["C"] == '"국비,시비,도비,민자,기타"'
    if kind == "budget-adjustments":
        assert dropdowns["D"] == '"명시이월,사고이월,계속비이월,예비비,이용,전용,이체,수입대체경비"'
        assert sheet["E3"].value == -100_000_000
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_workbook(resource))
    summary, _ = run(kind, path)
    assert (summary.counts["error"], summary.written) == (2, False)


def test_exported_adjustments_executions_and_closes_import_back_without_a_change(worked_example):
    manage(
        "import_data",
        "year-end-closes",
        str(write_csv(worked_example / "c.csv", [CLOSE_HEADER, ["P", 2026, "국비", 20 * EOK, 6 * EOK, 0]])),
    )
    before = state()
    for kind in ("budget-lines", "budget-adjustments", "executions", "year-end-closes"):
        resource_class = RESOURCES[kind]
        dataset = resource_class().export(resource_class._meta.model.objects.all())
        path = worked_example / f"export-{kind}.xlsx"
        path.write_bytes(ImportReadyXLSX.for_resource(resource_class)().export_data(dataset))
        summary, results = run(kind, path)
        counts = (summary.counts["new"], summary.counts["changed"], summary.counts["error"])
        assert counts == (0, 0, 0), [(r.key, r.errors, r.changes) for r in results]
        assert summary.counts["unchanged"] == resource_class._meta.model.objects.count() > 0
    sheet = openpyxl.load_workbook(worked_example / "export-executions.xlsx").worksheets[0]
    assert [cell.value for cell in sheet[1]][3:5] == ["구분", "회계연도"]
    assert {row[3].value for row in sheet.iter_rows(min_row=2)} == {"원인행위", "지출", "반납"}
    assert state() == before
