from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from portfolio import closing
from portfolio.models import (
    AdjustmentKind,
    BudgetAdjustment,
    BudgetLine,
    Execution,
    ExecutionKind,
    Indicator,
    IndicatorReading,
    Program,
    YearEndClose,
    closing_period_end,
    supplementary_stage,
)
from portfolio.selectors import ledger

pytestmark = pytest.mark.django_db


LINE_KEY = ("program__code", "fiscal_year", "funding_source", "stage")


def snapshot():
    programs = Program.objects.order_by("code")
    return (
        list(programs.values_list("code", "parent__code", "kind", "status", "total_cost")),
        list(BudgetLine.objects.order_by(*LINE_KEY).values_list(*LINE_KEY, "amount")),
        list(Execution.objects.order_by("reference").values_list("reference", "program__code", "amount")),
    )


def test_the_same_seed_gives_the_same_portfolio(gwangju):
    call_command("synth", programs=30, lines=600, seed=7, stdout=StringIO())
    first = snapshot()
    call_command("synth", programs=30, lines=600, seed=7, stdout=StringIO())
    assert snapshot() == first
    assert Program.objects.filter(code__startswith="SYN-").count() == 30
    assert BudgetLine.objects.filter(program__code__startswith="SYN-").count() == 600
    assert Execution.objects.count() == 150
    assert IndicatorReading.objects.filter(indicator__code__startswith="SYN-").count() == 30 * 2 * 4
    call_command("synth", programs=30, lines=600, seed=8, stdout=StringIO())
    assert snapshot() != first


def test_it_replaces_synthetic_rows_and_keeps_the_real_data(gwangju):
    real = Program.objects.exclude(code__startswith="SYN-").count()
    call_command("synth", programs=20, lines=100, stdout=StringIO())
    call_command("synth", programs=5, lines=10, stdout=StringIO())
    assert Program.objects.filter(code__startswith="SYN-").count() == 5
    assert Program.objects.exclude(code__startswith="SYN-").count() == real
    assert Indicator.objects.filter(code="P1-FIRMS").exists()
    # History follows: one "created" row per synthetic row, old runs' history gone.
    assert Program.history.filter(code__startswith="SYN-").count() == 5
    assert BudgetLine.history.filter(program__code__startswith="SYN-").count() == 10


def test_it_refuses_more_lines_than_keys():
    with pytest.raises(CommandError, match="--lines must be between 0 and 3,500"):
        call_command("synth", programs=10, lines=3501, stdout=StringIO())
    assert Program.objects.count() == 0


def test_synthetic_ledgers_keep_the_ledger_rules():
    call_command("synth", programs=20, lines=2000, executions=1200, seed=3, stdout=StringIO())
    stages = set(BudgetLine.objects.values_list("stage", flat=True))
    assert {supplementary_stage(1), supplementary_stage(2), supplementary_stage(3)} <= stages  # several 추경
    kinds = Counter(Execution.objects.values_list("kind", flat=True))
    assert kinds[ExecutionKind.COMMITMENT] and kinds[ExecutionKind.PAYMENT] and kinds[ExecutionKind.REFUND]
    closing_period = Execution.objects.filter(executed_on__year=F("fiscal_year") + 1)
    assert closing_period.exists()
    assert not closing_period.exclude(kind=ExecutionKind.PAYMENT).exists()
    for row in closing_period:
        assert row.executed_on <= closing_period_end(row.fiscal_year)

    closes = YearEndClose.objects.all()
    assert closes.exists() and not closes.filter(fiscal_year__gte=2026).exists()
    book = ledger()
    checked = 0
    for cells in book.own.values():
        for cell in cells:
            if not cell.closed:
                continue
            checked += 1
            # A closed year states its figures: what nobody entered (None) is none.
            committed, paid, available = cell.committed or 0, cell.paid or 0, cell.available or 0
            assert cell.unused >= 0  # 불용액 never negative
            assert cell.carried_out_accident <= committed - paid
            assert cell.carried_out_accident <= available - cell.carried_in_accident  # 재이월 금지
            assert paid >= 0 and committed >= paid
    assert checked == closes.count()
    # Each close gave the next year exactly its carry-overs, as carry-ins it made.
    carried = Counter()
    for close in closes:
        for kind, amount in (
            (AdjustmentKind.CARRIED_EXPLICIT, close.carried_out_explicit),
            (AdjustmentKind.CARRIED_ACCIDENT, close.carried_out_accident),
            (AdjustmentKind.CARRIED_CONTINUING, close.carried_out_continuing),
        ):
            if amount:
                carried[(close.pk, close.fiscal_year + 1, kind)] += amount
    carry_ins = Counter()
    for adjustment in BudgetAdjustment.objects.filter(kind__in=AdjustmentKind.carry_ins()):
        assert adjustment.made_by_close_id is not None
        carry_ins[(adjustment.made_by_close_id, adjustment.fiscal_year, adjustment.kind)] += adjustment.amount
    assert carry_ins == carried and carried
    # The open years' rows pass the models' own validation.
    for row in [
        *Execution.objects.filter(fiscal_year__gte=2026),
        *BudgetAdjustment.objects.filter(fiscal_year__gte=2027),
    ]:
        row.full_clean()
    assert closing.preview_close(
        program=closes.first().program, fiscal_year=2026, funding_source=closes.first().funding_source
    )
