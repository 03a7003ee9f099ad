"""The selectors added for the dashboard: the headline (money with its sources, firms, jobs and
GPUs beside their targets), the one-pass overview, citations, and the cheaper scope filter.
Expected numbers are worked out by hand or read from the selectors the API and reports use."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from portfolio import selectors
from portfolio.models import BudgetLine, Execution, Indicator, Milestone, Program
from portfolio.selectors.kpis import KpiStatus
from tests.factories import (
    BudgetLineFactory,
    ExecutionFactory,
    IndicatorFactory,
    MilestoneFactory,
    ProgramFactory,
    ReadingFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
EOK = 10**8
D = datetime.date


@pytest.fixture
def portfolio():
    """ROOT ─┬─ A (총사업비 1,000억, S-A) ── A1
          └─ B
    NAT (national context, with a 10조 plan and 200,000 GPUs to reach)"""
    s_a, s_line, s_exec, s_kpi, s_reading = (SourceFactory(key=key) for key in ("SA", "SL", "SE", "SK", "SR"))
    root = ProgramFactory(code="ROOT", kind=Program.Kind.PORTFOLIO)
    a = ProgramFactory(code="A", parent=root, total_cost=1000 * EOK, source=s_a, sort_order=1)
    a1 = ProgramFactory(code="A1", parent=a, kind=Program.Kind.PROJECT)
    b = ProgramFactory(code="B", parent=root, sort_order=2)
    nat = ProgramFactory(code="NAT", kind=Program.Kind.PORTFOLIO, is_national_context=True, sort_order=9)
    BudgetLineFactory(program=a, fiscal_year=2025, amount=80 * EOK, source=s_line)
    BudgetLineFactory(program=a1, fiscal_year=2025, funding_source="city", amount=20 * EOK)
    BudgetLineFactory(program=nat, fiscal_year=2026, stage=1, amount=100_000 * EOK)
    ExecutionFactory(program=a, amount=30 * EOK, source=s_exec)
    ExecutionFactory(program=b, funding_source="private", amount=10 * EOK)

    firms_a = IndicatorFactory(program=a, metric="firms", unit="개사", unit_en="firms", target=100,
                               target_year=2028, source=s_kpi)  # fmt: skip
    firms_b = IndicatorFactory(
        program=b, metric="firms", unit="개사", unit_en="firms", target=50, target_year=2030
    )
    jobs = IndicatorFactory(program=a1, metric="jobs", unit="명", target=None, target_year=None)
    IndicatorFactory(program=b, metric="gpus", unit="대")  # no readings yet
    national_gpus = IndicatorFactory(program=nat, metric="gpus", unit="대", target=200_000, target_year=2030)
    ReadingFactory(indicator=firms_a, period=D(2024, 12, 31), value=30)
    ReadingFactory(indicator=firms_a, period=D(2025, 12, 31), value=40, source=s_reading)  # cumulative: 40
    ReadingFactory(indicator=firms_b, value=5)
    ReadingFactory(indicator=jobs, value=650)
    ReadingFactory(indicator=national_gpus, value=1000)
    MilestoneFactory(program=a, planned_date=D(2025, 3, 31))
    MilestoneFactory(program=nat, planned_date=D(2025, 4, 30))
    return {"sources": {s.key: s.id for s in (s_a, s_line, s_exec, s_kpi, s_reading)}}


def test_the_headline_adds_up_the_city_money_and_names_its_sources(portfolio):
    head = selectors.headline(fiscal_year=2025)
    ids = portfolio["sources"]
    assert head.totals == selectors.portfolio_totals(fiscal_year=2025)
    assert (head.totals.total_cost, head.totals.budget, head.totals.executed) == (
        1000 * EOK,
        100 * EOK,
        40 * EOK,
    )
    assert head.totals.planned is None  # the national 10조 plan stays out: the city entered none
    assert head.total_cost_source_ids == (ids["SA"],)
    assert head.budget_source_ids == (ids["SL"],)
    assert head.executed_source_ids == (ids["SE"],)
    # Another year's money is that year's alone: nothing budgeted or paid in 2026.
    later = selectors.headline(fiscal_year=2026).totals
    assert (later.budget, later.executed, later.paid_to_date) == (None, None, 40 * EOK)  # none entered
    assert later.cumulative_rate == Decimal("4.0")  # 40억 paid to date ÷ 1,000억 총사업비


def test_the_headline_sets_firms_jobs_and_gpus_beside_their_targets(portfolio):
    metrics = selectors.headline().metrics
    firms = metrics[Indicator.Metric.FIRMS]
    assert (firms.actual, firms.target, firms.target_year, firms.indicator_count) == (45, 150, 2030, 2)
    assert (firms.unit, firms.unit_en) == ("개사", "firms")
    assert set(firms.source_ids) == {portfolio["sources"]["SK"], portfolio["sources"]["SR"]}
    jobs = metrics[Indicator.Metric.JOBS]
    assert (jobs.actual, jobs.target, jobs.target_year) == (650, None, None)
    gpus = metrics[Indicator.Metric.GPUS]
    assert (gpus.indicator_count, gpus.actual, gpus.target) == (1, None, 100)  # national GPUs left out


def test_the_headline_figures_agree_with_the_firm_check(portfolio):
    head, check = selectors.headline(), selectors.firm_check()
    assert head.metrics["firms"].actual == check.reported_firms
    assert head.metrics["jobs"].actual == check.reported_jobs


def test_a_national_programs_headline_counts_its_own_figures(portfolio):
    head = selectors.headline(root="NAT", include_national=True)
    assert head.totals.planned == 100_000 * EOK
    assert head.metrics["gpus"].actual == 1000
    assert head.metrics["gpus"].target == 200_000


def test_a_metric_nobody_counts_is_empty():
    figure = selectors.metric_figure([], Indicator.Metric.FIRMS)
    assert (figure.indicator_count, figure.actual, figure.target, figure.source_ids) == (0, None, None, ())


@pytest.mark.parametrize(("root", "national"), [(None, False), (None, True), ("A", False), ("NAT", True)])
@time_machine.travel(datetime.datetime(2025, 6, 1, 3, tzinfo=datetime.UTC))
def test_the_overview_gives_what_each_selector_gives_alone(portfolio, root, national):
    seen = selectors.overview(root=root, include_national=national)
    scope = {"root": root, "include_national": national}
    assert seen.programs == selectors.program_totals(**scope)
    assert seen.budget == selectors.budget_by_year_and_source(**scope)
    assert seen.kpis == selectors.kpi_progress(**scope)
    assert seen.milestones == selectors.milestone_schedule(**scope)
    assert seen.headline == selectors.headline(**scope)
    assert seen.headline.totals == selectors.portfolio_totals(**scope)


@pytest.mark.parametrize("n_programs", [10, 100, 1000])
def test_the_overview_takes_a_fixed_number_of_queries(django_assert_num_queries, n_programs):
    source = SourceFactory()
    root = ProgramFactory(kind=Program.Kind.PORTFOLIO)
    ProgramFactory(code="NAT", is_national_context=True)
    for index in range(n_programs):
        program = ProgramFactory(parent=root, total_cost=EOK, source=source)
        BudgetLineFactory(program=program, fiscal_year=2020 + index % 10, source=source)
        ExecutionFactory(program=program, source=source)
        ReadingFactory(indicator=IndicatorFactory(program=program, metric="firms"))
        MilestoneFactory(program=program)
    # programs, the ledger's four, indicators, readings, yearly targets, milestones
    with django_assert_num_queries(9):
        seen = selectors.overview()
    assert len(seen.programs) == n_programs + 1
    assert seen.headline.metrics["firms"].indicator_count == n_programs
    with django_assert_num_queries(9):
        selectors.overview(root=root.code)


def test_leaving_out_national_items_names_the_few_left_out(portfolio):
    """Without a root the scope filters other tables by the national ids it leaves out, not by
    every id it keeps; the rows are the same either way."""
    scope = selectors.load_scope(include_national=False)
    assert not scope.whole_table
    assert [node.code for node in scope.left_out] == ["NAT"]
    kept = set(scope.ids)
    for model in (BudgetLine, Execution, Indicator, Milestone):
        expected = {row.pk for row in model.objects.all() if row.program_id in kept}
        assert set(scope.rows(model).values_list("pk", flat=True)) == expected
    assert selectors.load_scope(include_national=True).left_out == ()


def test_milestone_rows_apply_the_models_rules(portfolio):
    today = D(2025, 6, 1)
    MilestoneFactory(planned_date=D(2025, 5, 1), actual_date=D(2025, 5, 20), status="done")
    MilestoneFactory(planned_date=D(2025, 7, 1), status="cancelled")
    with time_machine.travel(datetime.datetime(2025, 6, 1, 3, tzinfo=datetime.UTC)):
        rows = {row.id: row for row in selectors.milestone_schedule()}
    for milestone in Milestone.objects.all():
        row = rows[milestone.id]
        assert row.slippage_days == milestone.slippage_days(today)
        assert row.is_overdue == milestone.is_overdue(today)


def test_citations_load_the_sources_in_one_query(django_assert_num_queries):
    first = SourceFactory(key="S1", publisher="광주일보", published_on=D(2025, 10, 24), title="AI 2단계")
    second = SourceFactory(key="S2", publisher="뉴시스", published_on=D(2025, 10, 23))
    with django_assert_num_queries(1):
        found = selectors.citations([first.id, second.id, None, first.id])
    assert list(found) == [second.id, first.id]  # by date
    assert str(found[first.id]) == "광주일보, 2025-10-24, AI 2단계"
    with django_assert_num_queries(0):
        assert selectors.citations([None]) == {}


def test_the_gwangju_headline(gwangju):
    head = selectors.headline()
    assert head.totals.total_cost == 600_000_000_000  # the AX valley's ₩600 billion
    # No yearly split in the articles: unknown, not 0.
    assert (head.totals.budget, head.totals.planned) == (None, None)
    metrics = head.metrics
    assert (metrics["firms"].actual, metrics["jobs"].actual, metrics["gpus"].actual) == (160, 650, 2500)
    assert all(metrics[m].target is None for m in ("firms", "jobs", "gpus"))
    keys = {c.key for c in selectors.citations(metrics["gpus"].source_ids).values()}
    assert keys == {"S2"}
    kpis = selectors.kpi_progress(include_national=False)
    assert {kpi.status for kpi in kpis} == {KpiStatus.NO_TARGET}
    assert Decimal(160) in {kpi.actual for kpi in kpis}
