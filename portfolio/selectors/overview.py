"""Everything about one scope read in a single pass: its headline and program totals for a fiscal
year, its ledger and budget by year and source, KPIs and milestones, from one load of the program
tree and one read of the ledger.

For pages that show all of these (the dashboard) or reports that print them: the same selector
functions as when each is asked for alone, so the figures are the same, without loading the tree
and the KPIs once per figure.
"""

import datetime
from dataclasses import dataclass

from portfolio.selectors.budget import BudgetCell, budget_for_scope
from portfolio.selectors.headline import Headline, headline_for_scope
from portfolio.selectors.kpis import KpiProgress, progress_for_scope
from portfolio.selectors.ledger import Ledger, ledger_for_scope
from portfolio.selectors.milestones import MilestoneRow, schedule_for_scope
from portfolio.selectors.programs import ProgramTotals, default_fiscal_year, totals_for_scope
from portfolio.selectors.scope import Scope, load_scope


@dataclass(frozen=True)
class Overview:
    scope: Scope
    fiscal_year: int  # the year of the headline, the program totals and their rates
    headline: Headline
    programs: list[ProgramTotals]  # tree order
    budget: list[BudgetCell]  # every year's
    ledger: Ledger
    kpis: list[KpiProgress]
    milestones: list[MilestoneRow]


def overview(
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    include_national: bool = False,
    fiscal_year: int | None = None,
) -> Overview:
    """Nine queries, however many programs: the programs; the ledger's four (budget lines,
    adjustments, executions, closes); indicators, readings and yearly targets; milestones. The rates are for
    `fiscal_year` (default: the current one). National-context items are left out unless asked
    for, as in the headline."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    year = fiscal_year or default_fiscal_year(scope)
    book = ledger_for_scope(scope)
    programs = totals_for_scope(scope, fiscal_year=year, book=book)
    kpis = progress_for_scope(scope)
    return Overview(
        scope=scope,
        fiscal_year=year,
        headline=headline_for_scope(scope, fiscal_year=year, programs=programs, kpis=kpis, book=book),
        programs=programs,
        budget=budget_for_scope(scope, book=book),
        ledger=book,
        kpis=kpis,
        milestones=schedule_for_scope(scope),
    )
