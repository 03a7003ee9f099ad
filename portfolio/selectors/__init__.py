"""Read functions shared by the admin, the API, the dashboard and the reports.

One number, one function: every figure a user sees comes from here, so the briefing and
the Excel file cannot disagree. Each takes `as_of` (a past day, read from the change history)
and `root` (a program code, for its subtree), and runs a fixed number of queries.
"""

from portfolio.selectors.budget import BudgetCell, YearTotals, budget_by_year, budget_by_year_and_source
from portfolio.selectors.firms import FirmCheck, firm_check
from portfolio.selectors.kpis import KpiProgress, KpiStatus, kpi_progress, progress_for_scope
from portfolio.selectors.ledger import (
    Listing,
    budget_line_ledger,
    budget_lines_for_scope,
    execution_ledger,
    executions_for_scope,
    firms_for_scope,
    sources_for_scope,
)
from portfolio.selectors.milestones import MilestoneRow, milestone_schedule, schedule_for_scope
from portfolio.selectors.programs import (
    ProgramTotals,
    Totals,
    execution_rate,
    portfolio_totals,
    program_totals,
    totals_for_scope,
)
from portfolio.selectors.scope import ProgramNode, Scope, end_of_day, load_scope

__all__ = [
    "BudgetCell",
    "FirmCheck",
    "KpiProgress",
    "KpiStatus",
    "Listing",
    "MilestoneRow",
    "ProgramNode",
    "ProgramTotals",
    "Scope",
    "Totals",
    "YearTotals",
    "budget_by_year",
    "budget_by_year_and_source",
    "budget_line_ledger",
    "budget_lines_for_scope",
    "end_of_day",
    "execution_ledger",
    "execution_rate",
    "executions_for_scope",
    "firm_check",
    "firms_for_scope",
    "kpi_progress",
    "load_scope",
    "milestone_schedule",
    "portfolio_totals",
    "program_totals",
    "progress_for_scope",
    "schedule_for_scope",
    "sources_for_scope",
    "totals_for_scope",
]
