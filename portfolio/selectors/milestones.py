"""Milestones with slippage, and which are due soon or overdue."""

import datetime
from dataclasses import dataclass

from portfolio.models import Milestone
from portfolio.models.milestones import is_open, is_overdue, slippage_days
from portfolio.selectors.scope import Scope, load_scope

DUE_SOON_DAYS = 90


@dataclass(frozen=True)
class MilestoneRow:
    id: int
    program_id: int
    program_code: str
    title_ko: str
    title_en: str
    planned_date: datetime.date
    actual_date: datetime.date | None
    date_precision: str
    status: str
    source_id: int | None
    slippage_days: int | None
    is_overdue: bool
    is_due_soon: bool

    def get_status_display(self) -> str:
        return str(Milestone.Status(self.status).label)


def overdue(rows: list[MilestoneRow]) -> list[MilestoneRow]:
    """The open milestones past their planned date: the one list the briefing, the dashboard
    and the reports count."""
    return [row for row in rows if row.is_overdue]


def due_soon(rows: list[MilestoneRow]) -> list[MilestoneRow]:
    """The open milestones due within DUE_SOON_DAYS."""
    return [row for row in rows if row.is_due_soon]


FIELDS = (
    "id",
    "program",
    "title_ko",
    "title_en",
    "planned_date",
    "actual_date",
    "date_precision",
    "status",
    "source",
)


def schedule_for_scope(scope: Scope, *, due_within_days: int = DUE_SOON_DAYS) -> list[MilestoneRow]:
    by_program = scope.by_id
    today = scope.today
    horizon = today + datetime.timedelta(days=due_within_days)
    result = []
    # values(), not model instances: thousands of rows, and the rules are plain functions.
    for row in scope.rows(Milestone).order_by("planned_date", "id").values(*FIELDS):
        if row["program"] not in by_program:
            continue
        status, planned = row["status"], row["planned_date"]
        result.append(
            MilestoneRow(
                id=row["id"],
                program_id=row["program"],
                program_code=by_program[row["program"]].code,
                title_ko=row["title_ko"],
                title_en=row["title_en"],
                planned_date=planned,
                actual_date=row["actual_date"],
                date_precision=row["date_precision"],
                status=status,
                source_id=row["source"],
                slippage_days=slippage_days(status, planned, row["actual_date"], today),
                is_overdue=is_overdue(status, planned, today),
                is_due_soon=is_open(status) and today <= planned <= horizon,
            )
        )
    return result


def milestone_schedule(
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    include_national: bool = True,
    due_within_days: int = DUE_SOON_DAYS,
) -> list[MilestoneRow]:
    """Every milestone in scope by planned date, with slippage as of the day. Two queries."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    return schedule_for_scope(scope, due_within_days=due_within_days)
