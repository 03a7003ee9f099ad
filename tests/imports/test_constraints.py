"""Validation is equivalent to full_clean: every database constraint of the imported models is
caught by the importer's own checks, in a dry run that never reaches the database. A new
constraint added to these models fails the first test until it has a row here."""

import pytest

from tests.imports.conftest import TABLES, run, write_csv

pytestmark = pytest.mark.django_db

BASE = {
    "budget-lines": {
        "사업코드": "AX-VALLEY",
        "회계연도": 2026,
        "재원": "국비",
        "예산 단계": "본예산",
        "금액(원)": 1,
    },
    "budget-adjustments": {
        "사업코드": "AX-VALLEY",
        "회계연도": 2026,
        "재원": "국비",
        "구분": "예비비",
        "금액(원)": 1,
        "일자": "2026-05-01",
        "근거": "승인 제1호",
    },
    "executions": {
        "사업코드": "AX-VALLEY",
        "집행일": "2026-03-02",
        "재원": "시비",
        "구분": "지출",
        "회계연도": "",
        "금액(원)": 1,
        "문서 번호": "V-1",
    },
    "year-end-closes": {
        "사업코드": "AX-VALLEY",
        "회계연도": 2026,
        "재원": "국비",
        "명시이월": 0,
        "사고이월": 0,
        "계속비이월": 0,
    },
    "milestones": {
        "사업코드": "AX-VALLEY",
        "제목": "착공",
        "계획일": "2026-03-01",
        "상태": "예정",
        "실제일": "",
    },
    "indicator-readings": {"지표코드": "P1-FIRMS", "기준일": "2026-06-30", "값": 1},
    "firms": {"사업코드": "AX-VALLEY", "기업명": "(주)예시", "유치일": "2026-01-02", "일자리": 3},
}
TWICE = "the same row twice"  # a unique constraint is broken by a second row with the key

VIOLATIONS = {
    "budgetline_one_per_program_year_source_stage": ("budget-lines", TWICE),
    "budgetline_amount_not_negative": ("budget-lines", {"금액(원)": -1}),
    "budgetline_fiscal_year_in_range": ("budget-lines", {"회계연도": 2101}),
    "budgetline_funding_source_known": ("budget-lines", {"재원": "lottery"}),
    "budgetline_stage_known": ("budget-lines", {"예산 단계": 23}),
    "budgetadjustment_kind_known": ("budget-adjustments", {"구분": "보조금"}),
    "budgetadjustment_funding_source_known": ("budget-adjustments", {"재원": "복권"}),
    "budgetadjustment_fiscal_year_in_range": ("budget-adjustments", {"회계연도": 2101}),
    "budgetadjustment_only_transfers_negative": ("budget-adjustments", {"금액(원)": "-5"}),
    "execution_amount_not_negative": ("executions", {"금액(원)": "-5"}),
    "execution_funding_source_known": ("executions", {"재원": "복권"}),
    "execution_kind_known": ("executions", {"구분": "선급금"}),
    "execution_fiscal_year_in_range": ("executions", {"회계연도": 2101}),
    "execution_reference_unique_in_program": ("executions", TWICE),
    "yearendclose_one_per_program_year_source": ("year-end-closes", TWICE),
    "yearendclose_carry_overs_not_negative": ("year-end-closes", {"사고이월": "-1"}),
    "yearendclose_funding_source_known": ("year-end-closes", {"재원": "복권"}),
    "milestone_done_has_actual_date": ("milestones", {"상태": "완료", "실제일": ""}),
    "milestone_status_known": ("milestones", {"상태": "보류"}),
    "reading_one_per_indicator_period": ("indicator-readings", TWICE),
    "firm_unique_name_in_program": ("firms", TWICE),
    "firm_jobs_not_negative": ("firms", {"일자리": -3}),
}


def test_every_constraint_of_the_imported_models_has_a_case_here():
    names = {constraint.name for model in TABLES for constraint in model._meta.constraints}
    assert names == set(VIOLATIONS)


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_a_row_breaking_a_database_constraint_is_refused_before_the_database(name, programs, tmp_path):
    kind, change = VIOLATIONS[name]
    base = BASE[kind]
    rows = [list(base), list(base.values())]
    if change == TWICE:
        rows.append(list(base.values()))
    else:
        rows[1] = list((base | change).values())
    summary, results = run(kind, write_csv(tmp_path / "rows.csv", rows), dry_run=True)
    assert summary.counts["error"] == 1, [r.errors for r in results]
    assert not summary.file_error
