from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portfolio.models import BudgetLine, Execution, Indicator, IndicatorReading, Program

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
