"""Importing for real: rows are matched by natural key so a re-import updates instead of
duplicating, forgiving formats land as the right values, and every change is in the history
under the importing user."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File

from imports.models import ImportRun
from imports.services import apply_preview, start_import
from portfolio.models import BudgetLine, Execution, Firm, IndicatorReading, Milestone
from portfolio.services import set_budget_line
from tests.factories import BudgetLineFactory, ExecutionFactory, MilestoneFactory
from tests.imports.conftest import (
    BUDGET_HEADER,
    EXECUTION_HEADER,
    errors_of,
    run,
    snapshot,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def outcomes(results) -> list[str]:
    return [str(result.outcome) for result in results]


def test_it_adds_budget_lines_then_updates_them_on_reimport(tmp_path, programs, office_staff):
    rows = [BUDGET_HEADER, ["AX-VALLEY", 2026, "국비", "본예산", "120,000,000,000원", "국비 1차"],
            ["AX-VALLEY", 2026, "시비", "본예산", 30_000_000_000, ""]]  # fmt: skip
    summary, results = run("budget-lines", write_xlsx(tmp_path / "a.xlsx", rows), user=office_staff)
    assert summary.written and outcomes(results) == ["new", "new"]
    line = BudgetLine.objects.get(funding_source="national")
    assert (line.program.code, line.fiscal_year, line.stage, line.amount, line.note) == (
        "AX-VALLEY",
        2026,
        2,
        120_000_000_000,
        "국비 1차",
    )

    summary, results = run("budget-lines", write_xlsx(tmp_path / "b.xlsx", rows), user=office_staff)
    assert outcomes(results) == ["unchanged", "unchanged"]
    assert BudgetLine.objects.count() == 2
    assert line.history.count() == 1  # an unchanged row writes no history

    rows[1][4] = "125,000,000,000"
    summary, results = run("budget-lines", write_xlsx(tmp_path / "c.xlsx", rows), user=office_staff)
    assert outcomes(results) == ["changed", "unchanged"]
    assert results[0].changes == [("금액(원)", "120,000,000,000", "125,000,000,000")]
    line.refresh_from_db()
    assert line.amount == 125_000_000_000
    assert BudgetLine.objects.count() == 2


def test_every_imported_change_is_in_the_history_under_the_importing_user(tmp_path, programs, office_staff):
    rows = [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 100]]
    run("budget-lines", write_xlsx(tmp_path / "a.xlsx", rows), user=office_staff)
    rows[1][4] = 200
    run("budget-lines", write_xlsx(tmp_path / "b.xlsx", rows), user=office_staff)
    line = BudgetLine.objects.get()
    history = list(
        line.history.order_by("history_date").values_list("history_type", "amount", "history_user")
    )
    assert history == [("+", 100, office_staff.pk), ("~", 200, office_staff.pk)]
    latest = line.history.latest()
    assert [(c.field, c.old, c.new) for c in latest.diff_against(latest.prev_record).changes] == [
        ("amount", 100, 200)
    ]
    assert latest.history_change_reason == "test"


def test_a_dry_run_writes_nothing_but_says_what_would_happen(tmp_path, programs):
    before = snapshot()
    rows = [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 100]]
    summary, results = run("budget-lines", write_xlsx(tmp_path / "a.xlsx", rows), dry_run=True)
    assert outcomes(results) == ["new"] and not summary.written
    assert snapshot() == before


def test_it_reads_a_cp949_csv_as_korean_excel_saves_it(tmp_path, programs):
    rows = [BUDGET_HEADER, ["AX-VALLEY", "2026", "시비", "추경", "1,500,000원", "추가경정예산 반영"]]
    path = write_csv(tmp_path / "cp949.csv", rows, encoding="cp949")
    assert "시비".encode("cp949") in path.read_bytes()
    summary, results = run("budget-lines", path)
    assert summary.written, errors_of(results)
    line = BudgetLine.objects.get()
    assert (line.funding_source, line.stage, line.amount, line.note) == (
        "city",
        3,
        1_500_000,
        "추가경정예산 반영",
    )


def test_it_reads_english_headers_and_codes_in_any_column_order(tmp_path, programs):
    rows = [["Amount (won)", "Stage", "Funding source", "Fiscal year", "Program code"],
            ["2,000", "supplementary", "national", "2027", "GJ-AI-P1"]]  # fmt: skip
    summary, results = run("budget-lines", write_csv(tmp_path / "en.csv", rows))
    assert summary.written, errors_of(results)
    assert BudgetLine.objects.values_list(
        "program__code", "fiscal_year", "funding_source", "stage", "amount"
    ).get() == ("GJ-AI-P1", 2027, "national", 3, 2000)


def test_it_skips_a_title_above_the_header_and_reports_unknown_columns(tmp_path, programs):
    rows = [["2026년 AX 실증밸리 예산 (단위: 원)"], [*BUDGET_HEADER[:5], "담당자"],
            ["AX-VALLEY", 2026, "국비", "본예산", 100, "김주무관"]]  # fmt: skip
    summary, results = run("budget-lines", write_xlsx(tmp_path / "a.xlsx", rows))
    assert summary.written and results[0].number == 3
    assert summary.ignored_columns == ["담당자"]


def test_it_reads_every_date_format_in_one_file(tmp_path, programs):
    dates = [datetime.datetime(2026, 1, 31), "2026-02-28", "2026.03.31", "2026/4/30", "2026. 5. 31.", 46203]
    rows = [EXECUTION_HEADER] + [["AX-VALLEY", day, "시비", 10, "", f"V-{n}"] for n, day in enumerate(dates)]
    summary, results = run("executions", write_xlsx(tmp_path / "dates.xlsx", rows))
    assert summary.written, errors_of(results)
    assert sorted(Execution.objects.values_list("executed_on", flat=True)) == [
        datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), datetime.date(2026, 3, 31),
        datetime.date(2026, 4, 30), datetime.date(2026, 5, 31), datetime.date(2026, 6, 30),
    ]  # fmt: skip


def test_executions_with_a_reference_are_updated_by_it(tmp_path, programs):
    rows = [EXECUTION_HEADER, ["AX-VALLEY", "2026-03-02", "시비", 1000, "용역 착수금", "지출-001"]]
    run("executions", write_xlsx(tmp_path / "a.xlsx", rows))
    rows[1][3], rows[1][1] = 1500, "2026-03-05"
    _summary, results = run("executions", write_xlsx(tmp_path / "b.xlsx", rows))
    assert outcomes(results) == ["changed"]
    execution = Execution.objects.get()
    assert (execution.amount, execution.executed_on) == (1500, datetime.date(2026, 3, 5))


def test_executions_without_a_reference_are_matched_by_all_their_values(tmp_path, programs):
    stored = ExecutionFactory(
        program=programs["ax"], executed_on=datetime.date(2026, 3, 2), funding_source="city", amount=1000,
        description="회의비",
    )  # fmt: skip
    rows = [EXECUTION_HEADER[:5], ["AX-VALLEY", "2026-03-02", "시비", 1000, "회의비"]]
    _, results = run("executions", write_xlsx(tmp_path / "same.xlsx", rows))
    assert outcomes(results) == ["unchanged"]
    rows[1][3] = 1200  # a different amount is a different execution without a reference to say otherwise
    _summary, results = run("executions", write_xlsx(tmp_path / "other.xlsx", rows))
    assert outcomes(results) == ["new"]
    assert sorted(Execution.objects.values_list("amount", flat=True)) == [1000, 1200]
    stored.refresh_from_db()
    assert stored.amount == 1000


def test_identical_unreferenced_executions_in_one_file_are_refused(tmp_path, programs):
    rows = [EXECUTION_HEADER[:5]] + [["AX-VALLEY", "2026-03-02", "시비", 1000, "회의비"]] * 2
    _summary, results = run("executions", write_xlsx(tmp_path / "twice.xlsx", rows))
    assert outcomes(results) == ["new", "error"]
    assert errors_of(results)[0].startswith("키 중복: 2행에 이미")
    assert Execution.objects.count() == 0


def test_milestones_are_matched_by_program_and_title_and_keep_their_precision(tmp_path, programs):
    header = ["사업코드", "제목", "계획일", "날짜 정밀도", "상태", "실제일"]
    rows = [header, ["AX-VALLEY", "실증밸리 착공", "2026", "년", "", ""]]
    _, results = run("milestones", write_csv(tmp_path / "a.csv", rows))
    assert errors_of(results) == [
        "계획일: ‘2026’은(는) 날짜가 아닙니다. 2026-01-31, 2026.01.31, 2026/1/31처럼 적어 주세요."
    ]
    rows[1][2] = "2026-03-01"
    run("milestones", write_csv(tmp_path / "b.csv", rows))
    milestone = Milestone.objects.get()
    assert (milestone.planned_date, milestone.date_precision, milestone.status) == (
        datetime.date(2026, 12, 31),
        "year",
        "planned",
    )
    rows[1][4:6] = ["완료", "2026.11.20"]
    _summary, results = run("milestones", write_csv(tmp_path / "c.csv", rows))
    assert outcomes(results) == ["changed"]
    milestone.refresh_from_db()
    assert (milestone.status, milestone.actual_date) == ("done", datetime.date(2026, 12, 31))


def test_a_milestone_marked_done_without_its_actual_date_is_refused(tmp_path, programs):
    rows = [["사업코드", "제목", "계획일", "상태"], ["AX-VALLEY", "착공", "2026-03-01", "완료"]]
    _summary, results = run("milestones", write_csv(tmp_path / "a.csv", rows))
    assert errors_of(results) == ["실제일: 완료된 일정에는 실제일이 있어야 합니다."]
    assert Milestone.objects.count() == 0


def test_two_stored_milestones_with_one_title_are_not_guessed_between(tmp_path, programs):
    MilestoneFactory(program=programs["ax"], title_ko="착공")
    MilestoneFactory(program=programs["ax"], title_ko="착공")
    rows = [["사업코드", "제목", "계획일"], ["AX-VALLEY", "착공", "2026-03-01"]]
    before = snapshot()
    _summary, results = run("milestones", write_csv(tmp_path / "a.csv", rows))
    assert errors_of(results)[0].startswith("저장된 추진 일정 여러 건이 같은 키를 가지고 있어")
    assert snapshot() == before


def test_indicator_readings_are_matched_by_indicator_and_period(tmp_path, programs):
    rows = [["지표코드", "기준일", "값", "출처"], ["P1-FIRMS", "2025-10-24", "160", "S1"]]
    run("indicator-readings", write_csv(tmp_path / "a.csv", rows))
    rows[1][2] = "162.5"
    _summary, results = run("indicator-readings", write_csv(tmp_path / "b.csv", rows))
    assert outcomes(results) == ["changed"]
    reading = IndicatorReading.objects.get()
    assert (reading.indicator.code, reading.value, reading.source.key) == ("P1-FIRMS", Decimal("162.5"), "S1")


def test_firms_are_matched_by_program_and_name_and_keep_jobs_when_the_cell_is_empty(tmp_path, programs):
    rows = [["기업명", "사업코드", "유치일", "일자리"], ["(주)광주에이아이", "GJ-AI-P1", "2024.3.1", "25명"]]
    run("firms", write_csv(tmp_path / "a.csv", rows))
    rows[1][3] = ""
    _summary, results = run("firms", write_csv(tmp_path / "b.csv", rows))
    assert outcomes(results) == ["unchanged"]
    assert Firm.objects.values_list("name", "jobs").get() == ("(주)광주에이아이", 25)


def test_an_unknown_source_key_is_refused(tmp_path, programs):
    rows = [["지표코드", "기준일", "값", "출처"], ["P1-FIRMS", "2025-10-24", "160", "S9"]]
    _summary, results = run("indicator-readings", write_csv(tmp_path / "a.csv", rows))
    assert errors_of(results) == ["출처: 키가 ‘S9’인 출처가 없습니다."]


# --- a preview applies only over the data it was shown ----------------------------------------------


def preview_then_apply(path: Path, *, user, between) -> tuple[ImportRun, ImportRun]:
    """Preview the file, run `between` (someone else's change), then apply the preview."""
    with path.open("rb") as handle:
        preview = start_import(
            kind="budget-lines", file=File(handle, name=path.name), name=path.name, user=user
        )
    assert preview.status == "previewed", preview.file_error
    between()
    return preview, apply_preview(preview=preview, user=user)


def test_an_apply_refuses_rows_changed_after_the_preview_and_writes_nothing(tmp_path, programs, office_staff):
    line = BudgetLineFactory(
        program=programs["ax"], fiscal_year=2026, funding_source="national", stage=2, amount=1_000
    )
    rows = [
        BUDGET_HEADER[:5],
        ["AX-VALLEY", 2026, "국비", "본예산", 2_000],
        ["AX-VALLEY", 2026, "시비", "본예산", 5],
    ]

    def someone_else_sets_7000():
        set_budget_line(
            program=programs["ax"], fiscal_year=2026, funding_source="national", stage=2, amount=7_000
        )

    before_history = BudgetLine.history.count()
    preview, applied = preview_then_apply(
        write_xlsx(tmp_path / "a.xlsx", rows), user=office_staff, between=someone_else_sets_7000
    )
    assert preview.rows["changed"][0]["changes"] == [["금액(원)", "1,000", "2,000"]]  # what was approved
    assert applied.status == "rejected"
    assert applied.file_error.startswith(
        "미리보기 뒤에 바뀐 행이 1개 있어 아무것도 저장하지 않았습니다: "
        "2행 (AX-VALLEY · 2026 · 국비 · 본예산) (금액(원) 1,000 → 7,000, "
    )
    assert applied.file_error.endswith("파일을 다시 올려 새로 미리보기를 받아 주세요.")
    (error,) = applied.rows["error"]
    assert error["row"] == 2 and error["errors"][0].startswith(
        "미리보기 뒤에 이 행이 바뀌었습니다 (금액(원) 1,000 → 7,000"
    )
    line.refresh_from_db()
    assert line.amount == 7_000  # the other user's value stands
    assert BudgetLine.objects.count() == 1  # and the new line of the same file was not written either
    assert BudgetLine.history.count() == before_history + 1  # only the other user's change


def test_an_apply_refuses_a_row_someone_added_after_the_preview(tmp_path, programs, office_staff):
    rows = [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 2_000]]

    def someone_else_adds_it():
        set_budget_line(
            program=programs["ax"], fiscal_year=2026, funding_source="national", stage=2, amount=9
        )

    _, applied = preview_then_apply(
        write_xlsx(tmp_path / "a.xlsx", rows), user=office_staff, between=someone_else_adds_it
    )
    assert applied.status == "rejected"
    assert applied.rows["error"][0]["errors"][0].startswith("미리보기 뒤에 이 행이 추가되었습니다")
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [9]


def test_an_apply_over_unchanged_data_writes_what_the_preview_showed(tmp_path, programs, office_staff):
    BudgetLineFactory(
        program=programs["ax"], fiscal_year=2026, funding_source="national", stage=2, amount=1_000
    )
    BudgetLineFactory(program=programs["ax"], fiscal_year=2027, funding_source="national", stage=2, amount=1)
    rows = [
        BUDGET_HEADER[:5],
        ["AX-VALLEY", 2026, "국비", "본예산", 2_000],
        ["AX-VALLEY", 2027, "국비", "본예산", 1],
    ]

    def someone_else_changes_another_line():
        set_budget_line(program=programs["p1"], fiscal_year=2026, funding_source="city", stage=2, amount=3)

    preview, applied = preview_then_apply(
        write_xlsx(tmp_path / "a.xlsx", rows), user=office_staff, between=someone_else_changes_another_line
    )
    assert len(preview.rows["matched"]) == 2  # the changed and the unchanged line
    assert applied.status == "applied", applied.file_error
    assert sorted(BudgetLine.objects.filter(program=programs["ax"]).values_list("amount", flat=True)) == [
        1,
        2_000,
    ]
