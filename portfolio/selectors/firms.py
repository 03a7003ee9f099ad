"""Firms and jobs: the figure the KPIs report beside what the firm list holds."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from portfolio.models import Firm, Indicator
from portfolio.selectors.kpis import KpiProgress, progress_for_scope
from portfolio.selectors.scope import Scope, load_scope


@dataclass(frozen=True)
class FirmCheck:
    reported_firms: Decimal | None  # from the firms indicators' actuals
    firms_on_record: int  # Firm rows
    reported_jobs: Decimal | None
    jobs_on_record: int

    @property
    def firms_unlisted(self) -> Decimal | None:
        """Firms reported but not on the list; the office's backlog of records to add."""
        if self.reported_firms is None:
            return None
        return self.reported_firms - self.firms_on_record


def metric_total(kpis: list[KpiProgress], metric: str) -> Decimal | None:
    """The actuals of the KPIs that count `metric` (firms, jobs, GPUs) added up; None when
    none of them has a reading."""
    actuals = [kpi.actual for kpi in kpis if kpi.metric == metric and kpi.actual is not None]
    return sum(actuals, Decimal(0)) if actuals else None


def firm_check(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> FirmCheck:
    """Five queries: programs, indicators, readings, yearly targets, and one aggregate over firms."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    return check_for_scope(scope, progress_for_scope(scope))


def check_for_scope(scope: Scope, kpis: list[KpiProgress]) -> FirmCheck:
    """`firm_check` for a scope and its KPIs already loaded. One query."""
    on_record = scope.rows(Firm).aggregate(firms=Count("id"), jobs=Sum("jobs", default=0))
    return FirmCheck(
        reported_firms=metric_total(kpis, Indicator.Metric.FIRMS),
        firms_on_record=on_record["firms"],
        reported_jobs=metric_total(kpis, Indicator.Metric.JOBS),
        jobs_on_record=on_record["jobs"],
    )
