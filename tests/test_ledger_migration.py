"""The ledger's migration keeps existing data: a 추경 row reads as 1차 추경 with its history, and
every execution becomes a payment booked to the year of its date."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portfolio.models import BudgetLine, BudgetStage, Execution, ExecutionKind

BEFORE = [("portfolio", "0002_roles")]


@pytest.mark.django_db(transaction=True)
def test_existing_supplementary_rows_become_the_first_round_and_executions_payments():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    program = old.get_model("portfolio", "Program").objects.create(code="OLD", name_ko="옛 사업")
    line = old.get_model("portfolio", "BudgetLine").objects.create(
        program=program, fiscal_year=2025, funding_source="national", stage=3, amount=5
    )
    old.get_model("portfolio", "HistoricalBudgetLine").objects.create(
        id=line.pk, program_id=program.pk, fiscal_year=2025, funding_source="national", stage=3, amount=5,
        history_date=datetime.datetime(2025, 5, 1, tzinfo=datetime.UTC), history_type="+",
    )  # fmt: skip
    old.get_model("portfolio", "Execution").objects.create(
        program=program, executed_on=datetime.date(2025, 7, 1), funding_source="national", amount=3
    )

    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    migrated = BudgetLine.objects.get(program__code="OLD")
    assert migrated.stage == BudgetStage.SUPPLEMENTARY
    assert migrated.get_stage_display() == "1차 추경"
    assert BudgetLine.history.get(id=migrated.pk).stage == BudgetStage.SUPPLEMENTARY
    execution = Execution.objects.get(program__code="OLD")
    assert (execution.kind, execution.fiscal_year) == (ExecutionKind.PAYMENT, 2025)
    Execution.objects.filter(program__code="OLD").delete()
    BudgetLine.objects.filter(program__code="OLD").delete()
    BudgetLine.history.filter(id=migrated.pk).delete()
