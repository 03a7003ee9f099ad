"""Load the real Gwangju dataset (shared/seeds/FACTS.md). Running it again changes nothing.

Each row's history starts on the day its fact became known (its source's date, or the record's
`known_on`), not on the day the command ran, so the dashboard, the API and the reports read
`as_of` a day in late 2025 show the office as it stood then.
"""

import datetime
from collections import Counter

from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone

from portfolio import gwangju_data as data
from portfolio.models import (
    BudgetLine,
    Indicator,
    IndicatorPart,
    IndicatorReading,
    Milestone,
    Program,
    ReadingStatus,
    Source,
)
from portfolio.services import Outcome, sync

# The hour of the day a backdated fact is recorded at (Seoul): within the day, so `as_of` that
# day includes it.
RECORDED_AT = datetime.time(9)


class Command(BaseCommand):
    help = "Load the Gwangju AI portfolio facts from the two source articles (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        outcomes: Counter = Counter()
        known_on: list[tuple[models.Model, datetime.date]] = []

        def count(model, outcome: Outcome) -> None:
            outcomes[(model._meta.verbose_name_plural, outcome)] += 1

        sources = {}
        for record in data.SOURCES:
            source, outcome = sync(Source, lookup={"key": record["key"]}, **_without(record, "key"))
            sources[source.key] = source
            known_on.append((source, source.published_on))
            count(Source, outcome)

        programs = {}
        program_days = _program_days(sources)
        for record in data.PROGRAMS:
            values = _without(record, "code", "parent", "source", "known_on")
            values.setdefault("is_national_context", False)
            program, outcome = sync(
                Program,
                lookup={"code": record["code"]},
                parent=programs.get(record["parent"]),
                source=sources[record["source"]],
                **values,
            )
            programs[program.code] = program
            known_on.append((program, program_days[program.code]))
            count(Program, outcome)

        def day_of(record: dict, program: str) -> datetime.date:
            """A row is known from its own day, never before its program."""
            own = record.get("known_on") or sources[record["source"]].published_on
            return max(own, program_days[program])

        for record in data.BUDGET_LINES:
            line, outcome = sync(
                BudgetLine,
                lookup={
                    "program": programs[record["program"]],
                    "fiscal_year": record["fiscal_year"],
                    "funding_source": record["funding_source"],
                    "stage": record["stage"],
                },
                amount=record["amount"],
                source=sources[record["source"]],
                note=record["note"],
            )
            known_on.append((line, day_of(record, record["program"])))
            count(BudgetLine, outcome)

        for record in data.INDICATORS:
            indicator, outcome = sync(
                Indicator,
                lookup={"code": record["code"]},
                program=programs[record["program"]],
                source=sources[record["source"]],
                **_without(record, "code", "program", "source", "readings", "parts"),
            )
            indicator_day = day_of(record, record["program"])
            known_on.append((indicator, indicator_day))
            count(Indicator, outcome)
            for order, (name_ko, name_en) in enumerate(record.get("parts", []), start=1):
                part, outcome = sync(
                    IndicatorPart,
                    lookup={"indicator": indicator, "name_ko": name_ko},
                    name_en=name_en,
                    sort_order=order,
                )
                known_on.append((part, indicator_day))
                count(IndicatorPart, outcome)
            for period, value, source_key in record["readings"]:
                reading, outcome = sync(
                    IndicatorReading,
                    lookup={"indicator": indicator, "period": period},
                    value=value,
                    source=sources[source_key],
                    # Published official figures: approved by the loader, as the migration did
                    # for the readings that existed before approval.
                    status=ReadingStatus.APPROVED,
                )
                known_on.append((reading, max(indicator_day, sources[source_key].published_on)))
                count(IndicatorReading, outcome)

        for record in data.MILESTONES:
            milestone, outcome = sync(
                Milestone,
                lookup={"program": programs[record["program"]], "title_ko": record["title_ko"]},
                source=sources[record["source"]],
                **_without(record, "program", "title_ko", "source", "known_on"),
            )
            known_on.append((milestone, day_of(record, record["program"])))
            count(Milestone, outcome)

        backdated = sum(start_history_on(obj, day) for obj, day in known_on)
        for (name, outcome), number in sorted(outcomes.items()):
            self.stdout.write(f"{name}: {number} {outcome}")
        changed = sum(n for (_, outcome), n in outcomes.items() if outcome != Outcome.UNCHANGED)
        self.stdout.write(self.style.SUCCESS(f"Gwangju data loaded: {changed} rows created or updated."))
        if backdated:
            self.stdout.write(f"History dated from the sources' days for {backdated} rows.")


def _program_days(sources: dict[str, Source]) -> dict[str, datetime.date]:
    """The day each program became known: its own (`known_on`, else its source's), or a child's
    if earlier, so a program is never in the history before the portfolio it sits in."""
    days = {r["code"]: r.get("known_on") or sources[r["source"]].published_on for r in data.PROGRAMS}
    for record in reversed(data.PROGRAMS):  # children come after their parents
        if record["parent"]:
            days[record["parent"]] = min(days[record["parent"]], days[record["code"]])
    return days


def start_history_on(obj: models.Model, day: datetime.date) -> bool:
    """Date the row's creation in its history to `day`, when the command created it later than
    that (a creation by a person, or one already dated, is left alone). True when it moved."""
    moment = timezone.make_aware(datetime.datetime.combine(day, RECORDED_AT))
    first = type(obj).history.filter(id=obj.pk).order_by("history_date", "history_id").first()
    if first is None or first.history_type != "+" or first.history_user_id is not None:
        return False
    if first.history_date <= moment:
        return False
    first.history_date = moment
    first.save(update_fields=["history_date"])
    return True


def _without(record: dict, *keys: str) -> dict:
    return {key: value for key, value in record.items() if key not in keys}
