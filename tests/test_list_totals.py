"""The admin lists' totals, as the ledger adds rows up (portfolio.selectors.list_totals). Budget lines:
a stage's row holds the whole amount at that stage, so 계획 and the adopted budget (본예산 or the
latest 추경) are never added together; one stage filtered gives that stage's total; national-context
items are shown apart. Worked example, in 억원:

    P (city)  2026 국비: 계획 70, 본예산 80, 1차 추경 95, 2차 추경 90  → adopted 90
    Q (city)  2026 시비: 본예산 30                                    → adopted 30
    N (national context) 2026 국비: 본예산 1,000; its child C (not flagged itself): 본예산 7

    city: 5 rows, 계획 70, adopted 120 (90 + 30), 본예산 110 (80 + 30), 2차 추경 90
    national items: 2 rows, adopted 1,007
    the old plain sum of every row: 1,372, a figure the ledger never shows
"""

import datetime

import pytest
from django.urls import reverse

from portfolio import selectors
from portfolio.models import (
    BudgetLine,
    BudgetStage,
    Execution,
    ExecutionKind,
    FundingSource,
    Program,
    supplementary_stage,
)
from tests.factories import BudgetLineFactory, ProgramFactory
from tests.ledger_data import EOK, worked_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    program = worked_example()  # P: 본예산 80, 1차 추경 95, 2차 추경 90 (2026, 국비)
    BudgetLineFactory(program=program, fiscal_year=2026, stage=BudgetStage.PLAN, amount=70 * EOK)
    q = ProgramFactory(code="Q")
    BudgetLineFactory(program=q, fiscal_year=2026, funding_source=FundingSource.CITY, amount=30 * EOK)
    national = ProgramFactory(code="N", is_national_context=True)
    child = ProgramFactory(code="C", parent=national)
    BudgetLineFactory(program=national, fiscal_year=2026, amount=1000 * EOK)
    BudgetLineFactory(program=child, fiscal_year=2026, amount=7 * EOK)


def test_the_totals_follow_the_ledger_with_national_items_apart(lines, django_assert_num_queries):
    with django_assert_num_queries(3):
        totals = selectors.budget_line_totals(BudgetLine.objects.all())
    assert (totals.city.rows, totals.city.planned, totals.city.adopted) == (5, 70 * EOK, 120 * EOK)
    assert totals.city.by_stage == {
        BudgetStage.PLAN: 70 * EOK,
        BudgetStage.ORIGINAL: 110 * EOK,
        supplementary_stage(1): 95 * EOK,
        supplementary_stage(2): 90 * EOK,
    }
    assert (totals.national.rows, totals.national.planned, totals.national.adopted) == (2, 0, 1007 * EOK)
    assert totals.rows == 7
    # The same adopted budget as the ledger's for the city's programs.
    ledger_cells = selectors.budget_by_year_and_source(fiscal_year=2026)
    assert sum(cell.ledger.adopted for cell in ledger_cells) == totals.city.adopted


def test_a_list_of_one_stage_needs_no_adopted_budget(lines, django_assert_num_queries):
    with django_assert_num_queries(2):
        totals = selectors.budget_line_totals(BudgetLine.objects.filter(stage=2), with_adopted=False)
    assert (totals.city.by_stage, totals.city.adopted) == ({BudgetStage.ORIGINAL: 110 * EOK}, 0)


def test_a_filtered_list_still_judges_the_adopted_line_against_the_whole_cell(lines):
    # Only 본예산 and 1차 추경 listed: neither is P's adopted budget (2차 추경 is), so P adds nothing.
    listed = BudgetLine.objects.filter(program__code="P", stage__in=[2, 3])
    assert selectors.budget_line_totals(listed).city.adopted == 0


def page(client, **params) -> str:
    return client.get(reverse("admin:portfolio_budgetline_changelist"), params).content.decode()


def test_the_budget_list_shows_plan_and_adopted_apart_and_national_items_apart(client, office_staff, lines):
    client.force_login(office_staff)
    html = page(client)
    assert "7건" in html
    assert "계획 합계 <strong>70억원</strong>" in html
    assert "확정 예산(본예산 또는 최종 추경) 합계 <strong>120억원</strong>" in html
    national = "국가 동향 항목(시 합계에 넣지 않음) 2건: 확정 예산(본예산 또는 최종 추경) 합계"
    assert f"{national} <strong>1,007억원</strong>" in html
    assert "1,372억원" not in html


def test_one_stage_filtered_shows_that_stages_total(client, office_staff, lines):
    client.force_login(office_staff)
    html = page(client, stage__exact=BudgetStage.ORIGINAL)
    assert "본예산 합계 <strong>110억원</strong>" in html
    assert "국가 동향 항목(시 합계에 넣지 않음) 2건: 본예산 합계 <strong>1,007억원</strong>" in html
    assert "계획 합계" not in html
    html = page(client, stage__exact=supplementary_stage(2))
    assert "2차 추경 합계 <strong>90억원</strong>" in html
    assert "국가 동향 항목" not in html  # none of theirs at that stage


# Executions, the same way: P's 원인행위 70억, 지출 61억, 반납 0.5억 (tests/ledger_data.py) give
# 원인행위액 70억 and 지출액 60.5억, not one sum of 131.5억; N's 지출 5억 is shown apart.


@pytest.fixture
def executions(lines):
    from tests.test_ledger import execution

    national = Program.objects.get(code="N")
    execution(national, ExecutionKind.PAYMENT, 5 * EOK, datetime.date(2026, 5, 4))


def test_execution_totals_follow_the_ledger(executions, django_assert_num_queries):
    with django_assert_num_queries(2):
        city, national = selectors.execution_totals(Execution.objects.all())
    assert (city.rows, city.committed, city.paid) == (3, 70 * EOK, 60 * EOK + EOK // 2)
    assert (national.rows, national.committed, national.paid) == (1, 0, 5 * EOK)


def test_the_execution_list_shows_commitments_and_paid_apart(client, office_staff, executions):
    client.force_login(office_staff)
    html = client.get(reverse("admin:portfolio_execution_changelist")).content.decode()
    assert "4건" in html
    assert "원인행위액 합계 <strong>70억원</strong>" in html
    assert "지출액(지출 − 반납) 합계 <strong>60억 5,000만원</strong>" in html
    assert "국가 동향 항목(시 합계에 넣지 않음) 1건: 지출액(지출 − 반납) 합계 <strong>5억원</strong>" in html
    assert "136억 5,000만원" not in html  # the plain sum of every row
