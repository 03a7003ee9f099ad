"""Budget by fiscal year × funding source: plan, adopted budget and executed."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import ExtractYear

from portfolio.models import BudgetLine, Execution, FundingSource
from portfolio.selectors.programs import budget_sums, execution_rate
from portfolio.selectors.scope import Scope, load_scope

SOURCE_ORDER = {value: index for index, value in enumerate(FundingSource.values)}


@dataclass(frozen=True)
class BudgetCell:
    fiscal_year: int
    funding_source: str
    planned: int
    budget: int
    executed: int

    @property
    def execution_rate(self) -> Decimal | None:
        return execution_rate(self.executed, self.budget)

    def get_funding_source_display(self) -> str:
        return str(FundingSource(self.funding_source).label)


def budget_by_year_and_source(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> list[BudgetCell]:
    """One cell per (fiscal year, funding source) that has any money, sorted. Three queries."""
    return budget_for_scope(load_scope(as_of=as_of, root=root, include_national=include_national))


def budget_for_scope(scope: Scope) -> list[BudgetCell]:
    """`budget_by_year_and_source` for a scope already loaded. Two queries."""
    cells: dict[tuple[int, str], dict] = {}
    for row in budget_sums(scope.rows(BudgetLine), "fiscal_year", "funding_source"):
        cells[(row["fiscal_year"], row["funding_source"])] = {
            "planned": row["planned"],
            "budget": row["budget"],
        }
    executions = (
        scope.rows(Execution)
        .order_by()
        .annotate(fiscal_year=ExtractYear("executed_on"))
        .values("fiscal_year", "funding_source")
        .annotate(executed=Sum("amount"))
    )
    for row in executions:
        cells.setdefault((row["fiscal_year"], row["funding_source"]), {})["executed"] = row["executed"]
    return [
        BudgetCell(year, source, money.get("planned", 0), money.get("budget", 0), money.get("executed", 0))
        for (year, source), money in sorted(cells.items(), key=lambda kv: (kv[0][0], SOURCE_ORDER[kv[0][1]]))
    ]


@dataclass(frozen=True)
class BudgetSum:
    """Plan, budget and executed added up over one fiscal year or one funding source."""

    key: int | str  # the fiscal year, or the funding source
    planned: int
    budget: int
    executed: int

    @property
    def execution_rate(self) -> Decimal | None:
        return execution_rate(self.executed, self.budget)


def sum_cells(cells: list[BudgetCell], *, by: str) -> list[BudgetSum]:
    """Cells of `budget_by_year_and_source` added up by "fiscal_year" or by "funding_source",
    in year order or in the funding sources' order."""
    if by not in ("fiscal_year", "funding_source"):
        raise ValueError(f"Cannot add budget cells up by {by!r}.")
    sums: dict[int | str, list[int]] = {}
    for cell in cells:
        money = sums.setdefault(getattr(cell, by), [0, 0, 0])
        money[0] += cell.planned
        money[1] += cell.budget
        money[2] += cell.executed
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
