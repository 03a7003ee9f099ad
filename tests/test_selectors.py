"""The selectors on a small hand-made portfolio, with every expected number worked out by hand."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from portfolio import selectors
from portfolio.models import BudgetLine, BudgetStage, ExecutionKind, Program
from tests.factories import (
    BudgetLineFactory,
    ExecutionFactory,
    FirmFactory,
    IndicatorFactory,
    ProgramFactory,
    ReadingFactory,
)

pytestmark = pytest.mark.django_db

EOK = 10**8
PLAN, ORIGINAL, SUPP = BudgetStage.PLAN, BudgetStage.ORIGINAL, BudgetStage.SUPPLEMENTARY


@pytest.fixture
def portfolio():
    """ROOT ─┬─ A (총사업비 1,000억) ── A1 (300억)
          └─ B
    NAT (national context)"""
    root = ProgramFactory(code="ROOT", kind=Program.Kind.PORTFOLIO)
    a = ProgramFactory(code="A", parent=root, total_cost=1000 * EOK, sort_order=1)
    a1 = ProgramFactory(code="A1", parent=a, kind=Program.Kind.PROJECT, total_cost=300 * EOK)
    b = ProgramFactory(code="B", parent=root, sort_order=2)
    nat = ProgramFactory(code="NAT", kind=Program.Kind.PORTFOLIO, is_national_context=True, sort_order=9)
    lines = [
        (a, 2025, "national", PLAN, 100),
        (a, 2025, "national", ORIGINAL, 80),
        (a, 2025, "national", SUPP, 90),  # supersedes the 80
        (a, 2025, "city", ORIGINAL, 40),
        (a, 2026, "national", PLAN, 200),  # planned, not yet budgeted
        (a1, 2025, "city", ORIGINAL, 30),
        (a1, 2025, "city", SUPP, 25),  # a cut: the budget is 25, not 55
        (b, 2025, "private", PLAN, 10),
        (nat, 2026, "national", PLAN, 101_000),
    ]
    for program, year, source, stage, eok in lines:
        BudgetLineFactory(
            program=program, fiscal_year=year, funding_source=source, stage=stage, amount=eok * EOK
        )
    for program, day, source, eok in [
        (a, datetime.date(2025, 3, 1), "national", 45),
        (a, datetime.date(2025, 4, 1), "city", 20),
        (a1, datetime.date(2025, 5, 1), "city", 5),
        (b, datetime.date(2026, 1, 10), "private", 1),
    ]:
        ExecutionFactory(program=program, executed_on=day, funding_source=source, amount=eok * EOK)
    return {"root": root, "a": a, "a1": a1, "b": b, "nat": nat}


def by_code(items):
    return {item.program.code: item for item in items}


def test_program_totals_roll_up_the_subtree(portfolio):
    totals = by_code(selectors.program_totals(fiscal_year=2025))
    assert [code for code in totals] == ["ROOT", "A", "A1", "B", "NAT"]  # tree order
    assert [totals[c].program.depth for c in totals] == [0, 1, 2, 1, 0]

    a = totals["A"]
    assert (a.own.planned, a.own.budget, a.own.executed) == (100 * EOK, 130 * EOK, 65 * EOK)
    assert (a.totals.planned, a.totals.budget, a.totals.executed) == (100 * EOK, 155 * EOK, 70 * EOK)
    assert a.totals.execution_rate == Decimal("45.2")  # 70 / 155
    assert a.totals.total_cost == 1000 * EOK  # A's own figure covers A1's 300

    root = totals["ROOT"].totals
    assert (root.total_cost, root.planned, root.budget, root.executed) == (
        1000 * EOK,
        110 * EOK,
        155 * EOK,
        70 * EOK,  # B's payment is 2026's
    )
    assert root.execution_rate == Decimal("45.2")  # 70 / 155
    assert totals["B"].totals.execution_rate is None  # no budget in 2025
    # Across years the only rate is against the total cost: A's 70억 paid of its 1,000억.
    assert (a.totals.paid_to_date, a.totals.cumulative_rate) == (70 * EOK, Decimal("7.0"))


def test_program_totals_are_one_fiscal_years(portfolio):
    totals = by_code(selectors.program_totals(fiscal_year=2026))
    a, b = totals["A"].totals, totals["B"].totals
    # A has only a plan for 2026: its budget and payments are unknown, not 0.
    assert (a.fiscal_year, a.planned, a.budget, a.executed, a.execution_rate) == (
        2026,
        200 * EOK,
        None,
        None,
        None,
    )
    assert (b.budget, b.executed, b.execution_rate) == (None, 1 * EOK, None)  # B's 2026 payment, no budget
    assert a.paid_to_date == 70 * EOK  # 2025's payments still count up to 2026
    assert selectors.program_totals(fiscal_year=2024)[1].totals.paid_to_date is None  # nothing paid yet


def test_totals_default_to_the_fiscal_year_of_the_day_in_seoul(portfolio):
    with time_machine.travel(
        datetime.datetime(2025, 12, 31, 15, 30, tzinfo=datetime.UTC)
    ):  # 1월 1일 00:30 KST
        assert selectors.portfolio_totals().fiscal_year == 2026
    with time_machine.travel(datetime.datetime(2025, 12, 31, 14, 30, tzinfo=datetime.UTC)):
        assert selectors.portfolio_totals().fiscal_year == 2025
    assert selectors.portfolio_totals(as_of=datetime.date(2025, 6, 30)).fiscal_year == 2025


def test_totals_count_payments_by_fiscal_year_less_refunds_and_never_commitments():
    program = ProgramFactory(code="P")
    BudgetLineFactory(program=program, fiscal_year=2025, amount=100 * EOK)
    ExecutionFactory(program=program, kind=ExecutionKind.COMMITMENT, amount=90 * EOK)
    ExecutionFactory(program=program, kind=ExecutionKind.PAYMENT, amount=50 * EOK)
    ExecutionFactory(program=program, kind=ExecutionKind.REFUND, amount=5 * EOK)
    # Paid in the closing period of 2026 from the 2025 budget: 2025's money, not 2026's.
    ExecutionFactory(
        program=program, executed_on=datetime.date(2026, 2, 10), fiscal_year=2025, amount=10 * EOK
    )
    totals = selectors.portfolio_totals(fiscal_year=2025)
    assert (totals.committed, totals.paid, totals.execution_rate) == (90 * EOK, 55 * EOK, Decimal("55.0"))
    assert totals.commitment_rate == Decimal("90.0")
    assert selectors.portfolio_totals(fiscal_year=2026).paid is None  # no execution rows for 2026


def test_portfolio_totals_leave_out_national_context_unless_asked(portfolio):
    city = selectors.portfolio_totals(fiscal_year=2025)
    assert (city.planned, city.budget, city.executed) == (110 * EOK, 155 * EOK, 70 * EOK)
    assert selectors.portfolio_totals(fiscal_year=2026).planned == 200 * EOK
    everything = selectors.portfolio_totals(include_national=True, fiscal_year=2026)
    assert everything.planned == (200 + 101_000) * EOK


def test_totals_for_a_subtree(portfolio):
    totals = selectors.program_totals(root="A")
    assert [item.program.code for item in totals] == ["A", "A1"]
    assert totals[0].program.depth == 0
    assert selectors.portfolio_totals(root="A", fiscal_year=2025).budget == 155 * EOK
    with pytest.raises(Program.DoesNotExist):
        selectors.program_totals(root="NOPE")


def test_budget_by_year_and_source(portfolio):
    cells = {
        (c.fiscal_year, c.funding_source): (c.planned, c.budget, c.executed)
        for c in selectors.budget_by_year_and_source()
    }
    assert cells == {
        (2025, "national"): (100 * EOK, 90 * EOK, 45 * EOK),
        (2025, "city"): (None, 65 * EOK, 25 * EOK),  # None: nobody entered it, not 0
        (2025, "private"): (10 * EOK, None, None),
        (2026, "national"): (200 * EOK, None, None),
        (2026, "private"): (None, None, 1 * EOK),
    }
    ordered = [(c.fiscal_year, c.funding_source) for c in selectors.budget_by_year_and_source()]
    assert ordered == [
        (2025, "national"),
        (2025, "city"),
        (2025, "private"),
        (2026, "national"),
        (2026, "private"),
    ]


@pytest.mark.parametrize("n_programs", [10, 100, 1000])
def test_reads_take_a_fixed_number_of_queries(django_assert_num_queries, n_programs):
    root = ProgramFactory(kind=Program.Kind.PORTFOLIO)
    for index in range(n_programs):
        program = ProgramFactory(parent=root)
        BudgetLineFactory(program=program, fiscal_year=2020 + index % 10)
        ExecutionFactory(program=program)
        ReadingFactory(indicator=IndicatorFactory(program=program))
        FirmFactory(program=program)
    with django_assert_num_queries(5):  # the programs, then budget lines, adjustments, executions, closes
        assert len(selectors.program_totals()) == n_programs + 1
    with django_assert_num_queries(5):
        selectors.budget_by_year_and_source()
    with django_assert_num_queries(8):  # KPIs: indicators, readings and yearly targets
        selectors.headline()
    with django_assert_num_queries(9):
        selectors.overview()
    with django_assert_num_queries(4):
        assert len(selectors.kpi_progress()) == n_programs
    with django_assert_num_queries(2):
        selectors.milestone_schedule()
    with django_assert_num_queries(5):
        assert selectors.firm_check().firms_on_record == n_programs


def test_as_of_reads_the_data_as_it_stood_at_the_end_of_that_day():
    with time_machine.travel(datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC)):
        program = ProgramFactory(code="OLD")
        line = BudgetLineFactory(program=program, amount=90 * EOK)
    with time_machine.travel(datetime.datetime(2025, 7, 1, 10, tzinfo=datetime.UTC)):
        line.amount = 95 * EOK
        line.save()
        ProgramFactory(code="NEW")
        BudgetLineFactory(program=program, fiscal_year=2026, amount=5 * EOK)
    with time_machine.travel(datetime.datetime(2025, 8, 1, 10, tzinfo=datetime.UTC)):
        BudgetLine.objects.get(fiscal_year=2026).delete()

    assert selectors.portfolio_totals(as_of=datetime.date(2025, 2, 28)).budget is None
    assert selectors.portfolio_totals(as_of=datetime.date(2025, 6, 30)).budget == 90 * EOK
    # Each fiscal year on its own: the 2026 line never adds to 2025's budget.
    assert selectors.portfolio_totals(as_of=datetime.date(2025, 7, 1)).budget == 95 * EOK
    assert selectors.portfolio_totals(as_of=datetime.date(2025, 7, 1), fiscal_year=2026).budget == 5 * EOK
    assert selectors.portfolio_totals(as_of=datetime.date(2025, 8, 1)).budget == 95 * EOK
    assert selectors.portfolio_totals(fiscal_year=2025).budget == 95 * EOK
    assert [t.program.code for t in selectors.program_totals(as_of=datetime.date(2025, 6, 30))] == ["OLD"]


def test_as_of_uses_the_end_of_the_day_in_seoul():
    # 2025-03-01 23:30 KST is 14:30 UTC: still "as of 2025-03-01" for the office.
    with time_machine.travel(datetime.datetime(2025, 3, 1, 14, 30, tzinfo=datetime.UTC)):
        BudgetLineFactory(amount=7 * EOK)
    assert selectors.portfolio_totals(as_of=datetime.date(2025, 3, 1)).budget == 7 * EOK
    assert selectors.portfolio_totals(as_of=datetime.date(2025, 2, 28)).budget is None


def test_firm_check_sets_the_reported_figures_beside_the_records():
    program = ProgramFactory()
    firms = IndicatorFactory(program=program, metric="firms", target=None, target_year=None)
    jobs = IndicatorFactory(program=program, metric="jobs", target=None, target_year=None)
    ReadingFactory(indicator=firms, value=160)
    ReadingFactory(indicator=jobs, value=650)
    FirmFactory(program=program, jobs=12)
    FirmFactory(program=program, jobs=8)
    check = selectors.firm_check()
    assert (check.reported_firms, check.firms_on_record) == (Decimal(160), 2)
    assert (check.reported_jobs, check.jobs_on_record) == (Decimal(650), 20)
    assert check.firms_unlisted == Decimal(158)


def test_current_lines_are_the_latest_adopted_stage(portfolio):
    amounts = sorted(BudgetLine.objects.current().values_list("amount", flat=True))
    assert amounts == [25 * EOK, 40 * EOK, 90 * EOK]
    assert BudgetLine.objects.planned().count() == 4  # A 2025, A 2026, B 2025 and NAT 2026


def test_a_scope_built_from_part_of_the_tree_reads_only_its_programs_rows(portfolio):
    national = selectors.national_scope(selectors.load_scope(include_national=True))
    assert [node.code for node in national.nodes] == ["NAT"]
    assert list(national.rows(BudgetLine).values_list("program__code", flat=True)) == ["NAT"]
    city = selectors.load_scope(include_national=False)  # the tree but NAT: filtered by leaving NAT out
    assert "NAT" not in set(city.rows(BudgetLine).values_list("program__code", flat=True))
