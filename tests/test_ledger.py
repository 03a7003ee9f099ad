"""The ledger by the official rule (예산현액, 지출액, 집행률, 이월, 불용), with the worked
example's figures."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portfolio import closing
from portfolio.models import (
    AdjustmentKind,
    BudgetAdjustment,
    BudgetLine,
    BudgetStage,
    Execution,
    ExecutionKind,
    FundingSource,
    Program,
    YearEndClose,
)
from portfolio.selectors import ledger
from tests.factories import BudgetLineFactory, ExecutionFactory, ProgramFactory

EOK = 100_000_000  # 억원
NATIONAL = FundingSource.NATIONAL


def adjustment(program, kind, amount, *, year=2026, source=NATIONAL) -> BudgetAdjustment:
    row = BudgetAdjustment(
        program=program,
        fiscal_year=year,
        funding_source=source,
        kind=kind,
        amount=amount,
        adjusted_on=datetime.date(year, 3, 1),
        basis="시의회 의결",
    )
    row.full_clean()
    row.save()
    return row


def execution(program, kind, amount, day, *, fiscal_year=None, source=NATIONAL) -> Execution:
    row = Execution(
        program=program,
        kind=kind,
        amount=amount,
        executed_on=day,
        fiscal_year=fiscal_year,
        funding_source=source,
    )
    row.full_clean()
    row.save()
    return row


def cell_of(program: Program, year: int, source: str | None = NATIONAL):
    book = ledger(root=program.code, fiscal_year=year)
    cells = book.program_cells(program.pk)
    if source is None:
        return book.year(year, cells)
    return next(c for c in cells if c.funding_source == source)


@pytest.fixture
def worked_example(db) -> Program:
    """Program P, 2026, 국비: 본예산 80억, 1차 추경 95억, 2차 추경 90억; 예비비 +2억; 전용 −1억;
    사고이월 carried in 5억; 원인행위 70억, 지출 61억, 반납 0.5억."""
    from tests import ledger_data

    return ledger_data.worked_example()


def test_it_counts_the_worked_example_by_the_official_rule(worked_example):
    cell = cell_of(worked_example, 2026)
    assert cell.original == 80 * EOK
    assert cell.supplementary == 90 * EOK and cell.supplementary_round == 2
    assert cell.adopted == 90 * EOK
    assert (cell.reserve, cell.transfers, cell.carried_in_accident) == (2 * EOK, -1 * EOK, 5 * EOK)
    assert cell.available == 96 * EOK
    assert cell.committed == 70 * EOK
    assert cell.paid == 6_050_000_000
    assert cell.execution_rate == Decimal("63.0")
    assert cell.commitment_rate == Decimal("72.9")
    assert cell.closed is False and cell.unused is None


def test_the_close_computes_unused_and_carries_into_the_next_year(worked_example, office_staff):
    closing.close_year(
        program=worked_example,
        fiscal_year=2026,
        funding_source=NATIONAL,
        carried_out_accident=6 * EOK,
        carried_out_explicit=20 * EOK,
        closed_by=office_staff,
    )
    closed = cell_of(worked_example, 2026)
    assert closed.closed and closed.unused == 950_000_000
    assert (closed.carried_out_accident, closed.carried_out_explicit) == (6 * EOK, 20 * EOK)
    carry_ins = BudgetAdjustment.objects.filter(program=worked_example, fiscal_year=2027)
    assert sorted(carry_ins.values_list("kind", "amount")) == [
        (AdjustmentKind.CARRIED_ACCIDENT, 6 * EOK),
        (AdjustmentKind.CARRIED_EXPLICIT, 20 * EOK),
    ]

    # 2027: no new 국비 budget; 원인행위 26억, 지출 4억.
    execution(worked_example, ExecutionKind.COMMITMENT, 26 * EOK, datetime.date(2027, 3, 2))
    execution(worked_example, ExecutionKind.PAYMENT, 4 * EOK, datetime.date(2027, 6, 2))
    next_year = cell_of(worked_example, 2027)
    assert next_year.available == 26 * EOK and next_year.adopted == 0

    with pytest.raises(ValidationError) as refused:
        closing.close_year(
            program=worked_example, fiscal_year=2027, funding_source=NATIONAL, carried_out_accident=21 * EOK
        )
    assert "재이월" in str(refused.value)
    assert not YearEndClose.objects.filter(fiscal_year=2027).exists()
    closing.close_year(
        program=worked_example, fiscal_year=2027, funding_source=NATIONAL, carried_out_accident=20 * EOK
    )
    assert cell_of(worked_example, 2027).unused == 2 * EOK


@pytest.mark.parametrize(
    ("carry_overs", "field", "words"),
    [
        ({"carried_out_accident": 10 * EOK}, "carried_out_accident", "원인행위액 − 지출액"),
        ({"carried_out_explicit": 39 * EOK}, "__all__", "불용액"),
    ],
)
def test_a_close_that_breaks_a_rule_is_refused_and_writes_nothing(worked_example, carry_overs, field, words):
    adjustments_before = BudgetAdjustment.objects.count()
    with pytest.raises(ValidationError) as refused:
        closing.close_year(program=worked_example, fiscal_year=2026, funding_source=NATIONAL, **carry_overs)
    assert words in " ".join(refused.value.message_dict[field])
    assert not YearEndClose.objects.exists()
    assert BudgetAdjustment.objects.count() == adjustments_before


def test_a_closed_year_refuses_changes_until_it_is_reopened(worked_example, superuser):
    close = closing.close_year(
        program=worked_example, fiscal_year=2026, funding_source=NATIONAL, carried_out_explicit=20 * EOK
    )
    with pytest.raises(ValidationError, match="결산 마감했습니다"):
        execution(worked_example, ExecutionKind.PAYMENT, EOK, datetime.date(2026, 12, 1))
    with pytest.raises(ValidationError, match="결산 마감했습니다"):
        adjustment(worked_example, AdjustmentKind.RESERVE, EOK)
    line = BudgetLine.objects.get(program=worked_example, fiscal_year=2026, stage=BudgetStage.ORIGINAL)
    line.amount = 1
    with pytest.raises(ValidationError, match="결산 마감했습니다"):
        line.full_clean()

    closing.reopen_year(close=close, user=superuser, reason="결산 정정")
    assert not YearEndClose.objects.exists()
    assert not BudgetAdjustment.objects.filter(fiscal_year=2027).exists()
    assert YearEndClose.history.filter(history_type="-").get().history_change_reason == "결산 정정"
    execution(worked_example, ExecutionKind.PAYMENT, EOK, datetime.date(2026, 12, 1))


def test_reopening_needs_its_own_permission_and_a_reason(worked_example, office_staff, superuser):
    close = closing.close_year(program=worked_example, fiscal_year=2026, funding_source=NATIONAL)
    with pytest.raises(PermissionDenied):
        closing.reopen_year(close=close, user=office_staff, reason="정정")
    with pytest.raises(ValidationError):
        closing.reopen_year(close=close, user=superuser, reason="  ")
    assert YearEndClose.objects.filter(pk=close.pk).exists()


def test_a_year_whose_next_year_is_closed_on_its_carry_ins_cannot_be_reopened(worked_example, superuser):
    close = closing.close_year(
        program=worked_example, fiscal_year=2026, funding_source=NATIONAL, carried_out_explicit=20 * EOK
    )
    closing.close_year(program=worked_example, fiscal_year=2027, funding_source=NATIONAL)
    with pytest.raises(ValidationError, match="2027"):
        closing.reopen_year(close=close, user=superuser, reason="정정")
    assert BudgetAdjustment.objects.filter(fiscal_year=2027).count() == 1


@pytest.mark.parametrize(
    ("day", "kind", "accepted"),
    [
        (datetime.date(2027, 2, 10), ExecutionKind.PAYMENT, True),
        (datetime.date(2027, 2, 11), ExecutionKind.PAYMENT, False),
        (datetime.date(2027, 1, 5), ExecutionKind.REFUND, True),
        (datetime.date(2027, 1, 5), ExecutionKind.COMMITMENT, False),
        (datetime.date(2028, 1, 5), ExecutionKind.PAYMENT, False),
        (datetime.date(2025, 12, 31), ExecutionKind.PAYMENT, False),
    ],
)
def test_a_payment_in_the_closing_period_may_belong_to_the_year_before(db, day, kind, accepted):
    program = ProgramFactory()
    ExecutionFactory(program=program, executed_on=datetime.date(2026, 5, 1), fiscal_year=2026, amount=EOK)
    row = Execution(
        program=program, kind=kind, executed_on=day, fiscal_year=2026, funding_source=NATIONAL, amount=1000
    )
    if accepted:
        row.full_clean()
        return
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "fiscal_year" in refused.value.message_dict


def test_the_fiscal_year_defaults_to_the_year_of_the_date(db):
    row = execution(ProgramFactory(), ExecutionKind.PAYMENT, 1000, datetime.date(2026, 2, 5))
    assert row.fiscal_year == 2026


def test_a_return_larger_than_the_years_payments_is_refused(db):
    program = ProgramFactory()
    execution(program, ExecutionKind.PAYMENT, 3 * EOK, datetime.date(2026, 4, 1))
    with pytest.raises(ValidationError) as refused:
        execution(program, ExecutionKind.REFUND, 4 * EOK, datetime.date(2026, 5, 1))
    assert "amount" in refused.value.message_dict
    assert Execution.objects.filter(kind=ExecutionKind.REFUND).count() == 0


@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        (AdjustmentKind.RESERVE, -EOK),
        (AdjustmentKind.CARRIED_EXPLICIT, -EOK),
        (AdjustmentKind.TRANSFER_ITEM, 0),
    ],
)
def test_an_adjustment_with_the_wrong_sign_is_refused(db, kind, amount):
    with pytest.raises(ValidationError) as refused:
        adjustment(ProgramFactory(), kind, amount)
    assert "amount" in refused.value.message_dict
    assert not BudgetAdjustment.objects.exists()


def test_the_ledger_reads_as_of_a_day_before_and_after_the_close(worked_example):
    with time_machine.travel(datetime.datetime(2027, 2, 20, 10, tzinfo=datetime.UTC), tick=False):
        closing.close_year(
            program=worked_example, fiscal_year=2026, funding_source=NATIONAL, carried_out_explicit=20 * EOK
        )
    before = ledger(root="P", as_of=datetime.date(2027, 2, 19), fiscal_year=2026)
    after = ledger(root="P", as_of=datetime.date(2027, 2, 20), fiscal_year=2026)
    assert before.program_cells(worked_example.pk)[0].closed is False
    closed = after.program_cells(worked_example.pk)[0]
    assert closed.closed and closed.unused == 96 * EOK - 6_050_000_000 - 20 * EOK


def test_a_subtree_adds_up_its_programs_and_sources_per_year(db):
    parent = ProgramFactory(code="PARENT")
    child = ProgramFactory(code="CHILD", parent=parent, kind=Program.Kind.PROJECT)
    BudgetLineFactory(program=parent, fiscal_year=2026, amount=10 * EOK)
    BudgetLineFactory(program=child, fiscal_year=2026, amount=30 * EOK)
    BudgetLineFactory(program=child, fiscal_year=2026, funding_source=FundingSource.CITY, amount=20 * EOK)
    execution(child, ExecutionKind.PAYMENT, 15 * EOK, datetime.date(2026, 7, 1))
    book = ledger(root="PARENT")
    cells = book.program_cells(parent.pk)
    assert [(c.funding_source, c.available) for c in cells] == [(NATIONAL, 40 * EOK), ("city", 20 * EOK)]
    total = book.year(2026, cells)
    assert (total.available, total.paid, total.execution_rate) == (60 * EOK, 15 * EOK, Decimal("25.0"))


def make_programs(first: int, count: int) -> None:
    programs = Program.objects.bulk_create(
        Program(code=f"Q-{n:04d}", name_ko=f"사업 {n}", start_year=2026, end_year=2026)
        for n in range(first, first + count)
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            program=p, fiscal_year=2026, funding_source=NATIONAL, stage=BudgetStage.ORIGINAL, amount=EOK
        )
        for p in programs
    )
    BudgetAdjustment.objects.bulk_create(
        BudgetAdjustment(
            program=p,
            fiscal_year=2026,
            funding_source=NATIONAL,
            kind=AdjustmentKind.RESERVE,
            amount=EOK,
            adjusted_on=datetime.date(2026, 3, 1),
        )
        for p in programs
    )
    Execution.objects.bulk_create(
        Execution(
            program=p,
            executed_on=datetime.date(2026, 5, 1),
            fiscal_year=2026,
            funding_source=NATIONAL,
            amount=EOK // 2,
        )
        for p in programs
    )


@pytest.mark.django_db
def test_the_ledger_takes_the_same_number_of_queries_for_10_and_1000_programs():
    counts, made = [], 0
    for total in (10, 1000):
        make_programs(made, total - made)
        made = total
        with CaptureQueriesContext(connection) as queries:
            book = ledger()
            cells = book.scope_cells()
        assert book.year(2026, cells).available == total * 2 * EOK
        counts.append(len(queries))
    assert counts[0] == counts[1] == 5


@pytest.mark.django_db
@pytest.mark.parametrize("fiscal_year", [2024, 2025, 2026, 2027])
def test_totals_read_one_year_at_a_time_are_those_of_the_whole_ledger(fiscal_year):
    """The portfolio report reads the ledger year by year (memory); every figure, paid-to-date over
    the years and subtrees included, is the one the whole ledger gives, in a year before anything
    was booked and in one after too."""
    from portfolio.selectors import budget_for_scope, load_scope, totals_for_scope, totals_year_by_year
    from tests.ledger_data import ledger_portfolio, worked_example

    ledger_portfolio(4)
    worked_example()
    scope = load_scope(include_national=False)
    programs, cells = totals_year_by_year(scope, fiscal_year=fiscal_year)
    assert programs == totals_for_scope(scope, fiscal_year=fiscal_year)
    assert cells == budget_for_scope(scope)
    root = next(item for item in programs if item.program.code == "LB-ROOT")
    assert root.totals.paid_to_date == (None if fiscal_year < 2025 else sum(
        item.own.paid_to_date or 0 for item in programs if item.program.code.startswith("LB-0")
    ))  # fmt: skip
