"""A deterministic synthetic portfolio for scale tests and benchmarks.

Programs get codes SYN-00001…; a new run first removes the previous synthetic rows (and
their history) and leaves the real data alone. The same seed always gives the same data.
Rows are inserted in chunks inside one transaction (flat memory), and their "created"
history rows are copied in SQL, so as-of reports work on synthetic data too.

The ledgers are realistic and keep the ledger's rules: 계획, 본예산 and up to three 추경 rounds
per year and source; 예비비 and transfers now and then; commitments ahead of payments, a few 반납
and some payments in the closing period of the year before; every year before CLOSED_BEFORE
closed with carry-overs that pass `closing.preview_close`'s rules, each close giving the next
year its carry-in adjustments (made_by_close set), as `closing.close_year` does.
"""

import datetime
import random
import time
from collections import Counter
from itertools import product

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import Value
from django.utils import timezone

from portfolio.models import (
    AdjustmentKind,
    BudgetAdjustment,
    BudgetLine,
    BudgetStage,
    Execution,
    ExecutionKind,
    Firm,
    FundingSource,
    Indicator,
    IndicatorReading,
    Milestone,
    Program,
    YearEndClose,
    closing_period_end,
    supplementary_stage,
)

PREFIX = "SYN-"
YEARS = range(2017, 2031)
# 계획, 본예산, then up to three 추경 rounds: a cell's stages are always a prefix of this list.
STAGES = (BudgetStage.PLAN, BudgetStage.ORIGINAL, *(supplementary_stage(n) for n in (1, 2, 3)))
CELLS = list(product(YEARS, FundingSource.values))  # (year, source): 70 per program
LINE_KEYS = list(product(YEARS, FundingSource.values, STAGES))  # 350 per program
CLOSED_BEFORE = 2026  # fiscal years before this one are closed
UNIT = 1000  # amounts in whole thousands of won
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
    fields = model._meta.concrete_fields
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


class Builder:
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

    def ledger(self, programs: list[Program], n_lines: int, n_executions: int) -> None:
        """Budget lines, adjustments, executions and closes that keep the ledger's rules."""
        cells = self.plan_cells(len(programs), n_lines)
        self.save(BudgetLine, self.budget_lines(programs, cells))
        budgeted = [key for key, amounts in cells.items() if len(amounts) > 1] or [
            (self.rng.randrange(len(programs)), CLOSED_BEFORE, self.rng.choice(FundingSource.values))
        ]
        # About four executions per cell that has any, so most have both commitments and payments.
        active = self.rng.sample(budgeted, max(1, min(len(budgeted), n_executions // 4)))
        counts = Counter(self.rng.choice(active) for _ in range(n_executions))
        executions: list[Execution] = []
        adjustments: list[BudgetAdjustment] = []
        closes: list[tuple[YearEndClose, list[tuple[str, int]]]] = []
        chains = sorted({(index, source) for index, _year, source in [*cells, *counts]})
        for index, source in chains:
            program, carried_in = programs[index], []
            for year in YEARS:
                key = (index, year, source)
                amounts = cells.get(key, [])
                adopted = amounts[-1] if len(amounts) > 1 else 0
                own = list(self.adjustments(program, year, source, adopted))
                adjustments += own
                available = adopted + sum(a for _, a in carried_in) + sum(a.amount for a in own)
                committed, paid = self.cell_executions(
                    program, year, source, available, counts[key], executions
                )
                if year < CLOSED_BEFORE and (available or committed or paid):
                    accident_in = sum(a for kind, a in carried_in if kind == AdjustmentKind.CARRIED_ACCIDENT)
                    close = self.close(
                        program, year, source, available, committed, paid, accident_in, adopted
                    )
                    carried_in = [
                        (kind, amount)
                        for kind, amount in (
                            (AdjustmentKind.CARRIED_EXPLICIT, close.carried_out_explicit),
                            (AdjustmentKind.CARRIED_ACCIDENT, close.carried_out_accident),
                            (AdjustmentKind.CARRIED_CONTINUING, close.carried_out_continuing),
                        )
                        if amount
                    ]
                    closes.append((close, carried_in))
                else:
                    carried_in = []
        for number, execution in enumerate(executions, start=1):
            execution.description, execution.reference = f"합성 집행 {number}", f"SYN-E{number:07d}"
        self.save(Execution, executions)
        self.save(YearEndClose, [close for close, _ in closes])
        self.save(BudgetAdjustment, [*adjustments, *self.carry_ins(closes)])

    def plan_cells(self, n_programs: int, n: int) -> dict[tuple[int, int, str], list[int]]:
        """(program index, year, source) → the amounts of its stages (a prefix of STAGES)."""
        cells: dict[tuple[int, int, str], list[int]] = {}
        per_program, extra = divmod(n, n_programs)
        for index in range(n_programs):
            remaining = per_program + (1 if index < extra else 0)
            keys = self.rng.sample(CELLS, len(CELLS))
            sizes: dict[tuple[int, str], int] = {}
            for key in keys:  # most cells get 본예산 and a round or two …
                take = min(remaining, self.rng.randint(2, len(STAGES)))
                if take:
                    sizes[key] = take
                remaining -= take
            for key in keys:  # … and a dense program fills them all
                more = min(remaining, len(STAGES) - sizes.get(key, 0))
                if more:
                    sizes[key] = sizes.get(key, 0) + more
                remaining -= more
            for (year, source), size in sizes.items():
                amount = self.rng.randrange(1, 50_000) * 10**6  # the plan
                amounts = [amount]
                for _ in range(size - 1):
                    amount = self.units(amount * self.rng.uniform(0.85, 1.15))
                    amounts.append(amount)
                cells[(index, year, source)] = amounts
        return cells

    def budget_lines(self, programs: list[Program], cells: dict[tuple[int, int, str], list[int]]):
        for (index, year, source), amounts in cells.items():
            for stage, amount in zip(STAGES, amounts, strict=False):
                yield BudgetLine(
                    program=programs[index],
                    fiscal_year=year,
                    funding_source=source,
                    stage=stage,
                    amount=amount,
                )

    def units(self, amount: float) -> int:
        return int(amount) // UNIT * UNIT

    def adjustments(self, program: Program, year: int, source: str, adopted: int):
        """Now and then 예비비 (added) and a transfer in or out (at most 5 % of the budget)."""
        if not adopted:
            return
        for kind in (AdjustmentKind.RESERVE, self.rng.choice(AdjustmentKind.transfers())):
            if self.rng.random() < 0.15:
                amount = max(UNIT, self.units(adopted * self.rng.uniform(0.01, 0.05)))
                if kind != AdjustmentKind.RESERVE and self.rng.random() < 0.5:
                    amount = -amount
                yield BudgetAdjustment(
                    program=program,
                    fiscal_year=year,
                    funding_source=source,
                    kind=kind,
                    amount=amount,
                    adjusted_on=datetime.date(year, self.rng.randint(4, 10), 15),
                    basis=f"합성 의결 {year}-{self.rng.randint(1, 99)}",
                )

    def cell_executions(
        self, program: Program, year: int, source: str, available: int, count: int, out: list
    ) -> tuple[int, int]:
        """`count` executions of a cell: commitments first, payments within them (net of a few
        반납, some in the closing period of the next year). Returns (원인행위액, 지출액)."""
        if not count:
            return 0, 0
        rng = self.rng
        n_commit = max(1, round(count * 0.35))
        n_refund = sum(rng.random() < 0.05 for _ in range(count - n_commit))
        n_pay = count - n_commit - n_refund
        if n_pay == 0:
            n_commit, n_refund = n_commit + n_refund, 0
        budget = available or count * 10**8  # a cell without budget (tiny portfolios) is not closed
        committed = self.units(budget * rng.uniform(0.6, 1.0))
        paid = self.units(committed * rng.uniform(0.5, 1.0)) if n_pay else 0
        refunds = [self.units(paid * rng.uniform(0.005, 0.02)) for _ in range(n_refund)]
        start = datetime.date(year, 1, 2)
        for amount in self.split(committed, n_commit):
            day = start + datetime.timedelta(days=rng.randrange(180))
            out.append(self.execution(program, ExecutionKind.COMMITMENT, day, year, source, amount))
        for amount in self.split(paid + sum(refunds), n_pay):
            if rng.random() < 0.1:  # paid in the closing period, booked to the year before
                late = (closing_period_end(year) - datetime.date(year + 1, 1, 1)).days
                day = datetime.date(year + 1, 1, 1) + datetime.timedelta(days=rng.randrange(late + 1))
            else:
                day = datetime.date(year, 3, 1) + datetime.timedelta(days=rng.randrange(300))
            out.append(self.execution(program, ExecutionKind.PAYMENT, day, year, source, amount))
        for amount in refunds:
            day = datetime.date(year, 11, 1) + datetime.timedelta(days=rng.randrange(60))
            out.append(self.execution(program, ExecutionKind.REFUND, day, year, source, amount))
        return committed, paid

    def split(self, total: int, parts: int) -> list[int]:
        if parts <= 0:
            return []
        weights = [self.rng.random() + 0.1 for _ in range(parts)]
        amounts = [self.units(total * w / sum(weights)) for w in weights[:-1]]
        return [*amounts, total - sum(amounts)]

    @staticmethod
    def execution(program, kind, day, year, source, amount) -> Execution:
        return Execution(
            program=program,
            kind=kind,
            executed_on=day,
            fiscal_year=year,
            funding_source=source,
            amount=amount,
        )

    def close(self, program, year, source, available, committed, paid, accident_in, adopted) -> YearEndClose:
        """Carry-overs that `closing.preview_close` accepts: 사고이월 within the unpaid commitments
        and not of money carried in by 사고이월, and never a negative 불용액."""
        rng = self.rng
        may_accident = max(0, min(committed - paid, available - accident_in))
        accident = self.units(may_accident * rng.random()) if rng.random() < 0.5 else 0
        room = available - paid - accident
        explicit = self.units(room * rng.uniform(0, 0.4)) if adopted and rng.random() < 0.3 else 0
        continuing = (
            self.units((room - explicit) * rng.uniform(0, 0.3)) if adopted and rng.random() < 0.1 else 0
        )
        return YearEndClose(
            program=program,
            fiscal_year=year,
            funding_source=source,
            carried_out_explicit=explicit,
            carried_out_accident=accident,
            carried_out_continuing=continuing,
            closed_on=datetime.date(year + 1, 2, 28),
        )

    @staticmethod
    def carry_ins(closes: list[tuple[YearEndClose, list[tuple[str, int]]]]):
        """The next year's carry-in adjustments of each close, as `closing.close_year` writes them."""
        for close, carried in closes:
            for kind, amount in carried:
                yield BudgetAdjustment(
                    program=close.program,
                    fiscal_year=close.fiscal_year + 1,
                    funding_source=close.funding_source,
                    kind=kind,
                    amount=amount,
                    adjusted_on=datetime.date(close.fiscal_year + 1, 1, 1),
                    basis=f"{close.fiscal_year}년 결산 마감",
                    made_by_close=close,
                )

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
                yield IndicatorReading(indicator=indicator, period=datetime.date(year, 12, 31), value=value)

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
