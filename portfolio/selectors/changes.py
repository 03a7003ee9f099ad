"""What changed in a period, read from the change history: program and milestone status
changes, budget changes (budget lines, adjustments to 예산현액, year-end closes and reopenings) and
new KPI readings, for "what changed since the last briefing"."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import Lag
from django.utils import timezone

from portfolio.models import (
    BudgetAdjustment,
    BudgetLine,
    Indicator,
    IndicatorReading,
    Milestone,
    Program,
    ReadingStatus,
    YearEndClose,
)
from portfolio.selectors.scope import Scope, end_of_day, load_scope, rows


@dataclass(frozen=True)
class StatusChange:
    at: datetime.datetime
    subject: str  # "program" or "milestone"
    program_code: str
    name_ko: str
    name_en: str
    old: str | None  # None when the record was created in the period
    new: str


@dataclass(frozen=True)
class BudgetChange:
    at: datetime.datetime
    program_code: str
    fiscal_year: int
    funding_source: str
    stage: int
    old: int | None  # None when the line was added
    new: int | None  # None when the line was removed


@dataclass(frozen=True)
class AdjustmentChange:
    """An adjustment to 예산현액 (이월, 예비비, 이용·전용·이체, 수입대체경비) added, removed or changed."""

    at: datetime.datetime
    program_code: str
    fiscal_year: int
    funding_source: str
    kind: str  # AdjustmentKind
    old: int | None  # None when the adjustment was added
    new: int | None  # None when it was removed
    basis: str
    by_close: bool  # a carry-in made (or removed) by the close of the year before


class CloseAction:
    CLOSED = "closed"
    REOPENED = "reopened"
    CHANGED = "changed"


@dataclass(frozen=True)
class CloseChange:
    """A year-end close made, reopened (the close removed) or changed; the carry-overs it holds."""

    at: datetime.datetime
    program_code: str
    fiscal_year: int
    funding_source: str
    action: str  # CloseAction
    carried_out_explicit: int
    carried_out_accident: int
    carried_out_continuing: int
    reason: str  # why it was reopened ("" otherwise)


@dataclass(frozen=True)
class NewReading:
    at: datetime.datetime
    program_code: str
    indicator_code: str
    name_ko: str
    name_en: str
    unit: str
    unit_en: str
    period: datetime.date
    value: object  # Decimal
    source_id: int | None


@dataclass(frozen=True)
class Changes:
    since: datetime.date
    until: datetime.date
    status_changes: list[StatusChange]  # newest first
    budget_changes: list[BudgetChange]
    adjustment_changes: list[AdjustmentChange]
    close_changes: list[CloseChange]
    new_readings: list[NewReading]


def _history_with_previous(model, field: str, start: datetime.datetime, end: datetime.datetime | None):
    """History rows of the records changed in [start, end], each with the value `field` had
    in the record's previous history row. The window runs over the whole history of those
    records, so the first change in the period still sees the value before it."""
    history = model.history.model.objects.all()
    if end is not None:
        history = history.filter(history_date__lte=end)
    changed = history.filter(history_date__gt=start).values("id")
    return (
        history.filter(id__in=changed)
        .annotate(
            previous=Window(
                Lag(field), partition_by=[F("id")], order_by=[F("history_date").asc(), F("history_id").asc()]
            )
        )
        .order_by("-history_date", "-history_id")
    )


def changes_since(
    *,
    since: datetime.date,
    as_of: datetime.date | None = None,
    root: str | None = None,
    include_national: bool = False,
) -> Changes:
    """Changes from the start of `since` to the end of `as_of` (or now), for the programs in
    scope at `as_of`, newest first. Six queries."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    period = _Period(
        start=end_of_day(since - datetime.timedelta(days=1)), end=end_of_day(as_of) if as_of else None
    )
    return Changes(
        since=since,
        until=as_of or timezone.localdate(),
        status_changes=_status_changes(scope, period),
        budget_changes=_budget_changes(scope, period),
        adjustment_changes=_adjustment_changes(scope, period),
        close_changes=_close_changes(scope, period),
        new_readings=_new_readings(scope, period, as_of),
    )


@dataclass(frozen=True)
class _Period:
    start: datetime.datetime  # exclusive: the end of the day before `since`
    end: datetime.datetime | None  # inclusive; None: up to now

    def history_of(self, model, field: str):
        return _history_with_previous(model, field, self.start, self.end)

    def holds(self, row) -> bool:
        return row.history_date > self.start


def _status_changes(scope: Scope, period: _Period) -> list[StatusChange]:
    """Programs created or whose status moved, and milestones whose status moved; newest first."""
    by_id = scope.by_id
    changes = []
    for row in period.history_of(Program, "status"):
        if not (period.holds(row) and row.id in by_id) or row.history_type == "-":
            continue
        if row.history_type == "+" or row.previous != row.status:
            changes.append(
                StatusChange(
                    at=row.history_date,
                    subject="program",
                    program_code=row.code,
                    name_ko=row.name_ko,
                    name_en=row.name_en,
                    old=None if row.history_type == "+" else row.previous,
                    new=row.status,
                )
            )
    for row in period.history_of(Milestone, "status"):
        moved = row.history_type == "~" and row.previous != row.status
        if period.holds(row) and row.program_id in by_id and moved:
            changes.append(
                StatusChange(
                    at=row.history_date,
                    subject="milestone",
                    program_code=by_id[row.program_id].code,
                    name_ko=row.title_ko,
                    name_en=row.title_en,
                    old=row.previous,
                    new=row.status,
                )
            )
    changes.sort(key=lambda change: change.at, reverse=True)
    return changes


def _amount_changes(model, scope: Scope, period: _Period):
    """(history row, old, new) for each row of `model` added, removed or changed in amount within
    the period and the scope."""
    by_id = scope.by_id
    for row in period.history_of(model, "amount"):
        if not (period.holds(row) and row.program_id in by_id):
            continue
        if row.history_type == "+":
            yield row, None, row.amount
        elif row.history_type == "-":
            yield row, row.amount, None
        elif row.previous != row.amount:
            yield row, row.previous, row.amount


def _budget_changes(scope: Scope, period: _Period) -> list[BudgetChange]:
    """Budget lines added, removed or changed in amount; newest first."""
    by_id = scope.by_id
    changes = []
    for row, old, new in _amount_changes(BudgetLine, scope, period):
        changes.append(
            BudgetChange(
                at=row.history_date,
                program_code=by_id[row.program_id].code,
                fiscal_year=row.fiscal_year,
                funding_source=row.funding_source,
                stage=row.stage,
                old=old,
                new=new,
            )
        )
    return changes


def _adjustment_changes(scope: Scope, period: _Period) -> list[AdjustmentChange]:
    """Adjustments added, removed or changed in amount; newest first."""
    by_id = scope.by_id
    changes = []
    for row, old, new in _amount_changes(BudgetAdjustment, scope, period):
        changes.append(
            AdjustmentChange(
                at=row.history_date,
                program_code=by_id[row.program_id].code,
                fiscal_year=row.fiscal_year,
                funding_source=row.funding_source,
                kind=row.kind,
                old=old,
                new=new,
                basis=row.basis,
                by_close=row.made_by_close_id is not None,
            )
        )
    return changes


def _close_changes(scope: Scope, period: _Period) -> list[CloseChange]:
    """Year-end closes made, reopened or changed; newest first."""
    by_id = scope.by_id
    actions = {"+": CloseAction.CLOSED, "-": CloseAction.REOPENED, "~": CloseAction.CHANGED}
    history = YearEndClose.history.filter(history_date__gt=period.start)
    if period.end is not None:
        history = history.filter(history_date__lte=period.end)
    return [
        CloseChange(
            at=row.history_date,
            program_code=by_id[row.program_id].code,
            fiscal_year=row.fiscal_year,
            funding_source=row.funding_source,
            action=actions[row.history_type],
            carried_out_explicit=row.carried_out_explicit,
            carried_out_accident=row.carried_out_accident,
            carried_out_continuing=row.carried_out_continuing,
            reason=(row.history_change_reason or "") if row.history_type == "-" else "",
        )
        for row in history.order_by("-history_date", "-history_id")
        if row.program_id in by_id
    ]


def _new_readings(scope: Scope, period: _Period, as_of: datetime.date | None) -> list[NewReading]:
    """KPI readings approved in the period (by approval time) for indicators in scope, newest
    first: a reading entered but not yet approved is no change to any figure."""
    by_id = scope.by_id
    indicators = {
        row["id"]: row
        for row in rows(Indicator, as_of).values(
            "id", "code", "program", "name_ko", "name_en", "unit", "unit_en"
        )
        if row["program"] in by_id
    }
    # The history record the approval wrote holds the figure as approved; later saves of the same
    # approval (a note corrected) repeat its time, so the first record of each approval is kept.
    readings = IndicatorReading.history.filter(status=ReadingStatus.APPROVED, approved_at__gt=period.start)
    if period.end is not None:
        readings = readings.filter(approved_at__lte=period.end)
    first_records: dict[tuple, Any] = {}
    for record in readings.order_by("history_id"):
        first_records.setdefault((record.id, record.approved_at), record)
    found = []
    for row in sorted(first_records.values(), key=lambda r: (r.approved_at, r.history_id), reverse=True):
        indicator = indicators.get(row.indicator_id)
        if indicator is None:
            continue
        found.append(
            NewReading(
                at=row.approved_at,
                program_code=by_id[indicator["program"]].code,
                indicator_code=indicator["code"],
                name_ko=indicator["name_ko"],
                name_en=indicator["name_en"],
                unit=indicator["unit"],
                unit_en=indicator["unit_en"],
                period=row.period,
                value=row.value,
                source_id=row.source_id,
            )
        )
    return found
