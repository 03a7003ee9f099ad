"""The briefing: one document with the headline figures, budget, KPIs, milestones, changes
since the last briefing and alerts, every number from portfolio.selectors.

The money and its rates are one fiscal year's (`fiscal_year` in the answer): 집행률 is that
year's 지출액 ÷ 예산현액; across years only 총사업비 대비 누적집행률 is given, labelled as such.

Built on a cache miss only (api.cache keys it by data version, day, parameters and language), so
clarity wins over speed here; it still runs a fixed number of queries (about twenty-five).
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from api import figures
from api.tables import milestone_row
from portfolio import selectors
from portfolio.models import AdjustmentKind, FundingSource, Indicator, Milestone, Program
from portfolio.selectors import AlertKind, CloseAction, KpiStatus

# A briefing, not a dump: each list shows its first this many, and `count` says how many
# there are (the list endpoints give the rest, e.g. indicators/?status=off_track).
SHOWN = 20
# KPIs the mayor should hear about first.
STATUS_ORDER = {
    KpiStatus.OFF_TRACK: 0,
    KpiStatus.AT_RISK: 1,
    KpiStatus.ON_TRACK: 2,
    KpiStatus.ACHIEVED: 3,
    KpiStatus.NO_TARGET: 4,
    KpiStatus.NO_DATA: 5,
}


def build(
    *,
    as_of: datetime.date | None,
    root: str | None,
    since: datetime.date | None,
    fiscal_year: int | None = None,
) -> dict:
    """Raises Program.DoesNotExist when `root` names no program."""
    # A named program is shown whatever it is; the whole portfolio means the city's own.
    include_national = root is not None
    scope = selectors.load_scope(as_of=as_of, root=root, include_national=include_national)
    today = scope.today
    year = fiscal_year or selectors.default_fiscal_year(scope)
    since = since or today - datetime.timedelta(days=7)
    citations = selectors.citations()
    book = selectors.ledger_for_scope(scope)
    money_sources = selectors.money_sources(scope, book=book)
    program_totals = selectors.totals_for_scope(scope, fiscal_year=year, book=book)
    totals = selectors.portfolio_totals_for_scope(scope, program_totals)
    cells = selectors.budget_for_scope(scope, book=book)
    kpis = selectors.progress_for_scope(scope)
    schedule = selectors.schedule_for_scope(scope)
    changes = selectors.changes_since(since=since, as_of=as_of, root=root, include_national=include_national)

    money_source = figures.cite(
        set().union(*(money_sources[node.id] for node in scope.top_nodes())), citations
    )
    starts = selectors.before_history(as_of)
    return {
        "as_of": today.isoformat(),
        # Before the history's first day the office reads empty: say so rather than give zeros.
        "history_starts": starts.isoformat() if starts else None,
        "notice": _("History starts on %(day)s; there are no figures for an earlier day.")
        % {"day": starts.isoformat()}
        if starts
        else None,
        "fiscal_year": year,
        "generated_at": _time(timezone.now()),
        "program": _program_ref(scope.root),
        "headline": {
            "total_cost": figures.money(totals.total_cost, money_source),
            "planned": figures.money(totals.planned, money_source),
            "budget": figures.money(totals.budget, money_source),
            "committed": figures.money(totals.committed, money_source),
            "executed": figures.money(totals.executed, money_source),
            "execution_rate": figures.rate(totals.execution_rate, money_source),
            "commitment_rate": figures.rate(totals.commitment_rate, money_source),
            "executed_to_date": figures.money(totals.paid_to_date, money_source),
            "cumulative_execution_rate": figures.rate(totals.cumulative_rate, money_source),
            "firms": _metric(kpis, Indicator.Metric.FIRMS, citations, "개사", "firms"),
            "jobs": _metric(kpis, Indicator.Metric.JOBS, citations, "명", "jobs"),
            "gpus": _metric(kpis, Indicator.Metric.GPUS, citations, "대", "GPUs"),
        },
        "national_context": None if root else _national(as_of, year, citations),
        "budget_by_source": [
            {
                "fiscal_year": year,
                "funding_source": s.key,
                "funding_source_display": str(FundingSource(s.key).label),
                **figures.budget_figures(s, citations),
            }
            for s in selectors.sum_cells([c for c in cells if c.fiscal_year == year], by="funding_source")
        ],
        "budget_by_year": [
            {"fiscal_year": s.key, **figures.budget_figures(s, citations)}
            for s in selectors.sum_cells(cells, by="fiscal_year")
        ],
        "ledger": [
            figures.ledger_cell(cell, citations)
            for cell in selectors.with_year_totals(c for c in book.scope_cells() if c.fiscal_year == year)
        ],
        "kpis": _kpi_table(kpis, citations) | _finality(today),
        "milestones": {
            "due_soon": _shown(selectors.due_soon(schedule), lambda r: _milestone(r, citations)),
            "overdue": _shown(selectors.overdue(schedule), lambda r: _milestone(r, citations)),
        },
        "changes": _changes(changes, citations),
        "alerts": _alerts(
            selectors.alerts(kpis=kpis, milestones=schedule, programs=program_totals, today=today)
        ),
    }


def _time(moment: datetime.datetime) -> str:
    """ISO 8601 in Seoul time, to the second."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _program_ref(node) -> dict | None:
    if node is None:
        return None
    return {"code": node.code, "name_ko": node.name_ko, "name_en": node.name_en}


def _metric(kpis, metric: str, citations, unit: str, unit_en: str) -> dict:
    source = figures.metric_source(kpis, metric, citations)
    return figures.quantity(selectors.metric_total(kpis, metric), unit, unit_en, source)


def _kpi(kpi, citations) -> dict:
    source = figures.kpi_source(kpi, citations)
    return {
        "code": kpi.code,
        "program": kpi.program_code,
        "name_ko": kpi.name_ko,
        "name_en": kpi.name_en,
        "status": kpi.status,
        "status_display": kpi.get_status_display(),
        "actual": figures.quantity(kpi.actual, kpi.unit, kpi.unit_en, source),
        "target": figures.quantity(
            kpi.target, kpi.unit, kpi.unit_en, figures.cite([kpi.source_id], citations)
        ),
        "target_year": kpi.target_year,
        "achievement_pct": figures.rate(kpi.achievement_pct, source),
        "latest_period": kpi.latest_period.isoformat() if kpi.latest_period else None,
        "pending": kpi.pending,
    }


def _finality(today: datetime.date) -> dict:
    """확정 when the as-of day's period is locked (its readings can no longer change), else 잠정."""
    state = selectors.finality(today)
    return {"figures": state.value, "figures_display": str(state.label)}


def _kpi_table(kpis, citations) -> dict:
    """The KPIs by status, off-track first (tree order within a status), with counts."""
    by_status = {status: 0 for status in STATUS_ORDER}
    for kpi in kpis:
        by_status[kpi.status] += 1
    ordered = sorted(kpis, key=lambda kpi: STATUS_ORDER[kpi.status])  # stable: tree order within
    return {"by_status": by_status} | _shown(ordered, lambda kpi: _kpi(kpi, citations))


def _milestone(row, citations) -> dict:
    return milestone_row(row, citations) | {"status_display": row.get_status_display()}


def _national(as_of, fiscal_year: int, citations) -> dict:
    national = selectors.national_context(as_of=as_of, fiscal_year=fiscal_year)
    source_ids = {node.program.source_id for node in national.programs}
    return {
        "planned": figures.money(national.planned, figures.cite(source_ids, citations)),
        "budget": figures.money(national.totals.budget, figures.cite(source_ids, citations)),
        "programs": [
            {
                "code": item.program.code,
                "name_ko": item.program.name_ko,
                "name_en": item.program.name_en,
                "planned": figures.money(
                    national.plans[item.program.id], figures.cite([item.program.source_id], citations)
                ),
            }
            for item in national.programs
        ],
        "kpis": [_kpi(kpi, citations) for kpi in national.kpis],
    }


def _shown(items: list, render) -> dict:
    return {"count": len(items), "items": [render(item) for item in items[:SHOWN]]}


def _status_label(subject: str, value: str | None) -> str | None:
    if value is None:
        return None
    choices = Program.Status if subject == "program" else Milestone.Status
    return str(choices(value).label) if value in choices.values else value


def _changes(changes: selectors.Changes, citations) -> dict:
    return {
        "since": changes.since.isoformat(),
        "until": changes.until.isoformat(),
        "status_changes": _shown(
            changes.status_changes,
            lambda c: {
                "at": _time(c.at),
                "subject": c.subject,
                "program": c.program_code,
                "name_ko": c.name_ko,
                "name_en": c.name_en,
                "old": c.old,
                "new": c.new,
                "old_display": _status_label(c.subject, c.old),
                "new_display": _status_label(c.subject, c.new),
            },
        ),
        "budget_changes": _shown(
            changes.budget_changes,
            lambda c: {
                "at": _time(c.at),
                "program": c.program_code,
                "fiscal_year": c.fiscal_year,
                "funding_source": c.funding_source,
                "stage": c.stage,
                "old": figures.money(c.old),
                "new": figures.money(c.new),
            },
        ),
        "adjustment_changes": _shown(
            changes.adjustment_changes,
            lambda c: {
                "at": _time(c.at),
                "program": c.program_code,
                "fiscal_year": c.fiscal_year,
                "funding_source": c.funding_source,
                "kind": c.kind,
                "kind_display": str(AdjustmentKind(c.kind).label),
                "old": figures.money(c.old),
                "new": figures.money(c.new),
                "basis": c.basis,
                "by_close": c.by_close,
            },
        ),
        "close_changes": _shown(
            changes.close_changes,
            lambda c: {
                "at": _time(c.at),
                "program": c.program_code,
                "fiscal_year": c.fiscal_year,
                "funding_source": c.funding_source,
                "action": c.action,
                "action_display": _close_actions()[c.action],
                "carried_out_explicit": figures.money(c.carried_out_explicit),
                "carried_out_accident": figures.money(c.carried_out_accident),
                "carried_out_continuing": figures.money(c.carried_out_continuing),
                "reason": c.reason,
            },
        ),
        "new_readings": _shown(
            changes.new_readings,
            lambda r: {
                "at": _time(r.at),
                "program": r.program_code,
                "indicator": r.indicator_code,
                "name_ko": r.name_ko,
                "name_en": r.name_en,
                "period": r.period.isoformat(),
                "value": figures.quantity(r.value, r.unit, r.unit_en, figures.cite([r.source_id], citations)),
            },
        ),
    }


def _close_actions() -> dict[str, str]:
    return {
        CloseAction.CLOSED: _("Year closed"),
        CloseAction.REOPENED: _("Close reopened"),
        CloseAction.CHANGED: _("Close changed"),
    }


def _alert_message(alert) -> str:
    name = alert.name_ko or alert.name_en
    if alert.kind == AlertKind.KPI_OFF_TRACK:
        return _("KPI off track: %(name)s") % {"name": name}
    if alert.kind == AlertKind.KPI_AT_RISK:
        return _("KPI at risk: %(name)s") % {"name": name}
    if alert.kind == AlertKind.MILESTONE_OVERDUE:
        return _("Milestone overdue by %(days)s days: %(name)s") % {"days": alert.days_late, "name": name}
    return _("Low execution rate for %(year)s (%(rate)s, %(expected)s expected by now): %(name)s") % {
        "year": alert.fiscal_year,
        "rate": figures.rate(alert.value)["display_ko"],
        "expected": figures.rate(alert.expected)["display_ko"],
        "name": name,
    }


def _alerts(found: list) -> dict:
    return {
        "count": len(found),
        "items": [
            {
                "kind": alert.kind,
                "severity": alert.severity,
                "program": alert.program_code,
                "subject": alert.subject,
                "message": _alert_message(alert),
                "value": figures.number(alert.value),
                "expected": figures.number(alert.expected),
                "fiscal_year": alert.fiscal_year,
                "due": alert.due.isoformat() if alert.due else None,
                "days_late": alert.days_late,
            }
            for alert in found[:SHOWN]
        ],
    }
