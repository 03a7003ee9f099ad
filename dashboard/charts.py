"""Geometry of the dashboard's charts, worked out on the server and drawn as inline SVG by the
templates: no JavaScript, nothing to download, and they print as sharply as the text.

Horizontal positions are percentages of the chart's width, so one drawing fits a phone and an
A4 page; heights are fixed pixels, so labels keep a readable size. The functions here only lay
out figures handed to them by `portfolio.selectors`; they never compute a total of their own
beyond adding up the bars they draw.
"""

import datetime
import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from portfolio.models import FundingSource
from portfolio.selectors import BudgetCell, KpiProgress, KpiStatus, MilestoneRow, overdue

# --- Budget by fiscal year, stacked by funding source ---------------------------------------

PLOT_LEFT, PLOT_RIGHT = 15.0, 99.0  # % of the width; the y-axis labels sit left of PLOT_LEFT
PLOT_TOP, PLOT_BOTTOM = 14, 196  # px
BUDGET_CHART_HEIGHT = 222
BAR_SHARE = 0.62  # of each year's slot
BAR_MAX_WIDTH = 9.0  # % of the width, so one or two years do not become slabs
SHORT_YEAR_AFTER = 8  # more years than this: label them '26 instead of 2026


@dataclass(frozen=True)
class Segment:
    funding_source: str
    label: str
    amount: int
    y: float
    height: float


@dataclass(frozen=True)
class YearBar:
    year: int
    label: str
    x: float  # left edge, % of width
    width: float  # % of width
    centre: float
    total: int
    executed: int
    executed_y: float | None  # where the executed tick sits; None when nothing was executed
    segments: tuple[Segment, ...]
    chosen: bool = False  # the fiscal year the page's tiles and rates are for

    @property
    def right(self) -> float:
        return round(self.x + self.width, 3)


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class BudgetChart:
    basis: str  # "budget" (adopted), "planned" (no adopted budget yet, plans only) or "" (no money)
    bars: tuple[YearBar, ...]
    ticks: tuple[Tick, ...]
    sources: tuple[tuple[str, str], ...]  # (funding source, label) present, in legend order
    height: int = BUDGET_CHART_HEIGHT
    plot_left: float = PLOT_LEFT
    plot_right: float = PLOT_RIGHT
    plot_bottom: int = PLOT_BOTTOM

    @property
    def is_empty(self) -> bool:
        return not self.bars

    @property
    def label_x(self) -> float:
        """Where the y-axis labels end, just left of the plot."""
        return self.plot_left - 1

    @property
    def year_label_y(self) -> int:
        return self.height - 8


def nice_step(largest: float, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 × 10^k won) that covers `largest` in about `ticks` steps."""
    if largest <= 0:
        return 1
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return int(multiple * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def budget_chart(cells: list[BudgetCell], chosen: int | None = None) -> BudgetChart:
    """예산현액 per fiscal year stacked by funding source, with a tick for that year's 지출액, the
    `chosen` fiscal year marked. Without any budget, the plans are drawn instead (and said so)."""
    basis = "budget" if any(c.budget for c in cells) else "planned" if any(c.planned for c in cells) else ""
    if not basis:
        return BudgetChart("", (), (), ())
    amount_of = (lambda c: c.budget) if basis == "budget" else (lambda c: c.planned)
    by_year: dict[int, dict[str, int]] = {}
    executed: Counter[int] = Counter()
    for cell in cells:
        by_year.setdefault(cell.fiscal_year, {})
        if amount_of(cell):
            by_year[cell.fiscal_year][cell.funding_source] = amount_of(cell)
        executed[cell.fiscal_year] += cell.executed or 0  # no tick where nothing was paid or entered
    years = list(range(min(by_year), max(by_year) + 1))  # gaps shown as empty years
    totals = {year: sum(by_year.get(year, {}).values()) for year in years}
    step = nice_step(max(max(totals.values()), max(executed.values(), default=0)))
    top = step * math.ceil(max(max(totals.values()), max(executed.values(), default=0)) / step)
    plot_height = PLOT_BOTTOM - PLOT_TOP

    def y_of(amount: int) -> float:
        return round(PLOT_BOTTOM - plot_height * amount / top, 2)

    slot = (PLOT_RIGHT - PLOT_LEFT) / len(years)
    order = list(FundingSource.values)
    bars = []
    for index, year in enumerate(years):
        width = min(slot * BAR_SHARE, BAR_MAX_WIDTH)
        x = PLOT_LEFT + slot * index + (slot - width) / 2
        base = 0
        segments = []
        for source in order:
            amount = by_year.get(year, {}).get(source, 0)
            if not amount:
                continue
            segments.append(
                Segment(
                    source,
                    str(FundingSource(source).label),
                    amount,
                    y=y_of(base + amount),
                    height=round(plot_height * amount / top, 2),
                )
            )
            base += amount
        label = str(year) if len(years) <= SHORT_YEAR_AFTER else f"’{year % 100:02d}"
        bars.append(
            YearBar(
                year=year,
                label=label,
                x=round(x, 3),
                width=round(width, 3),
                centre=round(x + width / 2, 3),
                total=totals[year],
                executed=executed[year],
                executed_y=y_of(executed[year]) if executed[year] else None,
                segments=tuple(segments),
                chosen=year == chosen,
            )
        )
    ticks = tuple(Tick(value, y_of(value)) for value in range(0, top + 1, step))
    present = {segment.funding_source for bar in bars for segment in bar.segments}
    sources = tuple((s, str(FundingSource(s).label)) for s in order if s in present)
    return BudgetChart(basis, tuple(bars), ticks, sources)


# --- KPI progress against target ------------------------------------------------------------

KPI_ROWS_SHOWN = 12
# Worst first, so a long list still shows what needs attention.
STATUS_ORDER = [
    KpiStatus.OFF_TRACK,
    KpiStatus.AT_RISK,
    KpiStatus.ON_TRACK,
    KpiStatus.ACHIEVED,
    KpiStatus.NO_TARGET,
    KpiStatus.NO_DATA,
]


@dataclass(frozen=True)
class KpiRow:
    kpi: KpiProgress
    bar: float | None  # % of the track filled: achievement capped to 0–100; None without a target
    expected: float | None  # where the straight line says the KPI should be today, same scale


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int
    x: float  # % of the summary bar
    width: float


@dataclass(frozen=True)
class KpiChart:
    rows: tuple[KpiRow, ...]
    counts: tuple[StatusCount, ...]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.rows)


def _clamp(value: Decimal | float) -> float:
    return round(max(0.0, min(100.0, float(value))), 2)


def kpi_row(kpi: KpiProgress) -> KpiRow:
    bar = _clamp(kpi.achievement_pct) if kpi.achievement_pct is not None else None
    expected = None
    base = kpi.baseline if kpi.baseline is not None else Decimal(0)
    if kpi.expected is not None and kpi.target is not None and kpi.target != base:
        expected = _clamp((kpi.expected - base) * 100 / (kpi.target - base))
    return KpiRow(kpi, bar, expected)


def kpi_chart(kpis: list[KpiProgress], *, shown: int = KPI_ROWS_SHOWN) -> KpiChart:
    """The KPIs worst first (tree order within a status), at most `shown` of them, and how many
    KPIs stand at each status as a 100 % bar."""
    rank = {status: index for index, status in enumerate(STATUS_ORDER)}
    ordered = sorted(kpis, key=lambda kpi: rank[kpi.status])  # stable: keeps tree order
    tally = Counter(kpi.status for kpi in kpis)
    counts, x = [], 0.0
    for status in STATUS_ORDER:
        if tally[status]:
            width = 100 * tally[status] / len(kpis)
            counts.append(
                StatusCount(status, str(KpiStatus(status).label), tally[status], round(x, 3), round(width, 3))
            )
            x += width
    return KpiChart(tuple(kpi_row(kpi) for kpi in ordered[:shown]), tuple(counts), len(kpis))


# --- Milestone timeline ---------------------------------------------------------------------

MILESTONES_SHOWN = 14
MAX_YEAR_LABELS = 8


@dataclass(frozen=True)
class MilestoneMark:
    row: MilestoneRow
    x: float  # planned date, % of the track
    actual_x: float | None  # when done on another day than planned
    state: str  # late, done_late, done, due_soon, open, cancelled


@dataclass(frozen=True)
class YearTick:
    year: int
    x: float


@dataclass(frozen=True)
class Timeline:
    marks: tuple[MilestoneMark, ...]
    ticks: tuple[YearTick, ...]
    today: datetime.date
    today_x: float
    total: int
    late: int
    due_soon: int
    done: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.marks)


def milestone_state(row: MilestoneRow) -> str:
    if row.status == "cancelled":
        return "cancelled"
    if row.is_overdue:
        return "late"
    if row.status == "done":
        return "done_late" if row.slippage_days else "done"
    if row.is_due_soon:
        return "due_soon"
    return "open"


def pick_milestones(rows: list[MilestoneRow], today: datetime.date, shown: int) -> list[MilestoneRow]:
    """All of them when few; otherwise the late ones first (longest late first), then the next
    ones due, then the most recently done, drawn in date order."""
    if len(rows) <= shown:
        return rows
    late = overdue(rows)
    upcoming = [
        row for row in rows if row.status != "cancelled" and not row.is_overdue and row.planned_date >= today
    ]
    done = sorted(
        (row for row in rows if row.status == "done"), key=lambda row: row.actual_date or row.planned_date
    )
    chosen: dict[int, MilestoneRow] = {}
    for group in (late, upcoming, list(reversed(done))):
        for row in group:
            if len(chosen) == shown:
                break
            chosen.setdefault(row.id, row)
    return sorted(chosen.values(), key=lambda row: (row.planned_date, row.id))


def timeline(rows: list[MilestoneRow], today: datetime.date, *, shown: int = MILESTONES_SHOWN) -> Timeline:
    """Milestones on a time axis from the first year to the last (today included), with today
    marked; late ones are flagged by state."""
    picked = pick_milestones(rows, today, shown)
    states = Counter(milestone_state(row) for row in rows)
    if not picked:
        return Timeline((), (), today, 50.0, 0, 0, 0, 0)
    dates = (
        [today]
        + [row.planned_date for row in picked]
        + [row.actual_date for row in picked if row.actual_date]
    )
    start = datetime.date(min(dates).year, 1, 1)
    end = datetime.date(max(dates).year + 1, 1, 1)
    span = (end - start).days

    def x_of(day: datetime.date) -> float:
        # Keep marks off the very edges so a dot at 1 January is drawn whole.
        return round(1.5 + 97 * (day - start).days / span, 3)

    marks = tuple(
        MilestoneMark(
            row=row,
            x=x_of(row.planned_date),
            actual_x=x_of(row.actual_date)
            if row.actual_date and row.actual_date != row.planned_date
            else None,
            state=milestone_state(row),
        )
        for row in picked
    )
    years = list(range(start.year, end.year))
    every = math.ceil(len(years) / MAX_YEAR_LABELS)
    ticks = tuple(YearTick(year, x_of(datetime.date(year, 1, 1))) for year in years[::every])
    return Timeline(
        marks=marks,
        ticks=ticks,
        today=today,
        today_x=x_of(today),
        total=len(rows),
        late=states["late"],
        due_soon=states["due_soon"],
        done=states["done"] + states["done_late"],
    )
