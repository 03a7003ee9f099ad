"""The ledger (세출 집행현황): per program × fiscal year × funding source, what makes 예산현액, what
was committed and paid against it, and what the year-end close carried on or left unused.

The official rule, per fiscal year (never over summed years):
- 예산현액 (available) = adopted budget (본예산, or the latest 추경 round) + carry-ins from the year
  before (명시이월, 사고이월, 계속비이월) + 예비비 ± 이용·전용·이체 + 수입대체경비;
- 지출액 (paid) = payments booked to the year, less returned payments (반납);
- 집행률 = 지출액 ÷ 예산현액, 원인행위율 = 원인행위액 ÷ 예산현액 (percent, one decimal);
- at the close, 불용액 (unused) = 예산현액 − 지출액 − 다음연도 이월액.

Every other money figure (program totals, the headline, the dashboard, the reports) is added up
from these cells. Four queries besides the scope's, whatever the number of programs.

A figure nobody entered is None, not 0: 계획 without plan-stage lines, 예산현액 without budget lines
or adjustments, 원인행위액 and 지출액 without any execution row. 0 is a figure only when rows say so.
"""

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max, Q, Sum

from portfolio.models import (
    PAID,
    AdjustmentKind,
    BudgetAdjustment,
    BudgetLine,
    BudgetStage,
    Execution,
    ExecutionKind,
    FundingSource,
    YearEndClose,
)
from portfolio.selectors.scope import Scope, load_scope
from portfolio.selectors.stages import adopted_stage_filter

SOURCE_ORDER = {value: index for index, value in enumerate(FundingSource.values)}
NO_SOURCES: frozenset[int] = frozenset()

_ADJUSTMENT_FIELDS = {
    AdjustmentKind.CARRIED_EXPLICIT: "carried_in_explicit",
    AdjustmentKind.CARRIED_ACCIDENT: "carried_in_accident",
    AdjustmentKind.CARRIED_CONTINUING: "carried_in_continuing",
    AdjustmentKind.RESERVE: "reserve",
    AdjustmentKind.TRANSFER_ITEM: "transfers",
    AdjustmentKind.TRANSFER_SUBITEM: "transfers",
    AdjustmentKind.TRANSFER_AGENCY: "transfers",
    AdjustmentKind.REVENUE_SUBSTITUTION: "revenue_substitution",
}

# Money fields that add up plainly when cells are summed; the first three are None when unknown.
_MAYBE_UNKNOWN = ("planned", "committed", "paid")
_ADDITIVE = (
    "planned",
    "original",
    "adopted",
    "carried_in_explicit",
    "carried_in_accident",
    "carried_in_continuing",
    "reserve",
    "transfers",
    "revenue_substitution",
    "committed",
    "paid",
    "carried_out_explicit",
    "carried_out_accident",
    "carried_out_continuing",
)


def known_sum(values: Iterable[int | None]) -> int | None:
    """The sum of the figures that are known; None when none is (unknown is not zero)."""
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def percent_of(part: int | None, whole: int | None) -> Decimal | None:
    """part ÷ whole in percent with one decimal (half up); None when there is nothing to divide by
    or the part is unknown."""
    if not whole or part is None:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class LedgerCell:
    """The ledger of one program (or a sum: a subtree, a year's sources) for one fiscal year and
    funding source (None: all sources of the year). Whole won."""

    fiscal_year: int
    funding_source: str | None
    planned: int | None = None  # 계획 stage: not a budget, shown beside it
    original: int = 0  # 본예산
    # The latest 추경 round's amount (a whole amount, not a change), or None when the year has none.
    # Summed over cells, the 추경 budget counts the 본예산 of the cells without a round, as a
    # budget book's 추경 column does.
    supplementary: int | None = None
    supplementary_round: int | None = None  # the latest round (the highest, when summed)
    adopted: int = 0  # 본예산 or the latest 추경
    carried_in_explicit: int = 0
    carried_in_accident: int = 0
    carried_in_continuing: int = 0
    reserve: int = 0  # 예비비
    transfers: int = 0  # 이용·전용·이체, signed
    revenue_substitution: int = 0  # 수입대체경비
    committed: int | None = None  # 원인행위액
    paid: int | None = None  # 지출액: payments less 반납
    carried_out_explicit: int = 0
    carried_out_accident: int = 0
    carried_out_continuing: int = 0
    closed: bool = False  # the year-end close stands (all of the summed cells closed)
    has_budget: bool = False  # a budget line (본예산/추경) or an adjustment was entered
    budget_sources: frozenset[int] = NO_SOURCES  # sources cited by the budget lines and adjustments
    execution_sources: frozenset[int] = NO_SOURCES  # … and by the executions
    planned_sources: frozenset[int] = NO_SOURCES

    @property
    def carried_in(self) -> int:
        return self.carried_in_explicit + self.carried_in_accident + self.carried_in_continuing

    @property
    def available(self) -> int | None:
        """예산현액; None when no budget line or adjustment was entered for the year."""
        if not self.has_budget:
            return None
        return self.adopted + self.carried_in + self.reserve + self.transfers + self.revenue_substitution

    @property
    def execution_rate(self) -> Decimal | None:
        """집행률 = 지출액 ÷ 예산현액."""
        return percent_of(self.paid, self.available)

    @property
    def commitment_rate(self) -> Decimal | None:
        """원인행위율 = 원인행위액 ÷ 예산현액."""
        return percent_of(self.committed, self.available)

    @property
    def carried_out(self) -> int:
        return self.carried_out_explicit + self.carried_out_accident + self.carried_out_continuing

    @property
    def unused(self) -> int | None:
        """불용액, known once the year is closed (before the close nothing is unused yet)."""
        if not self.closed:
            return None
        # A close states the year's figures: what was not entered there is none.
        return (self.available or 0) - (self.paid or 0) - self.carried_out

    @property
    def has_money(self) -> bool:
        """Whether any figure was entered (a 0 entered counts: it is shown as 0, not left out)."""
        entered = self.has_budget or any(getattr(self, name) is not None for name in _MAYBE_UNKNOWN)
        return entered or any(getattr(self, name) for name in _ADDITIVE)

    @property
    def sources(self) -> frozenset[int]:
        return self.budget_sources | self.execution_sources

    def get_funding_source_display(self) -> str:
        return str(FundingSource(self.funding_source).label) if self.funding_source else ""


def sum_cells(
    cells: Iterable[LedgerCell], *, fiscal_year: int, funding_source: str | None = None
) -> LedgerCell:
    """Cells of one fiscal year added up (over sources, programs or both)."""
    cells = list(cells)
    money = {
        name: sum(getattr(cell, name) for cell in cells) for name in _ADDITIVE if name not in _MAYBE_UNKNOWN
    }
    money |= {name: known_sum(getattr(cell, name) for cell in cells) for name in _MAYBE_UNKNOWN}
    with_round = [cell for cell in cells if cell.supplementary is not None]
    supplementary = None
    if with_round:
        supplementary = sum(c.supplementary if c.supplementary is not None else c.adopted for c in cells)
    return LedgerCell(
        fiscal_year=fiscal_year,
        funding_source=funding_source,
        supplementary=supplementary,
        supplementary_round=max((c.supplementary_round or 0 for c in with_round), default=None),
        closed=bool(cells) and all(cell.closed for cell in cells),
        has_budget=any(cell.has_budget for cell in cells),
        budget_sources=frozenset().union(*(c.budget_sources for c in cells)),
        execution_sources=frozenset().union(*(c.execution_sources for c in cells)),
        planned_sources=frozenset().union(*(c.planned_sources for c in cells)),
        **money,
    )


def year_totals(cells: Iterable[LedgerCell]) -> list[LedgerCell]:
    """One cell per fiscal year over all funding sources (funding_source None), in year order."""
    by_year: dict[int, list[LedgerCell]] = {}
    for cell in cells:
        by_year.setdefault(cell.fiscal_year, []).append(cell)
    return [sum_cells(by_year[year], fiscal_year=year) for year in sorted(by_year)]


def with_year_totals(cells: Iterable[LedgerCell]) -> list[LedgerCell]:
    """Each year's cells by funding source followed by the year's total, years in order."""
    cells = sorted(cells, key=lambda c: (c.fiscal_year, SOURCE_ORDER.get(c.funding_source or "", 99)))
    result: list[LedgerCell] = []
    for total in year_totals(cells):
        result.extend(c for c in cells if c.fiscal_year == total.fiscal_year)
        result.append(total)
    return result


@dataclass
class Ledger:
    """The ledger of a scope: every program's own cells, and each program's subtree added up."""

    scope: Scope
    own: dict[int, list[LedgerCell]]  # program id → its own cells, by (year, source)

    def program_cells(self, program_id: int) -> list[LedgerCell]:
        """The program and everything under it, one cell per (year, source), sorted."""
        return self._subtrees[program_id]

    def scope_cells(self) -> list[LedgerCell]:
        """The whole scope (its top programs' subtrees added up), per (year, source), sorted."""
        cells: list[LedgerCell] = []
        for node in self.scope.top_nodes():
            cells.extend(self._subtrees[node.id])
        return _merge(cells)

    def year(self, fiscal_year: int, cells: list[LedgerCell] | None = None) -> LedgerCell:
        """One fiscal year over all sources, of `cells` (default: the whole scope)."""
        cells = self.scope_cells() if cells is None else cells
        return sum_cells((c for c in cells if c.fiscal_year == fiscal_year), fiscal_year=fiscal_year)

    def years(self) -> list[int]:
        return sorted({cell.fiscal_year for cells in self.own.values() for cell in cells})

    @functools.cached_property
    def _subtrees(self) -> dict[int, list[LedgerCell]]:
        # Children come after their parent in tree order: walking backwards finishes each child
        # before its parent adds it up.
        below: dict[int, list[LedgerCell]] = {}
        subtrees: dict[int, list[LedgerCell]] = {}
        for node in reversed(self.scope.nodes):
            mine = _merge(self.own.get(node.id, []) + below.pop(node.id, []))
            subtrees[node.id] = mine
            if node.parent_id is not None:
                below.setdefault(node.parent_id, []).extend(mine)
        return subtrees


def _merge(cells: list[LedgerCell]) -> list[LedgerCell]:
    """Cells of the same (year, source) added up; sorted by year and source."""
    groups: dict[tuple[int, str | None], list[LedgerCell]] = {}
    for cell in cells:
        groups.setdefault((cell.fiscal_year, cell.funding_source), []).append(cell)
    return [
        group[0] if len(group) == 1 else sum_cells(group, fiscal_year=year, funding_source=source)
        for (year, source), group in sorted(
            groups.items(), key=lambda kv: (kv[0][0], SOURCE_ORDER.get(kv[0][1] or "", 99))
        )
    ]


def ledger(
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    fiscal_year: int | None = None,
    include_national: bool = False,
) -> Ledger:
    """The ledger of the city's programs (national-context items left out unless asked for), or of
    `root`'s subtree, as it stood at the end of `as_of`. Five queries."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    return ledger_for_scope(scope, fiscal_year=fiscal_year)


def ledger_for_scope(scope: Scope, *, fiscal_year: int | None = None) -> Ledger:
    """The ledger of a scope already loaded (all years, or one). Four queries."""
    raw: dict[tuple[int, int, str], dict] = {}

    def cell(program: int, year: int, source: str) -> dict:
        empty: dict = {"sources": {"budget": set(), "execution": set(), "planned": set()}}
        return raw.setdefault((program, year, source), empty)

    def only_year(queryset):
        return queryset if fiscal_year is None else queryset.filter(fiscal_year=fiscal_year)

    lines = only_year(scope.rows(BudgetLine))
    # Grouped by the cited source too, so each cell learns which sources its figures rest on; the
    # few extra rows are added up here. A sum is NULL when no row of its kind is in the group.
    adopted = adopted_stage_filter(lines)
    for row in (
        lines.order_by()
        .values("program", "fiscal_year", "funding_source", "source")
        .annotate(
            planned=Sum("amount", filter=Q(stage=BudgetStage.PLAN)),
            original=Sum("amount", filter=Q(stage=BudgetStage.ORIGINAL)),
            adopted=Sum("amount", filter=adopted),
            supplementary=Sum("amount", filter=adopted & Q(stage__gte=BudgetStage.SUPPLEMENTARY)),
            latest_stage=Max("stage", filter=adopted),
        )
    ):
        money = cell(row["program"], row["fiscal_year"], row["funding_source"])
        for name in ("planned", "original", "adopted", "supplementary"):
            if row[name] is not None:
                money[name] = money.get(name, 0) + row[name]
        if row["latest_stage"] is not None:
            money["latest_stage"] = max(money.get("latest_stage", 0), row["latest_stage"])
        if row["source"] is not None:
            if row["planned"] is not None:
                money["sources"]["planned"].add(row["source"])
            if row["adopted"] is not None or row["original"] is not None:
                money["sources"]["budget"].add(row["source"])
        if row["adopted"] is not None or row["original"] is not None:
            money["has_budget"] = True

    for row in (
        only_year(scope.rows(BudgetAdjustment))
        .order_by()
        .values("program", "fiscal_year", "funding_source", "kind", "source")
        .annotate(amount=Sum("amount"))
    ):
        money = cell(row["program"], row["fiscal_year"], row["funding_source"])
        name = _ADJUSTMENT_FIELDS[row["kind"]]
        money[name] = money.get(name, 0) + row["amount"]
        money["has_budget"] = True
        if row["source"] is not None:
            money["sources"]["budget"].add(row["source"])

    for row in (
        only_year(scope.rows(Execution))
        .order_by()
        .values("program", "fiscal_year", "funding_source", "source")
        .annotate(
            committed=Sum("amount", filter=Q(kind=ExecutionKind.COMMITMENT)),
            paid=Sum(PAID, filter=Q(kind__in=[ExecutionKind.PAYMENT, ExecutionKind.REFUND])),
        )
    ):
        money = cell(row["program"], row["fiscal_year"], row["funding_source"])
        # Any execution row makes both figures known: a commitment without payments is 0 paid.
        for name in ("committed", "paid"):
            money[name] = money.get(name, 0) + (row[name] or 0)
        if row["source"] is not None:
            money["sources"]["execution"].add(row["source"])

    for row in (
        only_year(scope.rows(YearEndClose))
        .order_by()
        .values(
            "program",
            "fiscal_year",
            "funding_source",
            "carried_out_explicit",
            "carried_out_accident",
            "carried_out_continuing",
        )
    ):
        money = cell(row["program"], row["fiscal_year"], row["funding_source"])
        money["closed"] = True
        for name in ("carried_out_explicit", "carried_out_accident", "carried_out_continuing"):
            money[name] = row[name]

    own: dict[int, list[LedgerCell]] = {}
    for (program, year, source), money in raw.items():
        sources = money.pop("sources")
        latest = money.pop("latest_stage", None)
        round_number = latest - 2 if latest and latest >= BudgetStage.SUPPLEMENTARY else None
        own.setdefault(program, []).append(
            LedgerCell(
                fiscal_year=year,
                funding_source=source,
                supplementary_round=round_number,
                supplementary=money.pop("supplementary", None) if round_number else None,
                budget_sources=frozenset(sources["budget"]),
                execution_sources=frozenset(sources["execution"]),
                planned_sources=frozenset(sources["planned"]),
                **{k: v for k, v in money.items() if k != "supplementary"},
            )
        )
    for cells in own.values():
        cells.sort(key=lambda c: (c.fiscal_year, SOURCE_ORDER.get(c.funding_source or "", 99)))
    return Ledger(scope=scope, own=own)
