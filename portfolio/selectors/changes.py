"""What changed in a period, read from the change history: program and milestone status
changes, budget changes and new KPI readings, for "what changed since the last briefing"."""

import datetime
from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import Lag
from django.utils import timezone

from portfolio.models import BudgetLine, Indicator, IndicatorReading, Milestone, Program
from portfolio.selectors.scope import end_of_day, load_scope, rows


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
    by_id = scope.by_id
    start = end_of_day(since - datetime.timedelta(days=1))
    until = as_of or timezone.localdate()
    end = end_of_day(as_of) if as_of else None

    def in_period(row) -> bool:
        return row.history_date > start

    status_changes = []
    for row in _history_with_previous(Program, "status", start, end):
        if in_period(row) and row.id in by_id and row.history_type != "-":
            if row.history_type == "+" or row.previous != row.status:
                old = None if row.history_type == "+" else row.previous
                status_changes.append(
                    StatusChange(
                        row.history_date, "program", row.code, row.name_ko, row.name_en, old, row.status
                    )
                )
    for row in _history_with_previous(Milestone, "status", start, end):
        if (
            in_period(row)
            and row.program_id in by_id
            and row.history_type == "~"
            and row.previous != row.status
        ):
            status_changes.append(
                StatusChange(
                    row.history_date,
                    "milestone",
                    by_id[row.program_id].code,
                    row.title_ko,
                    row.title_en,
                    row.previous,
                    row.status,
                )
            )
    status_changes.sort(key=lambda change: change.at, reverse=True)

    budget_changes = []
    for row in _history_with_previous(BudgetLine, "amount", start, end):
        if not (in_period(row) and row.program_id in by_id):
            continue
        if row.history_type == "+":
            old, new = None, row.amount
        elif row.history_type == "-":
            old, new = row.amount, None
        elif row.previous != row.amount:
            old, new = row.previous, row.amount
        else:
            continue
        budget_changes.append(
            BudgetChange(
                row.history_date,
                by_id[row.program_id].code,
                row.fiscal_year,
                row.funding_source,
                row.stage,
                old,
                new,
            )
        )

    indicators = {
        row["id"]: row
        for row in rows(Indicator, as_of).values(
            "id", "code", "program", "name_ko", "name_en", "unit", "unit_en"
        )
        if row["program"] in by_id
    }
    new_readings = []
    readings = IndicatorReading.history.filter(history_type="+", history_date__gt=start)
    if end is not None:
        readings = readings.filter(history_date__lte=end)
    for row in readings.order_by("-history_date", "-history_id"):
        indicator = indicators.get(row.indicator_id)
        if indicator is None:
            continue
        new_readings.append(
            NewReading(
                row.history_date,
                by_id[indicator["program"]].code,
                indicator["code"],
                indicator["name_ko"],
                indicator["name_en"],
                indicator["unit"],
                indicator["unit_en"],
                row.period,
                row.value,
                row.source_id,
            )
        )
    return Changes(since, until, status_changes, budget_changes, new_readings)
