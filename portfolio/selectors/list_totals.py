"""Totals under the admin's filtered lists, added up as the ledger adds rows up: budget lines by
stage (계획 and the adopted budget apart, never summed together), executions as 원인행위액 and
지출액 (payments less 반납), national-context items apart from the city's."""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, Expression, ExpressionWrapper, Q, QuerySet, Sum, Value

from portfolio.models import PAID, BudgetLine, BudgetStage, Execution, ExecutionKind
from portfolio.selectors.scope import load_scope
from portfolio.selectors.stages import adopted_stage_filter


def is_national() -> Expression:
    """True for a row of a national-context item or of anything under one (as the selectors leave
    them out of the city's figures). One query, for the tree."""
    national_ids = load_scope(include_national=False).excluded_ids or ()
    if not national_ids:
        return Value(False)
    return ExpressionWrapper(Q(program_id__in=national_ids), output_field=BooleanField())


@dataclass(frozen=True)
class LineTotals:
    """Budget lines added up as the ledger reads them: each stage's row holds the whole amount at
    that stage, so stages are never added together. `adopted` is the adopted budget (본예산, or
    the latest 추경 round, of each program × year × source) of the lines listed."""

    rows: int = 0
    planned: int = 0  # 계획
    adopted: int = 0
    by_stage: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BudgetLineTotals:
    city: LineTotals  # the city's programs
    national: LineTotals  # national-context items (and everything under them): never in the city's

    @property
    def rows(self) -> int:
        return self.city.rows + self.national.rows


def budget_line_totals(lines: QuerySet[BudgetLine], *, with_adopted: bool = True) -> BudgetLineTotals:
    """The totals of a list of budget lines (a filtered admin list), city and national items
    apart. Whether a line is its cell's adopted one is judged against all of the cell's lines,
    not only those listed. Three queries: the tree, each stage's sums, the adopted sums (its
    NOT EXISTS in WHERE, where PostgreSQL runs it as one anti-join rather than once per row);
    two without `with_adopted` (a list of one stage needs no adopted budget; it stays 0)."""
    listed = lines.order_by().annotate(national=is_national())
    sums: dict[bool, dict] = {
        False: {"rows": 0, "adopted": 0, "by_stage": {}},
        True: {"rows": 0, "adopted": 0, "by_stage": {}},
    }
    for group in listed.values("national", "stage").annotate(
        line_count=Count("pk"), stage_total=Sum("amount")
    ):
        side = sums[group["national"]]
        side["rows"] += group["line_count"]
        side["by_stage"][group["stage"]] = group["stage_total"]
    if with_adopted:
        adopted = listed.filter(adopted_stage_filter(BudgetLine.objects.all()))
        for row in adopted.values("national").annotate(adopted_total=Sum("amount")):
            sums[row["national"]]["adopted"] = row["adopted_total"]
    city, national_items = (
        LineTotals(planned=side["by_stage"].get(BudgetStage.PLAN, 0), **side)
        for side in (sums[False], sums[True])
    )
    return BudgetLineTotals(city=city, national=national_items)


@dataclass(frozen=True)
class ExecutionTotals:
    rows: int = 0
    committed: int = 0  # 원인행위액
    paid: int = 0  # 지출액: payments less 반납


def execution_totals(executions: QuerySet[Execution]) -> tuple[ExecutionTotals, ExecutionTotals]:
    """(city, national items) totals of a list of executions: commitments are never paid, and a
    returned payment (반납) is taken off the payments. Two queries."""
    sums = {False: ExecutionTotals(), True: ExecutionTotals()}
    for group in (
        executions.order_by()
        .annotate(national=is_national())
        .values("national")
        .annotate(
            row_count=Count("pk"),
            committed=Sum("amount", filter=Q(kind=ExecutionKind.COMMITMENT), default=0),
            paid=Sum(PAID, default=0),
        )
    ):
        sums[group["national"]] = ExecutionTotals(group["row_count"], group["committed"], group["paid"])
    return sums[False], sums[True]
