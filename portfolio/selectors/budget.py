"""Budget by fiscal year × funding source, read from the ledger: plan, 예산현액 ("budget") and
지출액 ("executed") of each year, and those added up by year or by source.

A rate is one year's: a sum over several years (a funding source over all years) has none.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from portfolio.models import FundingSource
from portfolio.selectors.ledger import Ledger, LedgerCell, known_sum, ledger_for_scope, percent_of
from portfolio.selectors.scope import Scope, load_scope

SOURCE_ORDER = {value: index for index, value in enumerate(FundingSource.values)}


NO_SOURCES: frozenset[int] = frozenset()


@dataclass(frozen=True)
class BudgetCell:
    fiscal_year: int
    funding_source: str
    # None where nobody entered the rows a figure comes from (unknown is not zero).
    planned: int | None
    budget: int | None  # 예산현액 (available)
    executed: int | None  # 지출액 (paid, less 반납)
    # Ids of the sources cited by the plan-stage lines, the budget lines and adjustments, and
    # the executions behind each figure (for the `source` the feed gives with every figure).
    planned_sources: frozenset[int] = NO_SOURCES
    budget_sources: frozenset[int] = NO_SOURCES
    executed_sources: frozenset[int] = NO_SOURCES
    committed: int | None = None  # 원인행위액
    ledger: LedgerCell | None = None  # the whole ledger cell: 예산현액's parts, the close

    @property
    def execution_rate(self) -> Decimal | None:
        return percent_of(self.executed, self.budget)

    @property
    def execution_rate_sources(self) -> frozenset[int]:
        """The rate is executed ÷ budget, so it rests on the sources of both."""
        return self.budget_sources | self.executed_sources

    def get_funding_source_display(self) -> str:
        return str(FundingSource(self.funding_source).label)


def budget_cell(cell: LedgerCell) -> BudgetCell:
    """A ledger cell of one program or scope, year and funding source, as a budget cell."""
    return BudgetCell(
        cell.fiscal_year,
        cell.funding_source,
        cell.planned,
        cell.available,
        cell.paid,
        cell.planned_sources,
        cell.budget_sources,
        cell.execution_sources,
        committed=cell.committed,
        ledger=cell,
    )


def budget_by_year_and_source(
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    include_national: bool = False,
    fiscal_year: int | None = None,
) -> list[BudgetCell]:
    """One cell per (fiscal year, funding source) that has any money (or only `fiscal_year`'s),
    sorted. Five queries."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    return budget_for_scope(scope, fiscal_year=fiscal_year)


def budget_for_scope(
    scope: Scope, *, fiscal_year: int | None = None, book: Ledger | None = None
) -> list[BudgetCell]:
    """`budget_by_year_and_source` for a scope already loaded: four queries, none when the
    scope's ledger `book` is given."""
    book = ledger_for_scope(scope, fiscal_year=fiscal_year) if book is None else book
    return [
        budget_cell(cell)
        for cell in book.scope_cells()
        if cell.has_money and (fiscal_year is None or cell.fiscal_year == fiscal_year)
    ]


@dataclass(frozen=True)
class BudgetSum:
    """Plan, budget and executed added up over one fiscal year or one funding source."""

    key: int | str  # the fiscal year, or the funding source
    planned: int | None
    budget: int | None
    executed: int | None
    planned_sources: frozenset[int] = NO_SOURCES  # as in BudgetCell, over the cells added up
    budget_sources: frozenset[int] = NO_SOURCES
    executed_sources: frozenset[int] = NO_SOURCES
    fiscal_year: int | None = None  # the one year the cells are of; None when they span years
    committed: int | None = None

    @property
    def execution_rate(self) -> Decimal | None:
        """집행률 of one year; None over several years (no rate is taken of summed years)."""
        if self.fiscal_year is None:
            return None
        return percent_of(self.executed, self.budget)

    @property
    def execution_rate_sources(self) -> frozenset[int]:
        return self.budget_sources | self.executed_sources


def sum_cells(cells: list[BudgetCell], *, by: str) -> list[BudgetSum]:
    """Cells of `budget_by_year_and_source` added up by "fiscal_year" or by "funding_source",
    in year order or in the funding sources' order."""
    if by not in ("fiscal_year", "funding_source"):
        raise ValueError(f"Cannot add budget cells up by {by!r}.")
    groups: dict[int | str, list[BudgetCell]] = {}
    for cell in cells:
        groups.setdefault(getattr(cell, by), []).append(cell)
    order = (lambda key: SOURCE_ORDER[key]) if by == "funding_source" else (lambda key: key)
    sums = []
    for key in sorted(groups, key=order):
        group = groups[key]
        years = {cell.fiscal_year for cell in group}
        sums.append(
            BudgetSum(
                key,
                known_sum(c.planned for c in group),
                known_sum(c.budget for c in group),
                known_sum(c.executed for c in group),
                frozenset().union(*(c.planned_sources for c in group)),
                frozenset().union(*(c.budget_sources for c in group)),
                frozenset().union(*(c.executed_sources for c in group)),
                fiscal_year=years.pop() if len(years) == 1 else None,
                committed=known_sum(c.committed for c in group),
            )
        )
    return sums


def budget_by_year(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> list[BudgetSum]:
    """Plan, 예산현액 and 지출액 per fiscal year over all funding sources (`key` is the year).
    Five queries."""
    return sum_cells(
        budget_by_year_and_source(as_of=as_of, root=root, include_national=include_national), by="fiscal_year"
    )
