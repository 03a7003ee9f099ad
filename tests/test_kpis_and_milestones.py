"""KPI progress (cumulative vs per-period, % achieved, on-track status) and milestone slippage."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from portfolio import selectors
from portfolio.models import Milestone
from portfolio.selectors.kpis import KpiStatus, Reading, assess
from tests.factories import IndicatorFactory, MilestoneFactory, ProgramFactory, ReadingFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def indicator(**overrides) -> dict:
    return {
        "is_cumulative": True,
        "baseline": Decimal(0),
        "baseline_year": 2020,
        "target": Decimal(100),
        "target_year": 2030,
        "direction": "increase",
    } | overrides


def one(value) -> list[Reading]:
    return [Reading(D(2025, 6, 30), Decimal(value), None)]


# Halfway along the line from 2020-12-31 (0) to 2030-12-31 (100), the line expects 50.
HALFWAY = D(2025, 12, 31)


@pytest.mark.parametrize(
    ("actual", "status"),
    [
        (100, KpiStatus.ACHIEVED),
        (60, KpiStatus.ON_TRACK),
        (50, KpiStatus.ON_TRACK),
        (45, KpiStatus.AT_RISK),  # 90 % of the expected progress
        (40, KpiStatus.AT_RISK),  # exactly 80 %
        (30, KpiStatus.OFF_TRACK),
    ],
)
def test_status_follows_the_straight_line_to_the_target(actual, status):
    result = assess(indicator(), one(actual), HALFWAY)
    assert result["status"] == status
    assert result["expected"] == Decimal("50.0000") or status == KpiStatus.ACHIEVED


def test_a_target_year_gone_by_without_the_target_is_off_track():
    assert assess(indicator(), one(90), D(2031, 1, 1))["status"] == KpiStatus.OFF_TRACK


def test_lower_is_better_indicators_run_the_line_downwards():
    decreasing = indicator(baseline=Decimal(100), target=Decimal(0), direction="decrease")
    assert assess(decreasing, one(40), HALFWAY)["status"] == KpiStatus.ON_TRACK
    assert assess(decreasing, one(70), HALFWAY)["status"] == KpiStatus.OFF_TRACK
    assert assess(decreasing, one(0), HALFWAY)["status"] == KpiStatus.ACHIEVED


def test_achievement_is_measured_from_the_baseline():
    result = assess(indicator(baseline=Decimal(20), target=Decimal(120)), one(70), HALFWAY)
    assert result["achievement_pct"] == Decimal("50.0")


def test_without_a_target_or_readings_there_is_no_status():
    assert (
        assess(indicator(target=None, target_year=None), one(160), HALFWAY)["status"] == KpiStatus.NO_TARGET
    )
    assert assess(indicator(), [], HALFWAY) == {
        "actual": None,
        "achievement_pct": None,
        "expected": None,
        "status": KpiStatus.NO_DATA,
    }


def test_without_a_baseline_the_line_starts_at_the_first_reading():
    readings = [Reading(D(2025, 12, 31), Decimal(10), None), Reading(D(2027, 12, 31), Decimal(20), None)]
    # From (2025-12-31, 10) to (2030-12-31, 110): on 2027-12-31 the line expects 50.
    result = assess(
        indicator(baseline=None, baseline_year=None, target=Decimal(110)), readings, D(2027, 12, 31)
    )
    assert result["expected"] == pytest.approx(Decimal(50), abs=Decimal("0.1"))
    assert result["status"] == KpiStatus.OFF_TRACK


@time_machine.travel(datetime.datetime(2025, 12, 31, 12, tzinfo=datetime.UTC))
def test_cumulative_indicators_take_the_latest_reading_and_others_the_sum():
    running = IndicatorFactory(code="RUNNING", is_cumulative=True)
    per_year = IndicatorFactory(code="PER-YEAR", is_cumulative=False)
    for indicator_row in (running, per_year):
        for year, value in [(2023, 10), (2024, 30), (2025, 60)]:
            ReadingFactory(indicator=indicator_row, period=D(year, 12, 31), value=value)
    kpis = {kpi.code: kpi for kpi in selectors.kpi_progress()}
    assert kpis["RUNNING"].actual == Decimal(60)
    assert kpis["RUNNING"].status == KpiStatus.ON_TRACK
    assert kpis["RUNNING"].latest_period == D(2025, 12, 31)
    assert [r.value for r in kpis["RUNNING"].readings] == [10, 30, 60]
    assert kpis["PER-YEAR"].actual == Decimal(100)
    assert kpis["PER-YEAR"].status == KpiStatus.ACHIEVED


def test_month_and_year_precision_dates_mean_the_end_of_the_period():
    milestone = Milestone(
        program=ProgramFactory(),
        title_ko="착수",
        planned_date=D(2026, 3, 15),
        date_precision=Milestone.Precision.YEAR,
    )
    milestone.full_clean()
    assert milestone.planned_date == D(2026, 12, 31)
    milestone.date_precision = Milestone.Precision.MONTH
    milestone.planned_date = D(2024, 2, 3)
    milestone.full_clean()
    assert milestone.planned_date == D(2024, 2, 29)


def test_slippage_counts_days_late():
    done_late = MilestoneFactory.build(planned_date=D(2025, 1, 10), actual_date=D(2025, 1, 25), status="done")
    done_early = MilestoneFactory.build(planned_date=D(2025, 1, 10), actual_date=D(2025, 1, 5), status="done")
    open_late = MilestoneFactory.build(planned_date=D(2025, 1, 10))
    not_due = MilestoneFactory.build(planned_date=D(2025, 3, 1))
    today = D(2025, 2, 1)
    assert done_late.slippage_days(today) == 15
    assert done_early.slippage_days(today) == 0
    assert open_late.slippage_days(today) == 22
    assert open_late.is_overdue(today)
    assert not_due.slippage_days(today) is None
    assert not not_due.is_overdue(today)


@time_machine.travel(datetime.datetime(2025, 2, 1, 3, tzinfo=datetime.UTC))
def test_schedule_flags_overdue_and_due_soon():
    program = ProgramFactory(code="MS")
    MilestoneFactory(program=program, title_ko="늦음", planned_date=D(2025, 1, 10))
    MilestoneFactory(program=program, title_ko="곧", planned_date=D(2025, 4, 1))
    MilestoneFactory(program=program, title_ko="나중", planned_date=D(2025, 12, 1))
    MilestoneFactory(
        program=program, title_ko="끝", planned_date=D(2025, 1, 5), actual_date=D(2025, 1, 6), status="done"
    )
    rows = {row.title_ko: row for row in selectors.milestone_schedule()}
    assert (rows["늦음"].is_overdue, rows["늦음"].slippage_days) == (True, 22)
    assert (rows["곧"].is_due_soon, rows["곧"].is_overdue) == (True, False)
    assert rows["나중"].is_due_soon is False
    assert (rows["끝"].is_overdue, rows["끝"].slippage_days) == (False, 1)
    assert list(Milestone.objects.overdue(D(2025, 2, 1)).values_list("title_ko", flat=True)) == ["늦음"]
    assert list(Milestone.objects.due_within(90, D(2025, 2, 1)).values_list("title_ko", flat=True)) == ["곧"]
