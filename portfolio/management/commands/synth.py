"""A deterministic synthetic portfolio for scale tests and benchmarks.

Programs get codes SYN-00001…; a new run first removes the previous synthetic rows (and
their history) and leaves the real data alone. The same seed always gives the same data.
Rows are inserted in chunks inside one transaction (flat memory), and their "created"
history rows are copied in SQL, so as-of reports work on synthetic data too.

The ledgers are realistic and keep the ledger's rules (portfolio/management/synth_ledger.py):
계획, 본예산 and up to three 추경 rounds per year and source; 예비비 and transfers now and then;
commitments ahead of payments, a few 반납 and some payments in the closing period of the year
before; every year before 2026 closed with carry-overs that pass `closing.preview_close`'s rules,
each close giving the next year its carry-in adjustments (made_by_close set), as
`closing.close_year` does.
"""

import datetime
import random
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import Value
from django.utils import timezone

from api.caching import bump_after_commit
from portfolio.management.synth_ledger import LINE_KEYS, LedgerBuilder
from portfolio.models import (
    BudgetAdjustment,
    BudgetLine,
    Execution,
    Firm,
    Indicator,
    IndicatorReading,
    Milestone,
    Program,
    ReadingStatus,
    YearEndClose,
)

PREFIX = "SYN-"
BATCH = 2000
UNITS = [("개사", "firms", Indicator.Metric.FIRMS), ("명", "jobs", Indicator.Metric.JOBS),
         ("대", "GPUs", Indicator.Metric.GPUS), ("건", "cases", Indicator.Metric.OTHER)]  # fmt: skip
# Tables that point at programs, children first, so a purge never trips a foreign key.
DEPENDENTS = (
    IndicatorReading,
    Firm,
    Milestone,
    Execution,
    BudgetAdjustment,
    YearEndClose,
    BudgetLine,
    Indicator,
)
KEEP_ROWS = (Program, Indicator, YearEndClose)  # later rows point at these


class Command(BaseCommand):
    help = "Replace the synthetic portfolio (SYN-… programs) with N programs and M budget lines."

    def add_arguments(self, parser):
        parser.add_argument("--programs", type=int, default=100)
        parser.add_argument("--lines", type=int, default=10_000)
        parser.add_argument("--executions", type=int, help="default: a quarter of --lines")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--no-history", action="store_true", help="skip change-history rows (faster; no as-of reports)"
        )

    def handle(self, *args, programs, lines, executions, seed, no_history, **options):
        if programs < 1:
            raise CommandError("--programs must be at least 1.")
        if not 0 <= lines <= programs * len(LINE_KEYS):
            raise CommandError(
                f"--lines must be between 0 and {programs * len(LINE_KEYS):,} "
                f"({len(LINE_KEYS)} year × source × stage keys per program)."
            )
        executions = lines // 4 if executions is None else executions
        if executions < 0:
            raise CommandError("--executions must not be negative.")
        started = time.perf_counter()
        with transaction.atomic():
            purge()
            counts = Builder(random.Random(seed), history=not no_history).build(programs, lines, executions)
            bump_after_commit()  # raw deletes and bulk inserts send no signals
        summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Synthetic portfolio: {summary} in {time.perf_counter() - started:.1f} s.")
        )


def purge() -> None:
    """Delete the synthetic rows and their history."""
    for model in (*DEPENDENTS, Program):
        # History first: it is found through the live rows.
        for queryset in (model.history.filter(id__in=synthetic(model).values("id")), synthetic(model)):
            delete_in_sql(queryset)


def delete_in_sql(queryset) -> None:
    """DELETE … WHERE pk IN (SELECT …) in one statement. QuerySet.delete() would load every row
    and send signals, on which simple-history writes a deletion record for data that is not real."""
    model = queryset.model
    select, params = queryset.order_by().values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN ({select})",
            params,
        )


def synthetic(model):
    """The synthetic rows of a table: those of SYN- programs."""
    path = {Program: "code", IndicatorReading: "indicator__program__code"}.get(model, "program__code")
    return model.objects.filter(**{f"{path}__startswith": PREFIX})


def copy_into_history(queryset, *, reason: str) -> None:
    """Write a "created" history row for every row of `queryset` in one INSERT … SELECT: what
    bulk_create_with_history does, without building every row in Python."""
    model = queryset.model
    history = model.history.model
    kept = {field.name for field in history._meta.concrete_fields}
    fields = [field for field in model._meta.concrete_fields if field.name in kept]  # not the version
    select = (
        queryset.order_by()
        .annotate(
            _date=Value(timezone.now(), output_field=models.DateTimeField()),
            _reason=Value(reason),
            _type=Value("+"),
        )
        .values_list(*(field.attname for field in fields), "_date", "_reason", "_type")
    )
    sql, params = select.query.sql_with_params()
    columns = [history._meta.get_field(field.name).column for field in fields]
    columns += ["history_date", "history_change_reason", "history_type"]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(map(quote, columns))}) {sql}", params
        )


class Builder(LedgerBuilder):
    def __init__(self, rng: random.Random, *, history: bool):
        self.rng = rng
        self.history = history
        self.counts: Counter[str] = Counter()

    def save(self, model, objects) -> list:
        """Insert in chunks so memory stays flat however many rows; returns the saved rows
        (with ids) when few enough to be needed later, else an empty list."""
        saved, count, chunk = [], 0, []
        for obj in objects:
            chunk.append(obj)
            if len(chunk) == BATCH:
                count += self._insert(model, chunk, saved)
                chunk = []
        count += self._insert(model, chunk, saved)
        self.counts[model._meta.model_name] += count
        return saved

    def _insert(self, model, chunk: list, saved: list) -> int:
        if not chunk:
            return 0
        rows = model.objects.bulk_create(chunk, batch_size=BATCH)
        if model in KEEP_ROWS:
            saved += rows
        return len(rows)

    def build(self, n_programs: int, n_lines: int, n_executions: int) -> dict[str, int]:
        programs = self.programs(n_programs)
        self.ledger(programs, n_lines, n_executions)
        self.save(Milestone, self.milestones(programs))
        self.save(IndicatorReading, self.readings(self.save(Indicator, self.indicators(programs))))
        self.save(Firm, self.firms(programs))
        if self.history:
            for model in (Program, *DEPENDENTS):
                copy_into_history(synthetic(model), reason="synth")
        return dict(self.counts)

    def programs(self, n: int) -> list[Program]:
        rng = self.rng
        n_portfolios = max(1, n // 50)
        n_programs = max(0, min(n - n_portfolios, n // 3))
        levels = [
            (Program.Kind.PORTFOLIO, n_portfolios),
            (Program.Kind.PROGRAM, n_programs),
            (Program.Kind.PROJECT, n - n_portfolios - n_programs),
        ]
        created: list[Program] = []
        parents: list[Program] = []
        number = 0
        for kind, count in levels:
            level = []
            for _ in range(count):
                number += 1
                start = rng.randint(2017, 2027)
                level.append(
                    Program(
                        code=f"{PREFIX}{number:05d}",
                        parent=rng.choice(parents) if parents else None,
                        kind=kind,
                        name_ko=f"합성 {kind.label} {number}",
                        name_en=f"Synthetic {kind.value} {number}",
                        status=rng.choice(Program.Status.values),
                        start_year=start,
                        end_year=min(2030, start + rng.randint(0, 5)),
                        total_cost=rng.randrange(10, 5000) * 10**8
                        if kind != Program.Kind.PORTFOLIO
                        else None,
                        sort_order=number,
                    )
                )
            level = self.save(Program, level)
            created += level
            parents = level or parents
        return created

    def milestones(self, programs: list[Program]):
        for program in programs:
            for step in range(3):
                planned = datetime.date(program.start_year + step, 6, 30)
                done = planned < datetime.date(2025, 1, 1) and self.rng.random() < 0.8
                yield Milestone(
                    program=program,
                    title_ko=f"{program.code} 단계 {step + 1}",
                    planned_date=planned,
                    actual_date=planned + datetime.timedelta(days=self.rng.randint(-10, 90))
                    if done
                    else None,
                    status=Milestone.Status.DONE if done else Milestone.Status.PLANNED,
                )

    def indicators(self, programs: list[Program]):
        for program in programs:
            for step in range(2):
                unit, unit_en, metric = self.rng.choice(UNITS)
                yield Indicator(
                    program=program,
                    code=f"{program.code}-K{step + 1}",
                    name_ko=f"{program.code} 지표 {step + 1}",
                    metric=metric,
                    unit=unit,
                    unit_en=unit_en,
                    baseline=0,
                    baseline_year=2020,
                    target=self.rng.randrange(10, 1000),
                    target_year=self.rng.randint(2024, 2030),
                    is_cumulative=True,
                )

    def readings(self, indicators: list[Indicator]):
        for indicator in indicators:
            value = 0
            for year in range(2021, 2025):
                value += self.rng.randrange(0, int(indicator.target) // 4 + 1)
                yield IndicatorReading(
                    indicator=indicator,
                    period=datetime.date(year, 12, 31),
                    value=value,
                    status=ReadingStatus.APPROVED,  # synthetic figures count, as approved ones do
                )

    def firms(self, programs: list[Program]):
        for program in programs:
            if program.kind == Program.Kind.PROJECT:
                for step in range(2):
                    yield Firm(
                        program=program,
                        name=f"합성기업 {program.code}-{step + 1}",
                        attracted_on=datetime.date(2020 + step, 3, 1),
                        jobs=self.rng.randint(1, 50),
                    )
