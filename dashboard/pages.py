"""What the dashboard shows for a scope (the whole city portfolio, or one program's subtree),
assembled from `portfolio.selectors` only: the figures a manager sees here are the figures the
API and the Excel reports give for the same day.
"""

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dashboard import charts
from portfolio import selectors
from portfolio.models import Indicator, Program
from portfolio.selectors import (
    BudgetCell,
    Citation,
    Headline,
    LedgerCell,
    MetricFigure,
    ProgramNode,
    ProgramTotals,
)
from portfolio.selectors.headline import HEADLINE_METRICS
from portfolio.selectors.scope import rows

MONEY, PERCENT, QUANTITY = "money", "percent", "quantity"


@dataclass(frozen=True)
class Tile:
    """One headline figure beside its target, with the sources behind it."""

    key: str
    label: Promise
    kind: str  # MONEY, PERCENT or QUANTITY: how the templates write value and target
    value: int | Decimal | None
    target: int | Decimal | None
    target_label: Promise
    target_year: int | None = None
    also_label: Promise | str = ""  # a second figure of the same kind, e.g. the planned amount
    also_value: int | Decimal | None = None
    unit: str = ""
    unit_en: str = ""
    note: Promise | str = ""
    source_ids: tuple[int, ...] = ()
    sources: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Profile:
    """A program's words: what it is and who runs it."""

    description: str
    office: str


TREE_DEPTH = 1  # rows shown below the page's top rows; deeper ones are a click away


@dataclass(frozen=True)
class TreeRow:
    item: ProgramTotals
    hidden_below: int  # programs under this one that the table leaves to its own page

    @property
    def program(self) -> ProgramNode:
        return self.item.program


@dataclass(frozen=True)
class DashboardPage:
    as_of: datetime.date | None
    today: datetime.date  # the day the figures describe
    root: ProgramNode | None  # None for the whole portfolio
    ancestors: tuple[ProgramNode, ...]
    profile: Profile | None
    fiscal_year: int  # the year of the money tiles, the rates and the ledger table
    years: tuple[int, ...]  # the fiscal years the year picker offers
    tiles: tuple[Tile, ...]
    ledger: tuple[LedgerCell, ...]  # the fiscal year's ledger by funding source, then its total
    budget_cells: tuple[BudgetCell, ...]
    budget: charts.BudgetChart
    kpis: charts.KpiChart
    timeline: charts.Timeline
    tree: tuple[TreeRow, ...]
    left_out: tuple[ProgramNode, ...]  # national-context items kept out of the figures, linked
    citations: tuple[Citation, ...]
    history_starts: datetime.date | None = None  # set when as_of is before the history's first day
    pending: int = 0  # KPI readings submitted and awaiting approval: in no figure yet


def money_tiles(headline: Headline, expected_rate: Decimal | None = None) -> list[Tile]:
    """예산현액, 지출액 and 집행률 of the headline's fiscal year (the rate beside the rate expected by
    the day), and across years only 총사업비 대비 누적집행률."""
    totals = headline.totals
    budget_note: Promise | str = ""
    if not totals.budget and totals.planned:
        budget_note = _("No budget adopted yet.")
    elif not totals.budget and totals.total_cost:
        budget_note = _("No yearly budget entered yet.")
    both = tuple(sorted({*headline.budget_source_ids, *headline.executed_source_ids}))
    cost_and_paid = tuple(sorted({*headline.total_cost_source_ids, *headline.executed_source_ids}))
    return [
        Tile(
            "budget",
            _("Budget available"),
            MONEY,
            totals.budget,
            totals.total_cost,
            _("Total cost"),
            also_label=pgettext_lazy("money", "Planned") if totals.planned else "",
            also_value=totals.planned if totals.planned else None,
            note=budget_note,
            source_ids=tuple(sorted({*headline.total_cost_source_ids, *headline.budget_source_ids})),
        ),
        Tile(
            "executed",
            _("Paid"),
            MONEY,
            totals.executed,
            totals.budget,
            _("Budget available"),
            also_label=_("Committed") if totals.committed else "",
            also_value=totals.committed if totals.committed else None,
            source_ids=headline.executed_source_ids,
        ),
        Tile(
            "rate",
            _("Execution rate"),
            PERCENT,
            totals.execution_rate,
            expected_rate if totals.budget else None,
            _("Expected by this day"),
            note="" if totals.budget else _("No budget to execute against."),
            source_ids=both,
        ),
        Tile(
            "cumulative",
            _("Paid to date against total cost"),
            PERCENT,
            totals.cumulative_rate,
            Decimal(100) if totals.total_cost else None,
            _("Whole project"),
            note="" if totals.total_cost else _("No total cost recorded."),
            source_ids=cost_and_paid,
        ),
    ]


METRIC_LABELS = {
    Indicator.Metric.FIRMS: _("Firms attracted"),
    Indicator.Metric.JOBS: _("Jobs created"),
    Indicator.Metric.GPUS: _("GPUs in operation"),
}


def metric_tile(figure: MetricFigure) -> Tile:
    note: Promise | str = ""
    if not figure.indicator_count:
        note = _("No indicator counts this yet.")
    elif figure.actual is None:
        note = _("No readings yet.")
    return Tile(
        figure.metric,
        METRIC_LABELS[figure.metric],
        QUANTITY,
        figure.actual,
        figure.target,
        _("Target"),
        target_year=figure.target_year,
        unit=figure.unit,
        unit_en=figure.unit_en,
        note=note,
        source_ids=figure.source_ids,
    )


def find_program(code: str, as_of: datetime.date | None) -> tuple[ProgramNode, tuple[ProgramNode, ...]]:
    """The program with `code` and its ancestors, top first. Raises Program.DoesNotExist."""
    scope = selectors.load_scope(as_of=as_of)
    by_id = scope.by_id
    node = next((n for n in scope.nodes if n.code == code), None)
    if node is None:
        raise Program.DoesNotExist(code)
    ancestors = []
    parent = by_id.get(node.parent_id)
    while parent is not None:
        ancestors.append(parent)
        parent = by_id.get(parent.parent_id)
    return node, tuple(reversed(ancestors))


def program_profile(code: str, as_of: datetime.date | None) -> Profile | None:
    row = rows(Program, as_of).filter(code=code).values("description", "office").first()
    return Profile(**row) if row else None


def tree_rows(items: list[ProgramTotals], max_depth: int = TREE_DEPTH) -> tuple[TreeRow, ...]:
    """The top rows and their children, each with the number of programs under it. The items come
    in tree order with depths counted from the page's top, so a node's descendants are the items
    after it that sit deeper than it, up to the next item at its depth or above."""
    counts = [0] * len(items)
    open_rows: list[int] = []  # indexes of the ancestors of the current item
    for index, item in enumerate(items):
        while open_rows and items[open_rows[-1]].program.depth >= item.program.depth:
            open_rows.pop()
        for ancestor in open_rows:
            counts[ancestor] += 1
        open_rows.append(index)
    return tuple(
        TreeRow(item, counts[index] if item.program.depth == max_depth else 0)
        for index, item in enumerate(items)
        if item.program.depth <= max_depth
    )


def dashboard_page(
    *, as_of: datetime.date | None = None, code: str | None = None, fiscal_year: int | None = None
) -> DashboardPage:
    """The whole page for the city portfolio (`code` None) or for one program's subtree, its money
    for `fiscal_year` (default: the year of the day shown).

    The portfolio page leaves national-context items out of its figures, as the headline does,
    and lists them in the tree for reference; a national-context program's own page shows its
    figures. Raises Program.DoesNotExist for an unknown code.
    """
    root, ancestors, profile = None, (), None
    national = False
    if code is not None:
        root, ancestors = find_program(code, as_of)
        profile = program_profile(code, as_of)
        national = root.is_national_context
    seen = selectors.overview(as_of=as_of, root=code, include_national=national, fiscal_year=fiscal_year)

    today = seen.scope.today
    year = seen.fiscal_year
    kpi_chart = charts.kpi_chart(seen.kpis)
    timeline = charts.timeline(seen.milestones, today)
    expected = selectors.expected_execution_rate(today, fiscal_year=year)
    tiles = money_tiles(seen.headline, expected)
    tiles += [metric_tile(seen.headline.metrics[m]) for m in HEADLINE_METRICS]
    ledger = selectors.with_year_totals(c for c in seen.ledger.scope_cells() if c.fiscal_year == year)

    cited = {source_id for tile in tiles for source_id in tile.source_ids}
    cited |= {row.kpi.source_id for row in kpi_chart.rows}
    cited |= {reading.source_id for row in kpi_chart.rows for reading in row.kpi.readings}
    cited |= {mark.row.source_id for mark in timeline.marks}
    if root is not None:
        cited.add(root.source_id)
    found = selectors.citations(cited, as_of=as_of)
    tiles = [replace(tile, sources=tuple(found[i] for i in tile.source_ids if i in found)) for tile in tiles]
    return DashboardPage(
        as_of=as_of,
        today=today,
        root=root,
        ancestors=ancestors,
        profile=profile,
        fiscal_year=year,
        years=tuple(sorted({*seen.ledger.years(), today.year, year})),
        tiles=tuple(tiles),
        ledger=tuple(ledger) if any(cell.has_money for cell in ledger) else (),
        budget_cells=tuple(seen.budget),
        budget=charts.budget_chart(seen.budget, chosen=year),
        kpis=kpi_chart,
        timeline=timeline,
        tree=tree_rows(seen.programs),
        left_out=seen.scope.left_out,
        citations=tuple(found.values()),
        history_starts=selectors.before_history(as_of),
        pending=sum(kpi.pending for kpi in seen.kpis),
    )
