"""Alerts for a briefing: KPIs off track or at risk, overdue milestones, and programs that
spend too slowly. Rules over the other selectors' results, so they cost no query of their own."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from portfolio.models import Program
from portfolio.selectors.kpis import KpiProgress, KpiStatus
from portfolio.selectors.milestones import MilestoneRow
from portfolio.selectors.programs import ProgramTotals

# A running program that has spent less than this share of its adopted budget is flagged.
LOW_EXECUTION_RATE = Decimal(50)


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
    value: Decimal | None = None  # achievement % for KPIs, execution rate for programs
    due: datetime.date | None = None  # the overdue milestone's planned date
    days_late: int | None = None


def alerts(
    *,
    kpis: list[KpiProgress],
    milestones: list[MilestoneRow],
    programs: list[ProgramTotals],
    low_execution_rate: Decimal = LOW_EXECUTION_RATE,
) -> list[Alert]:
    """Every alert, the high ones first; within a kind, in the order the selectors give."""
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
    for item in programs:
        node, rate = item.program, item.totals.execution_rate
        if (
            node.kind != Program.Kind.PORTFOLIO
            and node.status == Program.Status.RUNNING
            and rate is not None
            and rate < low_execution_rate
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
                )
            )
    found.sort(key=lambda alert: alert.severity != "high")  # stable: keeps the order within
    return found
