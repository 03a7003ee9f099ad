"""Program totals for one fiscal year, per subtree, added up from the ledger: 예산현액, 지출액 and
집행률 of that year, beside the total cost and what was paid against it over all years so far.

A rate is only ever one year's 지출액 ÷ that year's 예산현액; across years the only rate is
총사업비 대비 누적집행률 (all 지출 up to the year ÷ 총사업비).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from portfolio.selectors.budget import BudgetCell, budget_for_scope
from portfolio.selectors.ledger import (
    Ledger,
    LedgerCell,
    known_sum,
    ledger_for_scope,
    percent_of,
    sum_cells,
    yearly_ledgers,
)
from portfolio.selectors.scope import ProgramNode, Scope, load_scope
from portfolio.selectors.stages import adopted_stage_filter

__all__ = [
    "ProgramTotals",
    "Totals",
    "adopted_stage_filter",
    "default_fiscal_year",
    "execution_rate",
    "portfolio_totals",
    "portfolio_totals_for_scope",
    "program_totals",
    "totals_for_scope",
    "totals_of",
    "totals_year_by_year",
]


def execution_rate(executed: int | None, budget: int | None) -> Decimal | None:
    """집행률 in percent, one decimal: 지출액 ÷ 예산현액 of one year; None when there is no budget."""
    return percent_of(executed, budget)


def default_fiscal_year(scope: Scope) -> int:
    """The fiscal year figures are for unless one is asked for: the year of the day they describe
    (today in Seoul, or the as-of day)."""
    return scope.today.year


@dataclass(frozen=True)
class Totals:
    """Money of a program and everything under it for one fiscal year, in whole won; None where
    nobody entered the rows a figure comes from (unknown is not zero)."""

    total_cost: int | None  # 총사업비: the program's own figure, else its children's added up
    fiscal_year: int
    planned: int | None = None  # plan-stage lines of the year
    adopted: int = 0  # 본예산 or the latest 추경
    available: int | None = None  # 예산현액
    committed: int | None = None  # 원인행위액
    paid: int | None = None  # 지출액: payments less 반납
    paid_to_date: int | None = None  # 지출액 of every fiscal year up to and including this one

    @property
    def budget(self) -> int | None:
        """The budget a rate is measured against: the year's 예산현액."""
        return self.available

    @property
    def executed(self) -> int | None:
        return self.paid

    @property
    def execution_rate(self) -> Decimal | None:
        """집행률 of the year."""
        return percent_of(self.paid, self.available)

    @property
    def commitment_rate(self) -> Decimal | None:
        """원인행위율 of the year."""
        return percent_of(self.committed, self.available)

    @property
    def cumulative_rate(self) -> Decimal | None:
        """총사업비 대비 누적집행률: all 지출 up to the year ÷ 총사업비."""
        return percent_of(self.paid_to_date, self.total_cost or 0)

    def __add__(self, other: "Totals") -> "Totals":
        cost = None
        if self.total_cost is not None or other.total_cost is not None:
            cost = (self.total_cost or 0) + (other.total_cost or 0)
        return Totals(
            cost,
            self.fiscal_year,
            known_sum([self.planned, other.planned]),
            self.adopted + other.adopted,
            known_sum([self.available, other.available]),
            known_sum([self.committed, other.committed]),
            known_sum([self.paid, other.paid]),
            known_sum([self.paid_to_date, other.paid_to_date]),
        )


@dataclass(frozen=True)
class ProgramTotals:
    program: ProgramNode
    own: Totals  # lines, adjustments and executions booked on this program itself
    totals: Totals  # this program and its whole subtree


def totals_of(cells: Iterable[LedgerCell], *, fiscal_year: int, total_cost: int | None) -> Totals:
    """The year's figures of ledger cells (any years and sources), and what was paid up to it."""
    cells = list(cells)
    year = sum_cells((c for c in cells if c.fiscal_year == fiscal_year), fiscal_year=fiscal_year)
    return Totals(
        total_cost=total_cost,
        fiscal_year=fiscal_year,
        planned=year.planned,
        adopted=year.adopted,
        available=year.available,
        committed=year.committed,
        paid=year.paid,
        paid_to_date=known_sum(c.paid for c in cells if c.fiscal_year <= fiscal_year),
    )


def program_totals(
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    include_national: bool = True,
    fiscal_year: int | None = None,
) -> list[ProgramTotals]:
    """Every program in scope, in tree order, with its own and its subtree's money for
    `fiscal_year` (default: the current one). Five queries: the programs and the ledger's four."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    return totals_for_scope(scope, fiscal_year=fiscal_year)


def totals_for_scope(
    scope: Scope, *, fiscal_year: int | None = None, book: Ledger | None = None
) -> list[ProgramTotals]:
    """`program_totals` for a scope already loaded; no query when its ledger `book` is given
    (read over all years: the cumulative figures need the years before), else four."""
    year = fiscal_year or default_fiscal_year(scope)
    book = ledger_for_scope(scope) if book is None else book
    # Children come after their parent in tree order, so walking backwards finishes every
    # child before its parent needs it. A parent's stated total cost covers its children, so it
    # is not added to theirs.
    costs: dict[int, int | None] = {}
    below: dict[int, int | None] = {}
    for node in reversed(scope.nodes):
        cost = node.total_cost if node.total_cost is not None else below.get(node.id)
        costs[node.id] = cost
        if node.parent_id is not None and cost is not None:
            below[node.parent_id] = (below.get(node.parent_id) or 0) + cost
    return [
        ProgramTotals(
            node,
            totals_of(book.own_cells(node.id), fiscal_year=year, total_cost=node.total_cost),
            totals_of(book.program_cells(node.id), fiscal_year=year, total_cost=costs[node.id]),
        )
        for node in scope.nodes
    ]


def totals_year_by_year(
    scope: Scope, *, fiscal_year: int | None = None
) -> tuple[list[ProgramTotals], list[BudgetCell]]:
    """`totals_for_scope` and `budget_for_scope` (every year) of a scope, read one fiscal year at
    a time (`yearly_ledgers`): the same figures, holding one year's ledger cells instead of every
    year's. What was paid up to the year is added up over the years as they go by."""
    year = fiscal_year or default_fiscal_year(scope)
    cells: list[BudgetCell] = []
    paid: dict[int, int | None] = {}  # program id → its own 지출액 of the years up to `year`
    programs = None
    for booked, book in yearly_ledgers(scope):
        cells += budget_for_scope(scope, fiscal_year=booked, book=book)
        if booked <= year:
            for program_id, own in book.own.items():
                paid[program_id] = known_sum([paid.get(program_id), *(cell.paid for cell in own)])
        if booked == year:
            programs = totals_for_scope(scope, fiscal_year=year, book=book)
    if programs is None:  # nothing booked to the year itself
        programs = totals_for_scope(scope, fiscal_year=year, book=ledger_for_scope(scope, fiscal_year=year))
    # Each subtree's paid-to-date: its own, plus its children's (children follow their parent in
    # tree order, so walking backwards finishes them first).
    below: dict[int, int | None] = {}
    subtree: dict[int, int | None] = {}
    for node in reversed(scope.nodes):
        subtree[node.id] = known_sum([paid.get(node.id), below.get(node.id)])
        if node.parent_id is not None:
            below[node.parent_id] = known_sum([below.get(node.parent_id), subtree[node.id]])
    return [
        ProgramTotals(
            item.program,
            replace(item.own, paid_to_date=paid.get(item.program.id)),
            replace(item.totals, paid_to_date=subtree[item.program.id]),
        )
        for item in programs
    ], cells


def portfolio_totals(
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    include_national: bool = False,
    fiscal_year: int | None = None,
) -> Totals:
    """The headline: the city's money for a fiscal year (national-context items left out unless
    asked for). Five queries."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    return portfolio_totals_for_scope(scope, fiscal_year=fiscal_year)


def portfolio_totals_for_scope(
    scope: Scope, program_totals: list[ProgramTotals] | None = None, *, fiscal_year: int | None = None
) -> Totals:
    """The scope's money: its top programs' subtree totals added up. Reuses `program_totals`
    of the same scope (and their fiscal year) when given (no query), else four queries."""
    items = totals_for_scope(scope, fiscal_year=fiscal_year) if program_totals is None else program_totals
    by_id = {item.program.id: item.totals for item in items}
    year = items[0].totals.fiscal_year if items else fiscal_year or default_fiscal_year(scope)
    total = Totals(None, year)
    for node in scope.top_nodes():
        total = total + by_id[node.id]
    return total
