"""Ledgers for the read-side tests: the issue's worked example built through the models' checks
as tests/test_ledger.py builds it, and a portfolio of N programs with a ledger in every corner
(two 추경 rounds, adjustments, commitments, payments, 반납 and a year-end close) written with
bulk_create, for query-count tests that need 1,000 programs fast."""

import datetime

from portfolio.models import (
    AdjustmentKind,
    BudgetAdjustment,
    BudgetLine,
    BudgetStage,
    Execution,
    ExecutionKind,
    Program,
    YearEndClose,
    supplementary_stage,
)

EOK = 100_000_000


def worked_example() -> Program:
    """Program P, 2026, 국비: 본예산 80억, 1차 추경 95억, 2차 추경 90억; 예비비 +2억; 전용 −1억;
    사고이월 carried in 5억; 원인행위 70억, 지출 61억, 반납 0.5억 (예산현액 96억, 지출액 60.5억)."""
    from tests.factories import BudgetLineFactory, ProgramFactory
    from tests.test_ledger import adjustment, execution

    program = ProgramFactory(code="P")
    for stage, amount in (
        (BudgetStage.ORIGINAL, 80),
        (supplementary_stage(1), 95),
        (supplementary_stage(2), 90),
    ):
        BudgetLineFactory(program=program, fiscal_year=2026, stage=stage, amount=amount * EOK)
    adjustment(program, AdjustmentKind.RESERVE, 2 * EOK)
    adjustment(program, AdjustmentKind.TRANSFER_SUBITEM, -1 * EOK)
    adjustment(program, AdjustmentKind.CARRIED_ACCIDENT, 5 * EOK)
    execution(program, ExecutionKind.COMMITMENT, 70 * EOK, datetime.date(2026, 3, 2))
    execution(program, ExecutionKind.PAYMENT, 61 * EOK, datetime.date(2026, 9, 30))
    execution(program, ExecutionKind.REFUND, EOK // 2, datetime.date(2026, 11, 30))
    return program


def ledger_portfolio(programs: int, *, prefix: str = "LB") -> Program:
    """A portfolio root and `programs` programs under it, codes f"{prefix}-00001" on."""
    root = Program.objects.create(code=f"{prefix}-ROOT", name_ko="묶음", kind=Program.Kind.PORTFOLIO)
    made = Program.objects.bulk_create(
        Program(
            code=f"{prefix}-{n:05d}",
            name_ko=f"사업 {n}",
            parent=root,
            status=Program.Status.RUNNING,
            total_cost=500 * EOK,
            sort_order=n,
        )
        for n in range(1, programs + 1)
    )
    lines, adjustments, executions, closes = [], [], [], []
    for program in made:
        for year in (2025, 2026):
            for stage, eok in (
                (BudgetStage.ORIGINAL, 80),
                (supplementary_stage(1), 95),
                (supplementary_stage(2), 90),
            ):
                lines.append(
                    BudgetLine(
                        program=program,
                        fiscal_year=year,
                        funding_source="national",
                        stage=stage,
                        amount=eok * EOK,
                    )
                )
            adjustments.append(
                BudgetAdjustment(
                    program=program,
                    fiscal_year=year,
                    funding_source="national",
                    kind=AdjustmentKind.RESERVE,
                    amount=2 * EOK,
                    adjusted_on=datetime.date(year, 3, 1),
                )
            )
            for kind, eok in (
                (ExecutionKind.COMMITMENT, 70),
                (ExecutionKind.PAYMENT, 61),
                (ExecutionKind.REFUND, 1),
            ):
                executions.append(
                    Execution(
                        program=program,
                        kind=kind,
                        fiscal_year=year,
                        executed_on=datetime.date(year, 6, 30),
                        funding_source="national",
                        amount=eok * EOK,
                    )
                )
        closes.append(
            YearEndClose(
                program=program,
                fiscal_year=2025,
                funding_source="national",
                carried_out_explicit=20 * EOK,
                closed_on=datetime.date(2026, 1, 20),
            )
        )
    BudgetLine.objects.bulk_create(lines)
    BudgetAdjustment.objects.bulk_create(adjustments)
    Execution.objects.bulk_create(executions)
    YearEndClose.objects.bulk_create(closes)
    return root
