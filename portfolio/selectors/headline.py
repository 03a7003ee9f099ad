"""Headline figures for a scope: its money for one fiscal year with the sources behind it, and
the firms, jobs and GPUs its KPIs report, each beside its target.

The dashboard's tiles read this; the money comes from the same ledger as `portfolio_totals`
and the KPI figures from the same readings as `kpi_progress` and `firm_check`.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from portfolio.models import Indicator
from portfolio.selectors.firms import metric_total
from portfolio.selectors.kpis import KpiProgress, progress_for_scope
from portfolio.selectors.ledger import Ledger, ledger_for_scope
from portfolio.selectors.programs import (
    ProgramTotals,
    Totals,
    default_fiscal_year,
    portfolio_totals_for_scope,
    totals_for_scope,
)
from portfolio.selectors.scope import Scope, load_scope

HEADLINE_METRICS = (Indicator.Metric.FIRMS, Indicator.Metric.JOBS, Indicator.Metric.GPUS)


@dataclass(frozen=True)
class MetricFigure:
    """One measure (firms, jobs, GPUs) added up over the scope's indicators that count it."""

    metric: str
    indicator_count: int
    actual: Decimal | None  # sum of the indicators' actuals; None when none has a reading
    target: Decimal | None  # sum of the targets of the indicators that have one
    target_year: int | None  # the latest of those targets' years
    unit: str
    unit_en: str
    source_ids: tuple[int, ...]  # the indicators' and their readings' sources


@dataclass(frozen=True)
class Headline:
    totals: Totals  # for one fiscal year (totals.fiscal_year)
    # Sources cited by the figures behind each amount (the year's budget lines and adjustments,
    # the year's executions), so every tile can say where it comes from.
    total_cost_source_ids: tuple[int, ...]
    budget_source_ids: tuple[int, ...]
    executed_source_ids: tuple[int, ...]
    metrics: dict[str, MetricFigure]


def metric_figure(kpis: list[KpiProgress], metric: str) -> MetricFigure:
    """Add up the KPIs that count `metric`. Pure: no queries."""
    chosen = [kpi for kpi in kpis if kpi.metric == metric]
    targeted = [kpi for kpi in chosen if kpi.target is not None]
    units = Counter(kpi.unit for kpi in chosen).most_common(1)
    units_en = Counter(kpi.unit_en for kpi in chosen if kpi.unit_en).most_common(1)
    sources = [kpi.source_id for kpi in chosen] + [r.source_id for kpi in chosen for r in kpi.readings]
    return MetricFigure(
        metric=metric,
        indicator_count=len(chosen),
        actual=metric_total(kpis, metric),
        target=sum((kpi.target for kpi in targeted), Decimal(0)) if targeted else None,
        target_year=max((kpi.target_year for kpi in targeted if kpi.target_year), default=None),
        unit=units[0][0] if units else "",
        unit_en=units_en[0][0] if units_en else "",
        source_ids=_ids(sources),
    )


def _ids(values) -> tuple[int, ...]:
    return tuple(sorted({value for value in values if value is not None}))


def headline_for_scope(
    scope: Scope,
    *,
    fiscal_year: int | None = None,
    programs: list[ProgramTotals] | None = None,
    kpis: list[KpiProgress] | None = None,
    book: Ledger | None = None,
) -> Headline:
    """`programs`, `kpis` and the ledger `book`, when the caller already has them for this scope
    (and year), are used as they are instead of being read again."""
    kpis = progress_for_scope(scope) if kpis is None else kpis
    year = programs[0].totals.fiscal_year if programs else fiscal_year or default_fiscal_year(scope)
    book = ledger_for_scope(scope) if book is None else book
    programs = totals_for_scope(scope, fiscal_year=year, book=book) if programs is None else programs
    cell = book.year(year)
    return Headline(
        totals=portfolio_totals_for_scope(scope, programs, fiscal_year=year),
        total_cost_source_ids=_ids(node.source_id for node in scope.nodes if node.total_cost is not None),
        budget_source_ids=_ids(cell.budget_sources),
        executed_source_ids=_ids(cell.execution_sources),
        metrics={metric: metric_figure(kpis, metric) for metric in HEADLINE_METRICS},
    )


def headline(
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    include_national: bool = False,
    fiscal_year: int | None = None,
) -> Headline:
    """The scope's money for `fiscal_year` (default: the current one) and its firms, jobs and GPUs,
    with targets and sources. Eight queries: programs, the ledger's four, indicators, readings, targets.
    National-context items are left out unless asked for, as in `portfolio_totals`."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    return headline_for_scope(scope, fiscal_year=fiscal_year)
