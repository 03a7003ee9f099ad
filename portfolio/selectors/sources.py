"""Which sources a figure rests on: citations for the API's and the reports' `source` fields."""

import datetime
from dataclasses import dataclass

from portfolio.models import BudgetLine, Execution, Source
from portfolio.selectors.scope import Scope


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


def citations() -> dict[int, Citation]:
    """Every source by id. One query; the table holds a few rows per published article."""
    fields = ("id", "key", "publisher", "published_on", "title", "url")
    return {row["id"]: Citation(**row) for row in Source.objects.order_by().values(*fields)}


def money_sources(scope: Scope) -> dict[int, frozenset[int]]:
    """For every program in scope, the sources its money figures rest on, over its subtree:
    the programs' own sources (the total cost), their budget lines' and executions'. Two queries."""
    own: dict[int, set[int]] = {node.id: {node.source_id} - {None} for node in scope.nodes}
    for model in (BudgetLine, Execution):
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
