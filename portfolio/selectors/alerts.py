"""Alerts for a briefing: KPIs off track or at risk, overdue milestones, and programs that
spend too slowly for the time of year. Rules over the other selectors' results, so they cost no
query of their own."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from portfolio.models import Program
from portfolio.selectors.kpis import KpiProgress, KpiStatus
from portfolio.selectors.milestones import MilestoneRow
from portfolio.selectors.programs import ProgramTotals


def expected_execution_rate(
    day: datetime.date,
    *,
    fiscal_year: int | None = None,
    targets: Sequence[tuple[int, int, int]] | None = None,
) -> Decimal:
    """The 집행률 a fiscal year should have reached by `day` (percent, one decimal): straight
    lines from 0 % on 1 January through the targets (settings.EXECUTION_RATE_TARGETS, month, day
    and percent), flat after the last. A year already over is held to the last target; a year
    not begun yet to nothing."""
    targets = settings.EXECUTION_RATE_TARGETS if targets is None else targets
    year = day.year if fiscal_year is None else fiscal_year
    if day.year > year:
        return Decimal(targets[-1][2]) if targets else Decimal(0)
    if day.year < year:
        return Decimal(0)
    before_date, before_rate = datetime.date(year, 1, 1), Decimal(0)
    for month, month_day, percent in targets:
        point = datetime.date(year, month, month_day)
        if day <= point:
            span = (point - before_date).days
            share = Decimal((day - before_date).days) / span if span else Decimal(1)
            rate = before_rate + (Decimal(percent) - before_rate) * share
            return rate.quantize(Decimal("0.1"), ROUND_HALF_UP)
        before_date, before_rate = point, Decimal(percent)
    return before_rate


class AlertKind:
    KPI_OFF_TRACK = "kpi_off_track"
    KPI_AT_RISK = "kpi_at_risk"
    MILESTONE_OVERDUE = "milestone_overdue"
    LOW_EXECUTION = "low_execution_rate"


@dataclass(frozen=True)
class Alert:
    kind: str
    severity: str  # "high" or "medium"
    program_code: str
    subject: str  # the indicator code, the milestone id, or the program code
    name_ko: str
    name_en: str
    value: Decimal | None = None  # achievement % for KPIs, the year's execution rate for programs
    expected: Decimal | None = None  # the execution rate expected by the day (programs)
    fiscal_year: int | None = None  # the year of the execution rate
    due: datetime.date | None = None  # the overdue milestone's planned date
    days_late: int | None = None


def alerts(
    *,
    kpis: list[KpiProgress],
    milestones: list[MilestoneRow],
    programs: list[ProgramTotals],
    today: datetime.date | None = None,
    targets: Sequence[tuple[int, int, int]] | None = None,
    margin: Decimal | int | None = None,
) -> list[Alert]:
    """Every alert, the high ones first; within a kind, in the order the selectors give.

    A running program is slow when its 집행률 for the fiscal year of `programs` is more than
    `margin` points (settings.EXECUTION_RATE_ALERT_MARGIN) below the rate expected by `today`
    (default: today in Seoul; see `expected_execution_rate`)."""
    today = today or timezone.localdate()
    margin = Decimal(settings.EXECUTION_RATE_ALERT_MARGIN if margin is None else margin)
    found: list[Alert] = []
    for kpi in kpis:
        if kpi.status in (KpiStatus.OFF_TRACK, KpiStatus.AT_RISK):
            off = kpi.status == KpiStatus.OFF_TRACK
            found.append(
                Alert(
                    AlertKind.KPI_OFF_TRACK if off else AlertKind.KPI_AT_RISK,
                    "high" if off else "medium",
                    kpi.program_code,
                    kpi.code,
                    kpi.name_ko,
                    kpi.name_en,
                    value=kpi.achievement_pct,
                )
            )
    for row in milestones:
        if row.is_overdue:
            found.append(
                Alert(
                    AlertKind.MILESTONE_OVERDUE,
                    "high",
                    row.program_code,
                    str(row.id),
                    row.title_ko,
                    row.title_en,
                    due=row.planned_date,
                    days_late=row.slippage_days,
                )
            )
    expected_by_year: dict[int, Decimal] = {}
    for item in programs:
        node, rate, year = item.program, item.totals.execution_rate, item.totals.fiscal_year
        if year not in expected_by_year:
            expected_by_year[year] = expected_execution_rate(today, fiscal_year=year, targets=targets)
        expected = expected_by_year[year]
        if (
            node.kind != Program.Kind.PORTFOLIO
            and node.status == Program.Status.RUNNING
            and rate is not None
            and rate < expected - margin
        ):
            found.append(
                Alert(
                    AlertKind.LOW_EXECUTION,
                    "medium",
                    node.code,
                    node.code,
                    node.name_ko,
                    node.name_en,
                    value=rate,
                    expected=expected,
                    fiscal_year=year,
                )
            )
    found.sort(key=lambda alert: alert.severity != "high")  # stable: keeps the order within
    return found
