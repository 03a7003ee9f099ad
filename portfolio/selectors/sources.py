"""Which sources a figure rests on: citations for the API's, the dashboard's and the reports'
`source` fields."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from portfolio.models import BudgetAdjustment, BudgetLine, Execution, Source
from portfolio.selectors.ledger import Ledger
from portfolio.selectors.scope import Scope, rows


@dataclass(frozen=True)
class Citation:
    id: int
    key: str
    publisher: str
    published_on: datetime.date
    title: str
    url: str

    @property
    def text(self) -> str:
        """One line, as Source.citation(): publisher, date, title."""
        return f"{self.publisher}, {self.published_on:%Y-%m-%d}, {self.title}"

    def __str__(self) -> str:
        return self.text


def citations(
    ids: Iterable[int | None] | None = None, *, as_of: datetime.date | None = None
) -> dict[int, Citation]:
    """Sources by id, in date order (as they stood at `as_of`): every source, or only those
    with the given ids. One query; none when `ids` holds no id."""
    sources = rows(Source, as_of).order_by("published_on", "key")
    if ids is not None:
        wanted = {source_id for source_id in ids if source_id is not None}
        if not wanted:
            return {}
        sources = sources.filter(id__in=wanted)
    fields = ("id", "key", "publisher", "published_on", "title", "url")
    return {row["id"]: Citation(**row) for row in sources.values(*fields)}


def money_sources(scope: Scope, *, book: Ledger | None = None) -> dict[int, frozenset[int]]:
    """For every program in scope, the sources its money figures rest on, over its subtree:
    the programs' own sources (the total cost), their budget lines', adjustments' and
    executions'. Read from the scope's ledger `book` when given (no query), else three queries."""
    own: dict[int, set[int]] = {node.id: {node.source_id} - {None} for node in scope.nodes}
    if book is not None:
        for program_id, cells in book.own.items():
            if program_id in own:
                for cell in cells:
                    own[program_id].update(cell.planned_sources, cell.budget_sources, cell.execution_sources)
    else:
        for model in (BudgetLine, BudgetAdjustment, Execution):
            pairs = scope.rows(model).order_by().filter(source__isnull=False).values_list("program", "source")
            for program_id, source_id in pairs.distinct():
                if program_id in own:
                    own[program_id].add(source_id)
    subtree: dict[int, frozenset[int]] = {}
    below: dict[int, set[int]] = {}
    for node in reversed(scope.nodes):  # children before parents, as in totals_for_scope
        mine = own[node.id] | below.get(node.id, set())
        subtree[node.id] = frozenset(mine)
        if node.parent_id is not None:
            below.setdefault(node.parent_id, set()).update(mine)
    return subtree
