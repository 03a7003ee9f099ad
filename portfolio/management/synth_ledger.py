"""The ledger part of `synth`: budget lines by stage, adjustments, executions and year-end closes
that keep the ledger's rules, as `closing.preview_close` and the models' clean() check them.

Mixed into synth's Builder, which gives it `rng` (a seeded random.Random) and `save(model, rows)`.
"""

import datetime
from collections import Counter
from itertools import product

from portfolio.models import (
    AdjustmentKind,
    BudgetAdjustment,
    BudgetLine,
    BudgetStage,
    Execution,
    ExecutionKind,
    FundingSource,
    Program,
    YearEndClose,
    closing_period_end,
    supplementary_stage,
)

YEARS = range(2017, 2031)
# 계획, 본예산, then up to three 추경 rounds: a cell's stages are always a prefix of this list.
STAGES = (BudgetStage.PLAN, BudgetStage.ORIGINAL, *(supplementary_stage(n) for n in (1, 2, 3)))
CELLS = list(product(YEARS, FundingSource.values))  # (year, source): 70 per program
LINE_KEYS = list(product(YEARS, FundingSource.values, STAGES))  # 350 per program
CLOSED_BEFORE = 2026  # fiscal years before this one are closed
UNIT = 1000  # amounts in whole thousands of won


class LedgerBuilder:
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
