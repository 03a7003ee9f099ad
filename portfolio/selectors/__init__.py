"""Read functions shared by the admin, the API, the dashboard and the reports.

One number, one function: every figure a user sees comes from here, so the briefing and
the Excel file cannot disagree. Each takes `as_of` (a past day, read from the change history)
and `root` (a program code, for its subtree), and runs a fixed number of queries. The
`*_for_scope` variants take a Scope already loaded, so a page that shows several of them
loads the program tree once. Money comes from the ledger (`ledger`), and every rate is one
fiscal year's.
"""

from portfolio.selectors.alerts import Alert, AlertKind, alerts, expected_execution_rate
from portfolio.selectors.budget import (
    BudgetCell,
    BudgetSum,
    budget_by_year,
    budget_by_year_and_source,
    budget_for_scope,
    sum_cells,
)
from portfolio.selectors.changes import (
    AdjustmentChange,
    BudgetChange,
    Changes,
    CloseAction,
    CloseChange,
    NewReading,
    StatusChange,
    changes_since,
)
from portfolio.selectors.firms import FirmCheck, check_for_scope, firm_check, metric_total
from portfolio.selectors.headline import Headline, MetricFigure, headline, headline_for_scope, metric_figure
from portfolio.selectors.kpis import (
    Finality,
    KpiProgress,
    KpiStatus,
    YearResult,
    finality,
    kpi_progress,
    progress_for_scope,
    year_finality,
)
from portfolio.selectors.ledger import (
    Ledger,
    LedgerCell,
    ledger,
    ledger_for_scope,
    ledger_years,
    percent_of,
    with_year_totals,
    year_totals,
    yearly_ledgers,
)
from portfolio.selectors.list_totals import (
    BudgetLineTotals,
    ExecutionTotals,
    LineTotals,
    budget_line_totals,
    execution_totals,
)
from portfolio.selectors.listings import (
    Listing,
    budget_line_ledger,
    budget_lines_for_scope,
    execution_ledger,
    executions_for_scope,
    firms_for_scope,
    sources_for_scope,
)
from portfolio.selectors.milestones import (
    MilestoneRow,
    due_soon,
    milestone_schedule,
    overdue,
    schedule_for_scope,
)
from portfolio.selectors.national import NationalContext, national_context, national_scope
from portfolio.selectors.overview import Overview, overview
from portfolio.selectors.programs import (
    ProgramTotals,
    Totals,
    default_fiscal_year,
    execution_rate,
    portfolio_totals,
    portfolio_totals_for_scope,
    program_totals,
    totals_for_scope,
    totals_of,
    totals_year_by_year,
)
from portfolio.selectors.scope import (
    ProgramNode,
    Scope,
    before_history,
    end_of_day,
    history_starts,
    load_scope,
)
from portfolio.selectors.sources import Citation, citations, money_sources

__all__ = [
    "AdjustmentChange",
    "Alert",
    "AlertKind",
    "BudgetCell",
    "BudgetChange",
    "BudgetLineTotals",
    "BudgetSum",
    "Changes",
    "Citation",
    "CloseAction",
    "CloseChange",
    "ExecutionTotals",
    "Finality",
    "FirmCheck",
    "Headline",
    "KpiProgress",
    "KpiStatus",
    "Ledger",
    "LedgerCell",
    "LineTotals",
    "Listing",
    "MetricFigure",
    "MilestoneRow",
    "NationalContext",
    "NewReading",
    "Overview",
    "ProgramNode",
    "ProgramTotals",
    "Scope",
    "StatusChange",
    "Totals",
    "YearResult",
    "alerts",
    "before_history",
    "budget_by_year",
    "budget_by_year_and_source",
    "budget_for_scope",
    "budget_line_ledger",
    "budget_line_totals",
    "budget_lines_for_scope",
    "changes_since",
    "check_for_scope",
    "citations",
    "default_fiscal_year",
    "due_soon",
    "end_of_day",
    "execution_ledger",
    "execution_rate",
    "execution_totals",
    "executions_for_scope",
    "expected_execution_rate",
    "finality",
    "firm_check",
    "firms_for_scope",
    "headline",
    "headline_for_scope",
    "history_starts",
    "kpi_progress",
    "ledger",
    "ledger_for_scope",
    "ledger_years",
    "load_scope",
    "metric_figure",
    "metric_total",
    "milestone_schedule",
    "money_sources",
    "national_context",
    "national_scope",
    "overdue",
    "overview",
    "percent_of",
    "portfolio_totals",
    "portfolio_totals_for_scope",
    "program_totals",
    "progress_for_scope",
    "schedule_for_scope",
    "sources_for_scope",
    "sum_cells",
    "totals_for_scope",
    "totals_of",
    "totals_year_by_year",
    "with_year_totals",
    "year_finality",
    "year_totals",
    "yearly_ledgers",
]
