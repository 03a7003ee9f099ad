"""Load the real Gwangju dataset (shared/seeds/FACTS.md). Running it again changes nothing."""

from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction

from portfolio import gwangju_data as data
from portfolio.models import BudgetLine, Indicator, IndicatorReading, Milestone, Program, Source
from portfolio.services import Outcome, sync


class Command(BaseCommand):
    help = "Load the Gwangju AI portfolio facts from the two source articles (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        outcomes: Counter = Counter()

        def count(model, outcome: Outcome) -> None:
            outcomes[(model._meta.verbose_name_plural, outcome)] += 1

        sources = {}
        for record in data.SOURCES:
            source, outcome = sync(Source, lookup={"key": record["key"]}, **_without(record, "key"))
            sources[source.key] = source
            count(Source, outcome)

        programs = {}
        for record in data.PROGRAMS:
            values = _without(record, "code", "parent", "source")
            values.setdefault("is_national_context", False)
            program, outcome = sync(
                Program,
                lookup={"code": record["code"]},
                parent=programs.get(record["parent"]),
                source=sources[record["source"]],
                **values,
            )
            programs[program.code] = program
            count(Program, outcome)

        for record in data.BUDGET_LINES:
            _, outcome = sync(
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
            count(BudgetLine, outcome)

        for record in data.INDICATORS:
            indicator, outcome = sync(
                Indicator,
                lookup={"code": record["code"]},
                program=programs[record["program"]],
                source=sources[record["source"]],
                **_without(record, "code", "program", "source", "readings"),
            )
            count(Indicator, outcome)
            for period, value, source_key in record["readings"]:
                _, outcome = sync(
                    IndicatorReading,
                    lookup={"indicator": indicator, "period": period},
                    value=value,
                    source=sources[source_key],
                )
                count(IndicatorReading, outcome)

        for record in data.MILESTONES:
            _, outcome = sync(
                Milestone,
                lookup={"program": programs[record["program"]], "title_ko": record["title_ko"]},
                source=sources[record["source"]],
                **_without(record, "program", "title_ko", "source"),
            )
            count(Milestone, outcome)

        for (name, outcome), number in sorted(outcomes.items()):
            self.stdout.write(f"{name}: {number} {outcome}")
        changed = sum(n for (_, outcome), n in outcomes.items() if outcome != Outcome.UNCHANGED)
        self.stdout.write(self.style.SUCCESS(f"Gwangju data loaded: {changed} rows created or updated."))


def _without(record: dict, *keys: str) -> dict:
    return {key: value for key, value in record.items() if key not in keys}
