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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum

from portfolio.models import (
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


@dataclass(frozen=True, slots=True)  # slots: made by the ten thousand, twice as fast to make
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


class _Sum:
    """A cell being added up: its money as one list, so many are added column by column (adding
    frozen cells field by field was most of the selector's time). `cell()` gives the LedgerCell."""

    __slots__ = (
        "budget_sources",
        "closed",
        "execution_sources",
        "has_budget",
        "has_execution",
        "has_planned",
        "money",
        "planned_sources",
        "stage",
        "supplementary_or_adopted",
        "supplementary_round",
    )

    def __init__(self) -> None:
        self.money = [0] * len(_ADDITIVE)  # in _ADDITIVE order
        # What a budget book's 추경 column adds up: the latest round, or 본예산 where none.
        self.supplementary_or_adopted = 0
        self.supplementary_round: int | None = None
        self.stage = 0  # while the budget lines are read: the latest stage seen from 본예산 on
        self.closed = False
        # Which figures were entered at all (unknown is not zero): see LedgerCell.
        self.has_budget = self.has_planned = self.has_execution = False
        self.budget_sources: frozenset[int] = NO_SOURCES
        self.execution_sources: frozenset[int] = NO_SOURCES
        self.planned_sources: frozenset[int] = NO_SOURCES

    @classmethod
    def of(cls, cell: LedgerCell) -> "_Sum":
        total = cls()
        total.money = [getattr(cell, name) or 0 for name in _ADDITIVE]
        total.has_budget = cell.has_budget
        total.has_planned = cell.planned is not None
        total.has_execution = cell.committed is not None or cell.paid is not None
        if cell.supplementary is not None:
            total.supplementary_or_adopted = cell.supplementary
            total.supplementary_round = cell.supplementary_round
        else:
            total.supplementary_or_adopted = cell.adopted
        total.closed = cell.closed
        total.budget_sources = cell.budget_sources
        total.execution_sources = cell.execution_sources
        total.planned_sources = cell.planned_sources
        return total

    def cell(self, fiscal_year: int, funding_source: str | None) -> LedgerCell:
        has_round = self.supplementary_round is not None
        money: dict[str, int | None] = dict(zip(_ADDITIVE, self.money, strict=True))
        if not self.has_planned:
            money["planned"] = None
        if not self.has_execution:
            money["committed"] = money["paid"] = None
        return LedgerCell(
            fiscal_year=fiscal_year,
            funding_source=funding_source,
            supplementary=self.supplementary_or_adopted if has_round else None,
            supplementary_round=self.supplementary_round,
            **money,  # type: ignore[arg-type]
            closed=self.closed,
            has_budget=self.has_budget,
            budget_sources=self.budget_sources,
            execution_sources=self.execution_sources,
            planned_sources=self.planned_sources,
        )


def _added(sums: Iterable[_Sum]) -> _Sum:
    """`sums` added up into a new sum, column by column; closed when all of them are (and there
    is at least one)."""
    parts = list(sums)
    total = _Sum()
    if not parts:
        return total
    total.money = [sum(column) for column in zip(*(part.money for part in parts), strict=True)]
    total.supplementary_or_adopted = sum(part.supplementary_or_adopted for part in parts)
    rounds = [part.supplementary_round for part in parts if part.supplementary_round is not None]
    total.supplementary_round = max(rounds) if rounds else None
    total.closed = all(part.closed for part in parts)
    total.has_budget = any(part.has_budget for part in parts)
    total.has_planned = any(part.has_planned for part in parts)
    total.has_execution = any(part.has_execution for part in parts)
    total.budget_sources = NO_SOURCES.union(*(part.budget_sources for part in parts))
    total.execution_sources = NO_SOURCES.union(*(part.execution_sources for part in parts))
    total.planned_sources = NO_SOURCES.union(*(part.planned_sources for part in parts))
    return total


def sum_cells(
    cells: Iterable[LedgerCell], *, fiscal_year: int, funding_source: str | None = None
) -> LedgerCell:
    """Cells of one fiscal year added up (over sources, programs or both)."""
    return _added(_Sum.of(cell) for cell in cells).cell(fiscal_year, funding_source)


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


_Key = tuple[int, str]  # (fiscal year, funding source)
CHUNK = 10_000  # rows fetched at a time: the rows are streamed into the sums, never all held
# 계획, 본예산 and 1차 추경: plain ints in the selector's loop (enum members are slow to look up).
_STAGES = (BudgetStage.PLAN, BudgetStage.ORIGINAL, BudgetStage.SUPPLEMENTARY)


class Ledger:
    """The ledger of a scope: every program's own cells, and each program's subtree added up
    (worked out when first asked for, each child added into its parent once)."""

    def __init__(self, scope: Scope, sums: dict[int, dict[_Key, _Sum]]) -> None:
        self.scope = scope
        self._sums = sums  # program id → its own sums by (year, source)
        self._children: dict[int, list[int]] = {}
        for node in scope.nodes:
            if node.parent_id is not None:
                self._children.setdefault(node.parent_id, []).append(node.id)
        self._subtree_sums: dict[int, dict[_Key, _Sum]] = {}
        self._scope_cells: list[LedgerCell] | None = None

    @functools.cached_property
    def own(self) -> dict[int, list[LedgerCell]]:
        """Program id → its own cells, by (year, source), for every program with any."""
        return {program: self.own_cells(program) for program in self._sums}

    def own_cells(self, program_id: int) -> list[LedgerCell]:
        """The program's own cells (not its subtree's), by (year, source), made on each call."""
        return _cells(self._sums.get(program_id, {}))

    def program_cells(self, program_id: int) -> list[LedgerCell]:
        """The program and everything under it, one cell per (year, source), sorted."""
        # Made anew on each call, not kept: callers ask once per program, and every program's
        # cells kept were a large report's biggest use of memory (the sums under them are kept).
        if program_id in self._children:
            return _cells(self._subtree(program_id))
        return self.own_cells(program_id)

    def scope_cells(self) -> list[LedgerCell]:
        """The whole scope (every program in it added up), per (year, source), sorted."""
        if self._scope_cells is None:
            groups: dict[_Key, list[_Sum]] = {}
            for node in self.scope.nodes:
                for key, part in self._sums.get(node.id, {}).items():
                    groups.setdefault(key, []).append(part)
            self._scope_cells = _cells({key: _added(parts) for key, parts in groups.items()})
        return self._scope_cells

    def year(self, fiscal_year: int, cells: list[LedgerCell] | None = None) -> LedgerCell:
        """One fiscal year over all sources, of `cells` (default: the whole scope)."""
        cells = self.scope_cells() if cells is None else cells
        return sum_cells((c for c in cells if c.fiscal_year == fiscal_year), fiscal_year=fiscal_year)

    def years(self) -> list[int]:
        return sorted({year for sums in self._sums.values() for year, _source in sums})

    def narrowed(self, scope: Scope) -> "Ledger":
        """The same sums over a scope within this one's (the city's programs of a ledger read with
        the national-context items), without reading them again."""
        return Ledger(scope, {node.id: self._sums[node.id] for node in scope.nodes if node.id in self._sums})

    def _subtree(self, program_id: int) -> dict[_Key, _Sum]:
        """The sums of a program's subtree, each descendant's computed once and kept."""
        if program_id in self._subtree_sums:
            return self._subtree_sums[program_id]
        # Depth first without recursion: a deep tree cannot hit the recursion limit.
        stack, order = [program_id], []
        while stack:
            node = stack.pop()
            if node in self._subtree_sums:
                continue
            order.append(node)
            stack.extend(self._children.get(node, ()))
        for node in reversed(order):  # children before their parents
            children = self._children.get(node)
            own = self._sums.get(node, {})
            if not children:
                self._subtree_sums[node] = own
                continue
            groups: dict[_Key, list[_Sum]] = {key: [part] for key, part in own.items()}
            for child in children:
                for key, part in self._subtree_sums[child].items():
                    groups.setdefault(key, []).append(part)
            self._subtree_sums[node] = {key: _added(parts) for key, parts in groups.items()}
        return self._subtree_sums[program_id]


def _cells(sums: dict[_Key, _Sum]) -> list[LedgerCell]:
    """Cells from sums, sorted by year and source."""
    keys = sorted(sums, key=lambda key: (key[0], SOURCE_ORDER.get(key[1] or "", 99)))
    return [sums[key].cell(*key) for key in keys]


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


def ledger_years(scope: Scope) -> list[int]:
    """The fiscal years anything of the scope is booked to (budget lines, adjustments, executions,
    closes), in order. Four queries."""
    years: set[int] = set()
    for model in (BudgetLine, BudgetAdjustment, Execution, YearEndClose):
        years.update(scope.rows(model).order_by().values_list("fiscal_year", flat=True).distinct())
    return sorted(years)


def yearly_ledgers(scope: Scope) -> Iterator[tuple[int, Ledger]]:
    """The scope's ledger one fiscal year at a time, in year order: every figure of the whole
    ledger with only one year's cells in memory (a large report's whole ledger was most of its
    memory, and grew with the data). Four queries, then four a year."""
    for year in ledger_years(scope):
        yield year, ledger_for_scope(scope, fiscal_year=year)


def ledger_for_scope(scope: Scope, *, fiscal_year: int | None = None) -> Ledger:
    """The ledger of a scope already loaded (all years, or one). Four queries: the budget lines,
    the adjustments and executions summed per program × year × source × kind, the closes; no
    subquery per row. Cells and subtrees are made from the sums when first asked for."""
    sums: dict[int, dict[_Key, _Sum]] = {}
    # One object per distinct year and source in the keys kept, not one per row read: a large
    # portfolio's ledger holds tens of thousands of cells.
    shared: dict[int | str, Any] = {}

    def cell(program: int, year: int, source: str) -> _Sum:
        own = sums.setdefault(program, {})
        found = own.get((year, source))
        if found is None:
            key = (shared.setdefault(year, year), shared.setdefault(source, source))
            found = own[key] = _Sum()
        return found

    def only_year(queryset):
        return queryset if fiscal_year is None else queryset.filter(fiscal_year=fiscal_year)

    index = {name: position for position, name in enumerate(_ADDITIVE)}
    planned, original, adopted = index["planned"], index["original"], index["adopted"]
    committed, paid = index["committed"], index["paid"]
    carried_out = [index[f"carried_out_{kind}"] for kind in ("explicit", "accident", "continuing")]

    # Budget lines: one row per program × year × source × stage already (a unique constraint), so
    # read as they are (grouping in the database would only sort them into groups of one) and
    # streamed, not held. Each stage row holds the whole amount at that stage; the adopted budget
    # is the latest stage from 본예산 on, picked here per program × year × source as the rows go
    # by (a subquery per row was the slow part).
    plan, first_budget, first_round = (int(stage) for stage in _STAGES)
    cited_by_stage: dict[tuple[int, int, str], dict[int, set[int]]] = {}
    for program, year, source, stage, cited, amount in (
        only_year(scope.rows(BudgetLine))
        .order_by()
        .values_list("program", "fiscal_year", "funding_source", "stage", "source", "amount")
        .iterator(chunk_size=CHUNK)
    ):
        money = cell(program, year, source)
        if stage == plan:
            money.money[planned] += amount
            money.has_planned = True
            if cited is not None:
                money.planned_sources = money.planned_sources | {cited}
            continue
        money.has_budget = True
        if stage == first_budget:
            money.money[original] += amount
        if stage > money.stage:
            money.stage = stage
            money.money[adopted] = amount
        elif stage == money.stage:
            money.money[adopted] += amount
        if cited is not None:
            cited_by_stage.setdefault((program, year, source), {}).setdefault(stage, set()).add(cited)
    for own in sums.values():
        for money in own.values():
            if money.stage:
                money.supplementary_or_adopted = money.money[adopted]
                if money.stage >= first_round:
                    money.supplementary_round = money.stage - first_round + 1
    # The budget figures rest on the sources of the 본예산 rows and of the adopted stage's.
    for (program, year, source), cited in cited_by_stage.items():
        money = sums[program][(year, source)]
        stages = {first_budget, money.stage}
        money.budget_sources = frozenset().union(*(cited.get(stage, ()) for stage in stages))

    for program, year, source, kind, cited, amount in (
        only_year(scope.rows(BudgetAdjustment))
        .order_by()
        .values_list("program", "fiscal_year", "funding_source", "kind", "source")
        .annotate(amount=Sum("amount"))
        .iterator(chunk_size=CHUNK)
    ):
        money = cell(program, year, source)
        money.money[index[_ADJUSTMENT_FIELDS[kind]]] += amount
        money.has_budget = True
        if cited is not None:
            money.budget_sources = money.budget_sources | {cited}

    for program, year, source, kind, cited, amount in (
        only_year(scope.rows(Execution))
        .order_by()
        .values_list("program", "fiscal_year", "funding_source", "kind", "source")
        .annotate(amount=Sum("amount"))
        .iterator(chunk_size=CHUNK)
    ):
        money = cell(program, year, source)
        # Any execution row makes both figures known: a commitment without payments is 0 paid.
        money.has_execution = True
        if kind == ExecutionKind.COMMITMENT:
            money.money[committed] += amount
        elif kind == ExecutionKind.PAYMENT:
            money.money[paid] += amount
        elif kind == ExecutionKind.REFUND:  # 반납: a positive amount, taken off 지출액
            money.money[paid] -= amount
        if cited is not None:
            money.execution_sources = money.execution_sources | {cited}

    for program, year, source, *amounts in (
        only_year(scope.rows(YearEndClose))
        .order_by()
        .values_list(
            "program",
            "fiscal_year",
            "funding_source",
            "carried_out_explicit",
            "carried_out_accident",
            "carried_out_continuing",
        )
        .iterator(chunk_size=CHUNK)
    ):
        money = cell(program, year, source)
        money.closed = True
        for position, amount in zip(carried_out, amounts, strict=True):
            money.money[position] = amount
    return Ledger(scope, sums)
