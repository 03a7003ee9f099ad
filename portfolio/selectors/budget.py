"""Budget by fiscal year × funding source: plan, adopted budget and executed."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import ExtractYear

from portfolio.models import BudgetLine, BudgetStage, Execution, FundingSource
from portfolio.selectors.programs import adopted_stage_filter, execution_rate
from portfolio.selectors.scope import Scope, load_scope

SOURCE_ORDER = {value: index for index, value in enumerate(FundingSource.values)}


NO_SOURCES: frozenset[int] = frozenset()


@dataclass(frozen=True)
class BudgetCell:
    fiscal_year: int
    funding_source: str
    planned: int
    budget: int
    executed: int
    # Ids of the sources cited by the plan-stage lines, the adopted lines and the executions
    # behind each figure (for the `source` the feed gives with every figure).
    planned_sources: frozenset[int] = NO_SOURCES
    budget_sources: frozenset[int] = NO_SOURCES
    executed_sources: frozenset[int] = NO_SOURCES

    @property
    def execution_rate(self) -> Decimal | None:
        return execution_rate(self.executed, self.budget)

    @property
    def execution_rate_sources(self) -> frozenset[int]:
        """The rate is executed ÷ budget, so it rests on the sources of both."""
        return self.budget_sources | self.executed_sources

    def get_funding_source_display(self) -> str:
        return str(FundingSource(self.funding_source).label)


def budget_by_year_and_source(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> list[BudgetCell]:
    """One cell per (fiscal year, funding source) that has any money, sorted. Three queries."""
    return budget_for_scope(load_scope(as_of=as_of, root=root, include_national=include_national))


def budget_for_scope(scope: Scope) -> list[BudgetCell]:
    """`budget_by_year_and_source` for a scope already loaded. Two queries.

    Both queries also group by the cited source, so each cell learns which sources its figures
    rest on without another query; the few extra rows (one per source cited in a cell) are
    added up here. A sum without a default is NULL when no row of its kind is in the group, so
    a source is cited only for the figures its rows make up."""
    cells: dict[tuple[int, str], _Cell] = {}
    lines = scope.rows(BudgetLine)
    line_sums = (
        lines.order_by()
        .values("fiscal_year", "funding_source", "source")
        .annotate(
            planned=Sum("amount", filter=Q(stage=BudgetStage.PLAN)),
            budget=Sum("amount", filter=adopted_stage_filter(lines)),
        )
    )
    for row in line_sums:
        cell = cells.setdefault((row["fiscal_year"], row["funding_source"]), _Cell())
        cell.add("planned", row["planned"], row["source"])
        cell.add("budget", row["budget"], row["source"])
    executions = (
        scope.rows(Execution)
        .order_by()
        .annotate(fiscal_year=ExtractYear("executed_on"))
        .values("fiscal_year", "funding_source", "source")
        .annotate(executed=Sum("amount"))
    )
    for row in executions:
        cell = cells.setdefault((row["fiscal_year"], row["funding_source"]), _Cell())
        cell.add("executed", row["executed"], row["source"])
    return [
        BudgetCell(
            year,
            source,
            cell.money["planned"],
            cell.money["budget"],
            cell.money["executed"],
            frozenset(cell.sources["planned"]),
            frozenset(cell.sources["budget"]),
            frozenset(cell.sources["executed"]),
        )
        for (year, source), cell in sorted(cells.items(), key=lambda kv: (kv[0][0], SOURCE_ORDER[kv[0][1]]))
    ]


class _Cell:
    """A cell being added up from its per-source rows."""

    def __init__(self) -> None:
        self.money = {"planned": 0, "budget": 0, "executed": 0}
        self.sources: dict[str, set[int]] = {"planned": set(), "budget": set(), "executed": set()}

    def add(self, figure: str, amount: int | None, source_id: int | None) -> None:
        if amount is None:  # no row of this kind in the group
            return
        self.money[figure] += amount
        if source_id is not None:
            self.sources[figure].add(source_id)


@dataclass(frozen=True)
class BudgetSum:
    """Plan, budget and executed added up over one fiscal year or one funding source."""

    key: int | str  # the fiscal year, or the funding source
    planned: int
    budget: int
    executed: int
    planned_sources: frozenset[int] = NO_SOURCES  # as in BudgetCell, over the cells added up
    budget_sources: frozenset[int] = NO_SOURCES
    executed_sources: frozenset[int] = NO_SOURCES

    @property
    def execution_rate(self) -> Decimal | None:
        return execution_rate(self.executed, self.budget)

    @property
    def execution_rate_sources(self) -> frozenset[int]:
        return self.budget_sources | self.executed_sources


def sum_cells(cells: list[BudgetCell], *, by: str) -> list[BudgetSum]:
    """Cells of `budget_by_year_and_source` added up by "fiscal_year" or by "funding_source",
    in year order or in the funding sources' order."""
    if by not in ("fiscal_year", "funding_source"):
        raise ValueError(f"Cannot add budget cells up by {by!r}.")
    sums: dict[int | str, list] = {}
    for cell in cells:
        money = sums.setdefault(getattr(cell, by), [0, 0, 0, NO_SOURCES, NO_SOURCES, NO_SOURCES])
        money[0] += cell.planned
        money[1] += cell.budget
        money[2] += cell.executed
        money[3] |= cell.planned_sources
        money[4] |= cell.budget_sources
        money[5] |= cell.executed_sources
    order = (lambda key: SOURCE_ORDER[key]) if by == "funding_source" else (lambda key: key)
    return [BudgetSum(key, *sums[key]) for key in sorted(sums, key=order)]


def budget_by_year(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> list[BudgetSum]:
    """Plan, adopted budget and executed per fiscal year over all funding sources (`key` is the
    year). Three queries."""
    return sum_cells(
        budget_by_year_and_source(as_of=as_of, root=root, include_national=include_national), by="fiscal_year"
    )
