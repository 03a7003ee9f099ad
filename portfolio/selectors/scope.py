"""The set of programs a read covers, as the data stood now or at the end of a past day.

Every selector starts from a Scope: one query loads the program tree (from the live table, or
from the change history when `as_of` is given), and `scope.rows(Model)` gives the matching
rows of any other table, limited to the programs in scope.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from portfolio.models import Program

PROGRAM_FIELDS = (
    "id",
    "code",
    "parent_id",
    "kind",
    "name_ko",
    "name_en",
    "status",
    "start_year",
    "end_year",
    "total_cost",
    "is_national_context",
    "source_id",
    "sort_order",
)


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last instant of a day in the office's time zone (Asia/Seoul)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def rows(model: type[models.Model], as_of: datetime.date | None) -> models.QuerySet:
    """Live rows, or the rows as they stood at the end of `as_of` according to the history."""
    if as_of is None:
        return model._default_manager.all()
    return model.history.as_of(end_of_day(as_of))


def history_starts() -> datetime.date | None:
    """The first day (Seoul) the change history holds a program: an as-of day before it reads an
    office with nothing in it, which pages say rather than show zeros. One query."""
    first = Program.history.order_by("history_date").values_list("history_date", flat=True).first()
    return timezone.localdate(first) if first else None


def before_history(as_of: datetime.date | None) -> datetime.date | None:
    """The day history starts when `as_of` is before it (None when the day can be read)."""
    if as_of is None:
        return None
    starts = history_starts()
    return starts if starts is not None and as_of < starts else None


@dataclass(frozen=True)
class ProgramNode:
    id: int
    code: str
    parent_id: int | None
    kind: str
    name_ko: str
    name_en: str
    status: str
    start_year: int | None
    end_year: int | None
    total_cost: int | None
    is_national_context: bool
    source_id: int | None
    sort_order: int
    depth: int = 0

    def get_status_display(self) -> str:
        return str(Program.Status(self.status).label)

    def get_kind_display(self) -> str:
        return str(Program.Kind(self.kind).label)


@dataclass
class Scope:
    as_of: datetime.date | None
    nodes: list[ProgramNode]  # tree order: each parent before its children
    root: ProgramNode | None = None
    whole_table: bool = True  # no program filter needed on other tables
    # Programs of the whole tree left out (national items), set by load_scope when there is no
    # root: other tables are then filtered by naming these few rather than the thousands kept.
    excluded_ids: tuple[int, ...] | None = None
    left_out: tuple[ProgramNode, ...] = ()  # the top-most of those, to point at them by name

    @property
    def today(self) -> datetime.date:
        """The day the figures describe: the as-of day, or today in Seoul."""
        return self.as_of or timezone.localdate()

    @property
    def ids(self) -> list[int]:
        return [node.id for node in self.nodes]

    @property
    def by_id(self) -> dict[int, ProgramNode]:
        return {node.id: node for node in self.nodes}

    def top_nodes(self) -> list[ProgramNode]:
        """Nodes whose parent is outside the scope: the ones whose totals add up to the scope's."""
        ids = set(self.ids)
        return [node for node in self.nodes if node.parent_id not in ids]

    def rows(self, model: type[models.Model], program_field: str = "program") -> models.QuerySet:
        queryset = rows(model, self.as_of)
        if self.whole_table:
            return queryset
        if self.excluded_ids is not None and len(self.excluded_ids) < len(self.nodes):
            # The whole tree but a few national items: naming the few left out is far cheaper
            # than naming the thousands kept (an IN list of every program id).
            return queryset.exclude(**{f"{program_field}__in": self.excluded_ids})
        return queryset.filter(**{f"{program_field}__in": self.ids})


def _sibling_order(record: dict) -> tuple:
    return (record["sort_order"], record["code"])


def load_scope(
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    include_national: bool = True,
) -> Scope:
    """Load the program tree (one query) and narrow it to `root`'s subtree.

    Raises Program.DoesNotExist when `root` names no program (at `as_of`).
    """
    # Rows stay plain dicts until the walk knows each one's depth: one ProgramNode per program.
    records = rows(Program, as_of).order_by().values(*PROGRAM_FIELDS)
    children: dict[int | None, list[dict]] = {}
    for record in records:
        children.setdefault(record["parent_id"], []).append(record)
    for siblings in children.values():
        siblings.sort(key=_sibling_order)

    all_ids = {record["id"] for siblings in children.values() for record in siblings}
    # Roots, and orphans whose parent no longer exists at `as_of`, start the walk.
    starts = [record for parent, siblings in children.items() if parent not in all_ids for record in siblings]
    starts.sort(key=_sibling_order)

    root_node = None
    if root is not None:
        root_record = next((r for s in children.values() for r in s if r["code"] == root), None)
        if root_record is None:
            raise Program.DoesNotExist(f"No program has the code {root!r}.")
        root_node = ProgramNode(**root_record)
        starts = [root_record]

    ordered: list[ProgramNode] = []
    left_out: list[ProgramNode] = []
    stack = [(record, 0) for record in reversed(starts)]
    while stack:
        record, depth = stack.pop()
        if not include_national and record["is_national_context"]:
            left_out.append(ProgramNode(**record, depth=depth))
            continue
        ordered.append(ProgramNode(**record, depth=depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(record["id"], [])))

    return Scope(
        as_of=as_of,
        nodes=ordered,
        root=root_node,
        whole_table=root is None and len(ordered) == len(all_ids),
        excluded_ids=tuple(sorted(all_ids - {node.id for node in ordered})) if root is None else None,
        left_out=tuple(left_out),
    )
