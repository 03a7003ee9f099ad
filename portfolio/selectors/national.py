"""The national context: items the city only tracks (the national AI budget, the GPU goal),
kept apart from the city's own money but shown beside it in briefings."""

import datetime
from dataclasses import dataclass

from portfolio.selectors.kpis import KpiProgress, progress_for_scope
from portfolio.selectors.ledger import known_sum, ledger_for_scope
from portfolio.selectors.programs import (
    ProgramTotals,
    Totals,
    portfolio_totals_for_scope,
    totals_for_scope,
)
from portfolio.selectors.scope import Scope, load_scope


@dataclass(frozen=True)
class NationalContext:
    programs: list[ProgramTotals]  # the national-context items, in tree order
    # What the nation plans, over every fiscal year (a plan carries no rate, so the years may be
    # added up): program id → its subtree's plan-stage lines, and the items' total.
    plans: dict[int, int | None]
    planned: int | None
    totals: Totals  # their money of one fiscal year added up (top items only, so nothing counts twice)
    kpis: list[KpiProgress]


def national_scope(scope: Scope) -> Scope:
    """The national-context part of a scope loaded with `include_national=True`."""
    nodes = [node for node in scope.nodes if node.is_national_context]
    return Scope(as_of=scope.as_of, nodes=nodes, whole_table=False)


def national_context(
    *, as_of: datetime.date | None = None, fiscal_year: int | None = None
) -> NationalContext:
    """Money (of `fiscal_year`, default the current one) and KPIs of the national-context items.
    Eight queries: the programs, the ledger's four, indicators, readings and yearly targets."""
    scope = national_scope(load_scope(as_of=as_of, include_national=True))
    book = ledger_for_scope(scope)
    programs = totals_for_scope(scope, fiscal_year=fiscal_year, book=book)
    plans = {node.id: known_sum(cell.planned for cell in book.program_cells(node.id)) for node in scope.nodes}
    return NationalContext(
        programs=programs,
        plans=plans,
        planned=known_sum(plans[node.id] for node in scope.top_nodes()),
        totals=portfolio_totals_for_scope(scope, programs, fiscal_year=fiscal_year),
        kpis=progress_for_scope(scope),
    )
