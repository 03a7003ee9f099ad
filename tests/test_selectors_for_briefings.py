"""The selectors added for the briefing feed: sums by year and by source, scope-reusing variants,
metric totals, the national context, sources behind figures, changes since a day, and alerts."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from portfolio import selectors
from portfolio.models import BudgetLine, BudgetStage, Execution, Milestone, Program
from portfolio.selectors import AlertKind, KpiStatus
from portfolio.services import record_reading, set_budget_line, sync
from tests.factories import (
    BudgetLineFactory,
    ExecutionFactory,
    IndicatorFactory,
    MilestoneFactory,
    ProgramFactory,
    ReadingFactory,
    SourceFactory,
    approve,
)

pytestmark = pytest.mark.django_db

EOK = 10**8
SEOUL = datetime.timezone(datetime.timedelta(hours=9))


def at(*day_and_hour):
    return time_machine.travel(datetime.datetime(*day_and_hour, tzinfo=SEOUL), tick=False)


@pytest.fixture
def two_programs():
    a = ProgramFactory(code="A")
    b = ProgramFactory(code="B")
    for program, year, source, stage, eok in [
        (a, 2025, "national", BudgetStage.ORIGINAL, 80),
        (a, 2025, "national", BudgetStage.SUPPLEMENTARY, 90),
        (a, 2026, "city", BudgetStage.PLAN, 30),
        (b, 2025, "city", BudgetStage.ORIGINAL, 10),
    ]:
        BudgetLineFactory(
            program=program, fiscal_year=year, funding_source=source, stage=stage, amount=eok * EOK
        )
    ExecutionFactory(
        program=a, executed_on=datetime.date(2025, 5, 1), funding_source="national", amount=45 * EOK
    )
    ExecutionFactory(program=b, executed_on=datetime.date(2025, 6, 1), funding_source="city", amount=5 * EOK)
    return a, b


def test_budget_cells_add_up_by_source_and_by_year(two_programs):
    cells = selectors.budget_by_year_and_source()
    by_source = {
        s.key: (s.planned, s.budget, s.executed) for s in selectors.sum_cells(cells, by="funding_source")
    }
    assert by_source == {"national": (None, 90 * EOK, 45 * EOK), "city": (30 * EOK, 10 * EOK, 5 * EOK)}
    assert list(by_source) == ["national", "city"]  # the funding sources' own order
    sums = {s.key: s for s in selectors.sum_cells(cells, by="funding_source")}
    assert sums["national"].execution_rate == Decimal("50.0")  # 2025 only: one year's rate
    assert sums["city"].execution_rate is None  # 2025 and 2026 added up: no rate over summed years
    by_year = selectors.sum_cells(cells, by="fiscal_year")
    assert [(s.key, s.budget, s.executed) for s in by_year] == [
        (2025, 100 * EOK, 50 * EOK),
        (2026, None, None),
    ]
    assert by_year[0].execution_rate == Decimal("50.0")
    with pytest.raises(ValueError, match="stage"):
        selectors.sum_cells(cells, by="stage")


def test_the_scope_variants_give_what_the_plain_selectors_give(two_programs, django_assert_num_queries):
    scope = selectors.load_scope()
    with django_assert_num_queries(4):
        cells = selectors.budget_for_scope(scope)
    assert cells == selectors.budget_by_year_and_source()
    assert selectors.portfolio_totals_for_scope(scope) == selectors.portfolio_totals()
    book = selectors.ledger_for_scope(scope)
    with django_assert_num_queries(0):
        totals = selectors.totals_for_scope(scope, fiscal_year=2025, book=book)
        assert selectors.budget_for_scope(scope, book=book) == cells
    with django_assert_num_queries(0):
        assert selectors.portfolio_totals_for_scope(scope, totals).budget == 100 * EOK
    kpis = selectors.progress_for_scope(scope)
    with django_assert_num_queries(1):
        check = selectors.check_for_scope(scope, kpis)
    assert check == selectors.firm_check()


def test_metric_total_adds_up_the_actuals_of_one_metric():
    program = ProgramFactory()
    for metric, value in [("gpus", 2500), ("gpus", 500), ("jobs", 650)]:
        ReadingFactory(indicator=IndicatorFactory(program=program, metric=metric), value=value)
    IndicatorFactory(program=program, metric="firms")  # no reading: not a zero
    kpis = selectors.kpi_progress()
    assert selectors.metric_total(kpis, "gpus") == Decimal(3000)
    assert selectors.metric_total(kpis, "jobs") == Decimal(650)
    assert selectors.metric_total(kpis, "firms") is None


def test_the_national_context_is_kept_apart(gwangju):
    national = selectors.national_context(fiscal_year=2026)
    assert national.totals.planned == 10_100_000_000_000
    assert selectors.national_context(fiscal_year=2025).totals.planned is None
    assert [item.program.code for item in national.programs] == [
        "NATIONAL-AI",
        "NAT-AI-BUDGET-2026",
        "NAT-GPU-2030",
        "JEONNAM-AICC",
    ]
    assert {kpi.code for kpi in national.kpis} == {"NAT-GPUS-2030", "JEONNAM-GPUS"}


def test_money_sources_cover_the_subtree(two_programs):
    a, b = two_programs
    s1, s2, s3 = SourceFactory(key="S1"), SourceFactory(key="S2"), SourceFactory(key="S3")
    root = ProgramFactory(code="ROOT", source=s1)
    Program.objects.filter(pk__in=[a.pk, b.pk]).update(parent=root)
    BudgetLineFactory(program=a, fiscal_year=2027, source=s2)
    ExecutionFactory(program=b, source=s3)
    scope = selectors.load_scope()
    sources = selectors.money_sources(scope)
    by_code = {node.code: sources[node.id] for node in scope.nodes}
    assert by_code == {"ROOT": {s1.id, s2.id, s3.id}, "A": {s2.id}, "B": {s3.id}}
    assert selectors.money_sources(scope, book=selectors.ledger_for_scope(scope)) == sources
    assert selectors.citations()[s1.id].text == "테스트 신문, 2025-01-01, " + s1.title


def test_budget_cells_know_the_sources_of_each_figure_and_the_sums_gather_them(
    two_programs, django_assert_num_queries
):
    a, _ = two_programs
    plan, adopted, spent, other = (SourceFactory(key=key) for key in ("S1", "S2", "S3", "S4"))
    BudgetLine.objects.filter(program=a, fiscal_year=2026).update(source=plan)
    # The supplementary line is the adopted budget; the original it replaced no longer counts.
    BudgetLine.objects.filter(program=a, stage=BudgetStage.SUPPLEMENTARY).update(source=adopted)
    BudgetLine.objects.filter(program=a, stage=BudgetStage.ORIGINAL).update(source=other)
    Execution.objects.filter(program=a).update(source=spent)
    ExecutionFactory(program=a, executed_on=datetime.date(2025, 7, 1), funding_source="national", amount=EOK)
    scope = selectors.load_scope()
    with django_assert_num_queries(4):  # the sources come with the ledger's sums
        cells = selectors.budget_for_scope(scope)
    by_key = {(c.fiscal_year, c.funding_source): c for c in cells}

    national_2025 = by_key[(2025, "national")]
    assert (national_2025.budget, national_2025.executed) == (90 * EOK, 46 * EOK)  # sums unchanged
    assert national_2025.planned_sources == frozenset()
    # The ledger shows 본예산 beside the adopted 추경, so the original's source is cited too.
    assert national_2025.budget_sources == {adopted.id, other.id}
    assert national_2025.executed_sources == {spent.id}  # the uncited execution adds none
    assert national_2025.execution_rate_sources == {adopted.id, other.id, spent.id}
    assert by_key[(2026, "city")].planned_sources == {plan.id}
    assert by_key[(2026, "city")].budget_sources == frozenset()
    assert by_key[(2025, "city")].budget_sources == frozenset()  # B's lines cite nothing

    by_year = {s.key: s for s in selectors.sum_cells(cells, by="fiscal_year")}
    assert by_year[2025].budget_sources == {adopted.id, other.id}
    assert by_year[2025].executed_sources == {spent.id}
    assert by_year[2026].planned_sources == {plan.id}
    by_source = {s.key: s for s in selectors.sum_cells(cells, by="funding_source")}
    assert by_source["city"].planned_sources == {plan.id}
    assert by_source["national"].execution_rate_sources == {adopted.id, other.id, spent.id}


def test_changes_since_a_day_come_from_the_history():
    with at(2025, 10, 1, 9):
        program = ProgramFactory(code="P", status=Program.Status.APPROVED)
        indicator = IndicatorFactory(program=program, code="K")
        milestone = MilestoneFactory(program=program)
        set_budget_line(program=program, fiscal_year=2026, funding_source="city", stage=2, amount=10 * EOK)
    with at(2025, 11, 3, 10):
        sync(Program, lookup={"code": "P"}, status=Program.Status.RUNNING)
        set_budget_line(program=program, fiscal_year=2026, funding_source="city", stage=2, amount=12 * EOK)
        set_budget_line(program=program, fiscal_year=2027, funding_source="city", stage=1, amount=3 * EOK)
        reading, _ = record_reading(indicator=indicator, period=datetime.date(2025, 9, 30), value=Decimal(7))
        milestone.status = Milestone.Status.DELAYED
        milestone.save()
    with at(2025, 11, 4, 10):
        program.budget_lines.get(fiscal_year=2027).delete()
        approve(reading)  # entered on the 3rd, it changes the figures on the 4th

    changes = selectors.changes_since(since=datetime.date(2025, 11, 1))
    assert [(c.subject, c.program_code, c.old, c.new) for c in changes.status_changes] == [
        ("program", "P", "approved", "running"),
        ("milestone", "P", "planned", "delayed"),
    ]
    assert [(c.fiscal_year, c.old, c.new) for c in changes.budget_changes] == [
        (2027, 3 * EOK, None),  # removed on the 4th: newest first
        (2027, None, 3 * EOK),  # added on the 3rd, after 2026 was raised
        (2026, 10 * EOK, 12 * EOK),
    ]
    assert [(r.indicator_code, r.period, r.value) for r in changes.new_readings] == [
        ("K", datetime.date(2025, 9, 30), Decimal(7))
    ]
    # Up to the end of the 3rd only, and nothing before the period counts.
    until_3rd = selectors.changes_since(since=datetime.date(2025, 11, 3), as_of=datetime.date(2025, 11, 3))
    assert len(until_3rd.budget_changes) == 2
    assert until_3rd.new_readings == []  # entered, not yet approved
    assert selectors.changes_since(since=datetime.date(2025, 11, 5)).status_changes == []
    created = selectors.changes_since(since=datetime.date(2025, 10, 1), as_of=datetime.date(2025, 10, 1))
    assert [(c.old, c.new) for c in created.status_changes] == [(None, "approved")]


def test_alerts_for_kpis_milestones_and_slow_spending():
    with at(2025, 12, 1, 9):
        program = ProgramFactory(code="SLOW", status=Program.Status.RUNNING)
        BudgetLineFactory(program=program, amount=100 * EOK)
        ExecutionFactory(program=program, amount=20 * EOK)
        behind = IndicatorFactory(
            program=program, code="BEHIND", baseline_year=2020, target=100, target_year=2025
        )
        ReadingFactory(indicator=behind, period=datetime.date(2025, 6, 30), value=10)
        MilestoneFactory(program=program, planned_date=datetime.date(2025, 11, 1))
        found = selectors.alerts(
            kpis=selectors.kpi_progress(),
            milestones=selectors.milestone_schedule(),
            programs=selectors.program_totals(),
        )
    assert [(a.kind, a.severity, a.subject) for a in found] == [
        (AlertKind.KPI_OFF_TRACK, "high", "BEHIND"),
        (AlertKind.MILESTONE_OVERDUE, "high", str(Milestone.objects.get().id)),
        (AlertKind.LOW_EXECUTION, "medium", "SLOW"),
    ]
    assert found[1].days_late == 30
    assert found[2].value == Decimal("20.0")
    assert selectors.kpi_progress()[0].status == KpiStatus.OFF_TRACK
    assert (found[2].expected, found[2].fiscal_year) == (Decimal("93.5"), 2025)  # 60 % + 40 % × 154/184


def test_the_expected_execution_rate_follows_the_curve_of_targets_by_date():
    def expected(month, day, **kwargs):
        return selectors.expected_execution_rate(datetime.date(2025, month, day), **kwargs)

    assert expected(1, 1) == Decimal("0.0")
    assert expected(3, 31) == Decimal("29.7")  # 60 % × 89/180 days
    assert expected(6, 30) == Decimal("60.0")  # the 신속집행 target
    assert expected(10, 31) == Decimal("86.7")  # 60 % + 40 % × 123/184
    assert expected(12, 31) == Decimal("100.0")
    # A year already over is held to the last target, a year not begun to nothing.
    assert expected(3, 31, fiscal_year=2024) == Decimal(100)
    assert expected(3, 31, fiscal_year=2026) == Decimal(0)
    assert expected(3, 31, targets=[(3, 31, 25), (12, 31, 100)]) == Decimal("25.0")
    assert expected(12, 31, targets=[(6, 30, 50)]) == Decimal(50)  # flat after the last point


@pytest.mark.parametrize(("month", "day", "alarms"), [(3, 31, False), (10, 31, True)])
def test_a_twenty_percent_rate_alarms_on_31_october_but_not_on_31_march(month, day, alarms):
    program = ProgramFactory(code="P", status=Program.Status.RUNNING)
    BudgetLineFactory(program=program, fiscal_year=2025, amount=100 * EOK)
    ExecutionFactory(program=program, executed_on=datetime.date(2025, 3, 2), amount=20 * EOK)
    found = selectors.alerts(
        kpis=[],
        milestones=[],
        programs=selectors.program_totals(fiscal_year=2025),
        today=datetime.date(2025, month, day),
    )
    # The curve expects 29.7 % on 31 March and 86.7 % on 31 October; an alert leaves 10 points of
    # slack (settings.EXECUTION_RATE_ALERT_MARGIN), and none with no slack at all flags March too.
    assert [(a.kind, a.value) for a in found] == (
        [(AlertKind.LOW_EXECUTION, Decimal("20.0"))] if alarms else []
    )
    strict = selectors.alerts(
        kpis=[],
        milestones=[],
        programs=selectors.program_totals(fiscal_year=2025),
        today=datetime.date(2025, month, day),
        margin=0,
    )
    assert [a.expected for a in strict] == [Decimal("29.7") if month == 3 else Decimal("86.7")]


def test_the_curve_of_targets_is_read_from_the_environment_and_refused_when_wrong(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings import env_rate_targets

    monkeypatch.setenv("TARGETS", "03-31:25, 06-30:60,12-31:100")
    assert env_rate_targets("TARGETS", "06-30:60") == ((3, 31, 25), (6, 30, 60), (12, 31, 100))
    monkeypatch.delenv("TARGETS")
    assert env_rate_targets("TARGETS", "06-30:60,12-31:100") == ((6, 30, 60), (12, 31, 100))
    for wrong in ("06-30", "06-31:60", "02-29:10", "06-30:101", "12-31:100,06-30:60", "06-30:60,12-31:50"):
        monkeypatch.setenv("TARGETS", wrong)
        with pytest.raises(ImproperlyConfigured, match="TARGETS"):
            env_rate_targets("TARGETS", "06-30:60")


def test_changes_list_adjustments_and_closes_made_and_reopened():
    from portfolio import closing
    from portfolio.models import AdjustmentKind, BudgetAdjustment
    from tests import ledger_data

    with at(2026, 12, 1, 9):
        program = ledger_data.worked_example()  # 예비비 2억, 전용 −1억, 사고이월 5억 in 2026
    with at(2026, 12, 10, 10):
        reserve = BudgetAdjustment.objects.get(program=program, kind=AdjustmentKind.RESERVE)
        reserve.amount = 3 * EOK
        reserve.full_clean()
        reserve.save()
    with at(2027, 2, 20, 10):
        close = closing.close_year(
            program=program,
            fiscal_year=2026,
            funding_source="national",
            carried_out_accident=6 * EOK,
            carried_out_explicit=20 * EOK,
        )
    with at(2027, 2, 25, 10):
        closing.reopen_year(close=close, user=None, reason="반납 누락")

    changes = selectors.changes_since(since=datetime.date(2026, 12, 5), as_of=datetime.date(2027, 3, 1))
    assert [
        (c.at.date(), c.fiscal_year, c.funding_source, c.kind, c.old, c.new, c.by_close)
        for c in changes.adjustment_changes
    ] == [  # newest first; the reopening took the close's carry-ins away again
        (datetime.date(2027, 2, 25), 2027, "national", AdjustmentKind.CARRIED_ACCIDENT, 6 * EOK, None, True),
        (datetime.date(2027, 2, 25), 2027, "national", AdjustmentKind.CARRIED_EXPLICIT, 20 * EOK, None, True),
        (datetime.date(2027, 2, 20), 2027, "national", AdjustmentKind.CARRIED_ACCIDENT, None, 6 * EOK, True),
        (datetime.date(2027, 2, 20), 2027, "national", AdjustmentKind.CARRIED_EXPLICIT, None, 20 * EOK, True),
        (datetime.date(2026, 12, 10), 2026, "national", AdjustmentKind.RESERVE, 2 * EOK, 3 * EOK, False),
    ]
    assert changes.adjustment_changes[-1].basis == "시의회 의결"
    assert [
        (c.at.date(), c.program_code, c.fiscal_year, c.action, c.carried_out_explicit, c.carried_out_accident)
        for c in changes.close_changes
    ] == [
        (datetime.date(2027, 2, 25), "P", 2026, "reopened", 20 * EOK, 6 * EOK),
        (datetime.date(2027, 2, 20), "P", 2026, "closed", 20 * EOK, 6 * EOK),
    ]
    assert [c.reason for c in changes.close_changes] == ["반납 누락", ""]
    # Only the period counts: the day of the close alone, and a quiet stretch after it.
    close_day = selectors.changes_since(since=datetime.date(2027, 2, 20), as_of=datetime.date(2027, 2, 20))
    assert [c.action for c in close_day.close_changes] == ["closed"]
    assert [c.new for c in close_day.adjustment_changes] == [6 * EOK, 20 * EOK]
    quiet = selectors.changes_since(since=datetime.date(2027, 2, 21), as_of=datetime.date(2027, 2, 24))
    assert (quiet.adjustment_changes, quiet.close_changes) == ([], [])
    # A program outside the scope brings nothing.
    with at(2027, 2, 26, 10):
        other = ProgramFactory(code="OTHER")
    elsewhere = selectors.changes_since(since=datetime.date(2026, 12, 5), root=other.code)
    assert (elsewhere.adjustment_changes, elsewhere.close_changes) == ([], [])
