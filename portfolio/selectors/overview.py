"""Everything about one scope read in a single pass: its headline, program totals, budget by year
and source, KPIs and milestones, from one load of the program tree.

For pages that show all of these (the dashboard) or reports that print them: the same selector
functions as when each is asked for alone, so the figures are the same, without loading the tree
and the KPIs once per figure.
"""

import datetime
from dataclasses import dataclass

from portfolio.selectors.budget import BudgetCell, budget_for_scope
from portfolio.selectors.headline import Headline, headline_for_scope
from portfolio.selectors.kpis import KpiProgress, progress_for_scope
from portfolio.selectors.milestones import MilestoneRow, schedule_for_scope
from portfolio.selectors.programs import ProgramTotals, totals_for_scope
from portfolio.selectors.scope import Scope, load_scope


@dataclass(frozen=True)
class Overview:
    scope: Scope
    headline: Headline
    programs: list[ProgramTotals]  # tree order
    budget: list[BudgetCell]
    kpis: list[KpiProgress]
    milestones: list[MilestoneRow]


def overview(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> Overview:
    """Ten queries, however many programs: the programs; budget and executions per program;
    indicators and readings; the sources cited by budget lines and by executions; budget and
    executions per year and source; milestones. National-context items are left out unless asked
    for, as in the headline."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    programs = totals_for_scope(scope)
    kpis = progress_for_scope(scope)
    return Overview(
        scope=scope,
        headline=headline_for_scope(scope, programs=programs, kpis=kpis),
        programs=programs,
        budget=budget_for_scope(scope),
        kpis=kpis,
        milestones=schedule_for_scope(scope),
    )
