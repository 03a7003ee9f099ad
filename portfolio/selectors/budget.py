"""Budget by fiscal year × funding source: plan, adopted budget and executed."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import ExtractYear

from portfolio.models import BudgetLine, Execution, FundingSource
from portfolio.selectors.programs import budget_sums, execution_rate
from portfolio.selectors.scope import load_scope

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
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
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
class YearTotals:
    fiscal_year: int
    planned: int
    budget: int
    executed: int

    @property
    def execution_rate(self) -> Decimal | None:
        return execution_rate(self.executed, self.budget)


def budget_by_year(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> list[YearTotals]:
    """Plan, adopted budget and executed per fiscal year over all funding sources. Three queries."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    years: dict[int, dict] = {
        row["fiscal_year"]: {"planned": row["planned"], "budget": row["budget"]}
        for row in budget_sums(scope.rows(BudgetLine), "fiscal_year")
    }
    executions = (
        scope.rows(Execution)
        .order_by()
        .annotate(fiscal_year=ExtractYear("executed_on"))
        .values("fiscal_year")
        .annotate(executed=Sum("amount"))
    )
    for row in executions:
        years.setdefault(row["fiscal_year"], {})["executed"] = row["executed"]
    return [
        YearTotals(year, money.get("planned", 0), money.get("budget", 0), money.get("executed", 0))
        for year, money in sorted(years.items())
    ]
