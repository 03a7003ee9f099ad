"""Chart geometry: bars stack to their year's total, KPIs come worst first, late milestones are
picked first and today sits where it should. Pure functions fed selector-shaped rows."""

import datetime
from decimal import Decimal

import pytest

from dashboard import charts
from portfolio.selectors import BudgetCell, KpiProgress, MilestoneRow
from portfolio.selectors.kpis import KpiStatus

D = datetime.date
EOK = 10**8


def cell(year, source, *, planned=0, budget=0, executed=0) -> BudgetCell:
    return BudgetCell(year, source, planned, budget, executed)


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (7, 2), (95, 50), (4_000 * EOK, 1_000 * EOK), (1_234 * EOK, 500 * EOK)]
)
def test_axis_steps_are_round(largest, step):
    assert charts.nice_step(largest) == step


def test_budget_bars_stack_the_funding_sources_to_the_years_total():
    chart = charts.budget_chart(
        [
            cell(2025, "national", budget=300 * EOK, executed=100 * EOK),
            cell(2025, "city", budget=100 * EOK),
            cell(2027, "private", planned=5 * EOK, budget=200 * EOK),
        ]
    )
    assert chart.basis == "budget"
    assert [bar.year for bar in chart.bars] == [2025, 2026, 2027]  # the empty year keeps its place
    first = chart.bars[0]
    assert first.total == 400 * EOK
    assert [s.funding_source for s in first.segments] == ["national", "city"]  # 국비 at the bottom
    # The segments sit on each other: the top of one is the bottom of the next.
    national, city = first.segments
    assert national.y + national.height == pytest.approx(charts.PLOT_BOTTOM)
    assert city.y + city.height == pytest.approx(national.y)
    assert city.height * 3 == pytest.approx(national.height)
    assert first.executed == 100 * EOK and first.executed_y > city.y
    assert chart.bars[1].segments == () and chart.bars[1].executed_y is None
    assert [t.value for t in chart.ticks] == [0, 100 * EOK, 200 * EOK, 300 * EOK, 400 * EOK]
    assert chart.ticks[-1].y <= city.y + 0.01  # the axis reaches the tallest bar
    assert chart.sources == (("national", "국비"), ("city", "시비"), ("private", "민자"))


def test_without_an_adopted_budget_the_plans_are_drawn_and_said_so():
    chart = charts.budget_chart([cell(2026, "national", planned=101_000 * EOK)])
    assert chart.basis == "planned"
    assert chart.bars[0].total == 101_000 * EOK
    assert chart.bars[0].width <= charts.BAR_MAX_WIDTH  # one year is a bar, not a slab


def test_no_money_is_no_chart():
    assert charts.budget_chart([]).is_empty
    assert charts.budget_chart([cell(2025, "city", executed=5)]).is_empty


def test_many_years_get_short_labels():
    chart = charts.budget_chart([cell(year, "city", budget=EOK) for year in range(2017, 2031)])
    assert [bar.label for bar in chart.bars][:2] == ["’17", "’18"]
    assert all(bar.x + bar.width <= charts.PLOT_RIGHT + 0.001 for bar in chart.bars)


def kpi(code, status, *, pct=None, expected=None, target=Decimal(100)) -> KpiProgress:
    return KpiProgress(
        indicator_id=hash(code) % 1000, code=code, program_id=1, program_code="P", name_ko=code, name_en="",
        metric="other", unit="건", unit_en="cases", baseline=Decimal(0), baseline_year=2020, target=target,
        target_year=2030, direction="increase", is_cumulative=True, weight=None, source_id=None, readings=(),
        pending=0, yearly_targets=(),
        actual=Decimal(10), achievement_pct=pct, expected=expected, status=status,
    )  # fmt: skip


def test_kpis_come_worst_first_and_the_status_bar_adds_up_to_the_whole():
    kpis = [
        kpi("a", KpiStatus.ACHIEVED, pct=Decimal(120)),
        kpi("b", KpiStatus.OFF_TRACK, pct=Decimal(10), expected=Decimal(50)),
        kpi("c", KpiStatus.NO_TARGET, target=None),
        kpi("d", KpiStatus.AT_RISK, pct=Decimal(42)),
        kpi("e", KpiStatus.OFF_TRACK, pct=Decimal(-5), expected=Decimal(30)),
    ]
    chart = charts.kpi_chart(kpis, shown=3)
    assert [row.kpi.code for row in chart.rows] == ["b", "e", "d"]
    assert (chart.total, chart.hidden) == (5, 2)
    assert [(c.status, c.count) for c in chart.counts] == [
        (KpiStatus.OFF_TRACK, 2),
        (KpiStatus.AT_RISK, 1),
        (KpiStatus.ACHIEVED, 1),
        (KpiStatus.NO_TARGET, 1),
    ]
    assert sum(c.width for c in chart.counts) == pytest.approx(100)
    assert chart.counts[1].x == pytest.approx(chart.counts[0].width)
    rows = {row.kpi.code: row for row in charts.kpi_chart(kpis).rows}
    assert (rows["a"].bar, rows["e"].bar, rows["c"].bar) == (100.0, 0.0, None)  # clamped; none without target
    assert rows["b"].expected == 50.0


TODAY = D(2026, 11, 24)


def milestone(number, planned, *, status="planned", actual=None, today=TODAY) -> MilestoneRow:
    open_ = status not in ("done", "cancelled")
    overdue = open_ and planned < today
    slip = max(0, (actual - planned).days) if actual else ((today - planned).days if overdue else None)
    return MilestoneRow(
        id=number, program_id=1, program_code="P", title_ko=f"일정 {number}", title_en="",
        planned_date=planned, actual_date=actual, date_precision="day", status=status, source_id=None,
        slippage_days=slip,
        is_overdue=overdue, is_due_soon=open_ and today <= planned <= today + datetime.timedelta(days=90),
    )  # fmt: skip


def test_the_timeline_marks_today_and_flags_late_milestones():
    today = TODAY
    rows = [
        milestone(1, D(2025, 8, 22), status="done", actual=D(2025, 8, 22)),
        milestone(2, D(2026, 3, 31), status="done", actual=D(2026, 5, 10)),
        milestone(3, D(2026, 6, 30)),  # open and past: late
        milestone(4, D(2026, 12, 31)),  # due within 90 days
        milestone(5, D(2030, 12, 31)),
        milestone(6, D(2027, 1, 1), status="cancelled"),
    ]
    line = charts.timeline(rows, today)
    states = {mark.row.id: mark.state for mark in line.marks}
    assert states == {1: "done", 2: "done_late", 3: "late", 4: "due_soon", 5: "open", 6: "cancelled"}
    assert (line.total, line.done, line.late, line.due_soon) == (6, 2, 1, 1)
    xs = {mark.row.id: mark.x for mark in line.marks}
    assert xs[3] < line.today_x < xs[4] < xs[5]
    assert line.marks[1].actual_x > line.marks[1].x  # done later than planned: the slip is drawn
    assert line.marks[0].actual_x is None
    assert line.ticks[0].year == 2025 and 0 < line.today_x < 100


def test_a_long_list_shows_the_late_ones_first_in_date_order():
    today = TODAY
    days = [D(2020, 1, 1) + datetime.timedelta(days=30 * n) for n in range(1, 30)]
    rows = [milestone(n, day, status="done", actual=day) for n, day in enumerate(days, start=1)]
    rows += [milestone(100, D(2026, 1, 31)), milestone(101, D(2023, 5, 31)), milestone(102, D(2027, 6, 30))]
    line = charts.timeline(rows, today, shown=5)
    picked = [mark.row.id for mark in line.marks]
    assert {100, 101, 102} <= set(picked)
    assert len(picked) == 5 and line.hidden == len(rows) - 5
    assert [mark.row.planned_date for mark in line.marks] == sorted(
        mark.row.planned_date for mark in line.marks
    )


def test_no_milestones_is_no_timeline():
    line = charts.timeline([], D(2026, 11, 24))
    assert (line.total, line.marks) == (0, ())
