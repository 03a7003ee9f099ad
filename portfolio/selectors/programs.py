"""Program totals: total cost, plan, current budget, executed and execution rate, per subtree."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q, Sum

from portfolio.models import BudgetLine, BudgetStage, Execution
from portfolio.selectors.scope import ProgramNode, Scope, load_scope


def execution_rate(executed: int, budget: int) -> Decimal | None:
    """집행률 in percent, one decimal: executed ÷ current budget; None when there is no budget."""
    if not budget:
        return None
    return (Decimal(executed) * 100 / Decimal(budget)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    """Money for a program and everything under it, in whole won."""

    total_cost: int | None  # 총사업비: the program's own figure, else its children's added up
    planned: int  # plan-stage lines
    budget: int  # adopted budget: latest of 본예산 / 추경 per year and source
    executed: int

    @property
    def execution_rate(self) -> Decimal | None:
        return execution_rate(self.executed, self.budget)

    def __add__(self, other: "Totals") -> "Totals":
        cost = None
        if self.total_cost is not None or other.total_cost is not None:
            cost = (self.total_cost or 0) + (other.total_cost or 0)
        return Totals(
            cost, self.planned + other.planned, self.budget + other.budget, self.executed + other.executed
        )


ZERO = Totals(None, 0, 0, 0)


@dataclass(frozen=True)
class ProgramTotals:
    program: ProgramNode
    own: Totals  # lines and executions booked on this program itself
    totals: Totals  # this program and its whole subtree


def adopted_stage_filter(lines) -> Q:
    """Matches the lines that make up the adopted budget within `lines` (live or as-of rows)."""
    later_stage = lines.filter(
        program=OuterRef("program"),
        fiscal_year=OuterRef("fiscal_year"),
        funding_source=OuterRef("funding_source"),
        stage__gt=OuterRef("stage"),
    )
    return Q(stage__gte=BudgetStage.ORIGINAL) & ~Q(Exists(later_stage))


def budget_sums(lines, *group_by: str) -> list[dict]:
    """Plan and adopted budget summed per `group_by` in one query."""
    return list(
        lines.order_by()
        .values(*group_by)
        .annotate(
            planned=Sum("amount", filter=Q(stage=BudgetStage.PLAN), default=0),
            budget=Sum("amount", filter=adopted_stage_filter(lines), default=0),
        )
    )


def _own_totals(scope: Scope) -> dict[int, Totals]:
    lines = scope.rows(BudgetLine)
    executed = {
        row["program"]: row["executed"]
        for row in scope.rows(Execution).order_by().values("program").annotate(executed=Sum("amount"))
    }
    money = {row["program"]: row for row in budget_sums(lines, "program")}
    own = {}
    for node in scope.nodes:
        row = money.get(node.id, {})
        own[node.id] = Totals(
            node.total_cost, row.get("planned", 0), row.get("budget", 0), executed.get(node.id, 0)
        )
    return own


def program_totals(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = True
) -> list[ProgramTotals]:
    """Every program in scope, in tree order, with its own and its subtree's money. Three queries."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    return totals_for_scope(scope)


def totals_for_scope(scope: Scope) -> list[ProgramTotals]:
    own = _own_totals(scope)
    # Children come after their parent in tree order, so walking backwards finishes every
    # child before its parent needs it.
    below: dict[int, Totals] = {}
    subtree: dict[int, Totals] = {}
    for node in reversed(scope.nodes):
        children = below.get(node.id, ZERO)
        mine = own[node.id]
        # A parent's stated total cost covers its children, so it is not added to theirs.
        cost = mine.total_cost if mine.total_cost is not None else children.total_cost
        subtree[node.id] = Totals(
            cost,
            mine.planned + children.planned,
            mine.budget + children.budget,
            mine.executed + children.executed,
        )
        if node.parent_id is not None:
            below[node.parent_id] = below.get(node.parent_id, ZERO) + subtree[node.id]
    return [ProgramTotals(node, own[node.id], subtree[node.id]) for node in scope.nodes]


def portfolio_totals(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> Totals:
    """The headline: the city's money (national-context items left out unless asked for)."""
    return portfolio_totals_for_scope(load_scope(as_of=as_of, root=root, include_national=include_national))


def portfolio_totals_for_scope(scope: Scope, program_totals: list[ProgramTotals] | None = None) -> Totals:
    """The scope's money: its top programs' subtree totals added up. Reuses `program_totals`
    of the same scope when given (no query), else two queries."""
    items = totals_for_scope(scope) if program_totals is None else program_totals
    by_id = {item.program.id: item.totals for item in items}
    total = ZERO
    for node in scope.top_nodes():
        total = total + by_id[node.id]
    return total
