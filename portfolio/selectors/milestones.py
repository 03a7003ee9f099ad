"""Milestones with slippage, and which are due soon or overdue."""

import datetime
from dataclasses import dataclass

from portfolio.models import Milestone
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


def schedule_for_scope(scope: Scope, *, due_within_days: int = DUE_SOON_DAYS) -> list[MilestoneRow]:
    by_program = scope.by_id
    today = scope.today
    horizon = today + datetime.timedelta(days=due_within_days)
    result = []
    for milestone in scope.rows(Milestone).order_by("planned_date", "id"):
        if milestone.program_id not in by_program:
            continue
        result.append(
            MilestoneRow(
                id=milestone.id,
                program_id=milestone.program_id,
                program_code=by_program[milestone.program_id].code,
                title_ko=milestone.title_ko,
                title_en=milestone.title_en,
                planned_date=milestone.planned_date,
                actual_date=milestone.actual_date,
                date_precision=milestone.date_precision,
                status=milestone.status,
                source_id=milestone.source_id,
                slippage_days=milestone.slippage_days(today),
                is_overdue=milestone.is_overdue(today),
                is_due_soon=milestone.is_open() and today <= milestone.planned_date <= horizon,
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
