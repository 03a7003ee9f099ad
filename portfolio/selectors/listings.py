"""Row listings for reports and exports: budget lines, executions, firms and sources, streamed.

Long tables are read with `values_list(...).iterator()` so a report over 200,000 budget lines
holds one chunk in memory at a time. Each listing comes with its row count, for progress bars.
Amounts are the stored whole-won figures; totals come from the other selectors, never from here.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from portfolio.models import BudgetLine, Execution, Firm, Source
from portfolio.selectors.scope import Scope, load_scope, rows

CHUNK = 2000


@dataclass(frozen=True)
class Listing:
    """A row count and a one-shot iterator of tuples in `fields` order."""

    fields: tuple[str, ...]
    count: int
    rows: Iterator[tuple]


def _listing(queryset, fields: tuple[str, ...], order: tuple[str, ...]) -> Listing:
    queryset = queryset.order_by(*order)
    return Listing(fields, queryset.count(), queryset.values_list(*fields).iterator(chunk_size=CHUNK))


BUDGET_LINE_FIELDS = ("program", "fiscal_year", "funding_source", "stage", "amount", "note", "source")


def budget_lines_for_scope(scope: Scope) -> Listing:
    """Every budget line in scope, by program code, year, funding source and stage. Two queries."""
    return _listing(
        scope.rows(BudgetLine),
        BUDGET_LINE_FIELDS,
        ("program__code", "fiscal_year", "funding_source", "stage", "id"),
    )


EXECUTION_FIELDS = (
    "executed_on",
    "program",
    "funding_source",
    "amount",
    "description",
    "reference",
    "source",
    "kind",  # 원인행위, 지출 or 반납: last, so older readers of the first seven are unchanged
)


def executions_for_scope(scope: Scope) -> Listing:
    """Every execution in scope, oldest first. Two queries."""
    return _listing(scope.rows(Execution), EXECUTION_FIELDS, ("executed_on", "id"))


FIRM_FIELDS = ("name", "program", "attracted_on", "jobs", "note", "source")


def firms_for_scope(scope: Scope) -> Listing:
    """Attracted firms in scope, by date attracted then name. Two queries."""
    return _listing(scope.rows(Firm), FIRM_FIELDS, ("attracted_on", "name", "id"))


SOURCE_FIELDS = ("id", "key", "publisher", "published_on", "title", "url", "reference")


def sources_for_scope(scope: Scope) -> Listing:
    """Every source as of the scope's day (sources are shared across programs). Two queries."""
    return _listing(rows(Source, scope.as_of), SOURCE_FIELDS, ("published_on", "key"))


def execution_ledger(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> Listing:
    """Executions in scope; national-context items left out unless asked for, as in the totals."""
    return executions_for_scope(load_scope(as_of=as_of, root=root, include_national=include_national))


def budget_line_ledger(
    *, as_of: datetime.date | None = None, root: str | None = None, include_national: bool = False
) -> Listing:
    return budget_lines_for_scope(load_scope(as_of=as_of, root=root, include_national=include_national))
