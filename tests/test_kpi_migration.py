"""The approval migration keeps every existing reading counting: readings, and their history
rows, become 승인 (approved by the migration: no approver, no approval time), so neither today's
figures nor an earlier day's (as_of) change, and the briefing lists none of them as newly approved."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portfolio import selectors
from portfolio.models import Indicator, IndicatorReading, Program, ReadingStatus
from portfolio.roles import APPROVERS

BEFORE = [("portfolio", "0008_amount_ceiling")]


@pytest.mark.django_db(transaction=True)
def test_existing_readings_become_approved_and_keep_counting():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    program = old.get_model("portfolio", "Program").objects.create(code="OLD", name_ko="옛 사업")
    indicator = old.get_model("portfolio", "Indicator").objects.create(
        program=program, code="OLD-JOBS", name_ko="일자리", unit="명", is_cumulative=False
    )
    reading = old.get_model("portfolio", "IndicatorReading").objects.create(
        indicator=indicator, period=datetime.date(2025, 6, 30), value=Decimal(12)
    )
    moment = datetime.datetime(2025, 7, 1, tzinfo=datetime.UTC)
    for model, values in (
        ("HistoricalProgram", {"id": program.pk, "code": "OLD", "name_ko": "옛 사업"}),
        ("HistoricalIndicator", {"id": indicator.pk, "program_id": program.pk, "code": "OLD-JOBS",
                                 "name_ko": "일자리", "unit": "명", "is_cumulative": False}),
        ("HistoricalIndicatorReading", {"id": reading.pk, "indicator_id": indicator.pk,
                                        "period": datetime.date(2025, 6, 30), "value": Decimal(12)}),
    ):  # fmt: skip
        old.get_model("portfolio", model).objects.create(**values, history_date=moment, history_type="+")

    try:
        MigrationExecutor(connection).migrate(latest)
        migrated = IndicatorReading.objects.get(indicator__code="OLD-JOBS")
        assert migrated.status == ReadingStatus.APPROVED
        assert (migrated.approved_by, migrated.approved_at) == (None, None)
        assert IndicatorReading.history.get(id=migrated.pk).status == ReadingStatus.APPROVED
        assert selectors.kpi_progress(root="OLD")[0].actual == Decimal(12)
        assert selectors.kpi_progress(root="OLD", as_of=datetime.date(2025, 7, 2))[0].actual == Decimal(12)
        assert selectors.changes_since(since=datetime.date(2025, 1, 1)).new_readings == []
        approvers = Group.objects.get(name=APPROVERS)
        assert approvers.permissions.filter(codename="approve_indicatorreading").exists()
    finally:
        IndicatorReading.objects.filter(indicator__code="OLD-JOBS").delete()
        Indicator.objects.filter(code="OLD-JOBS").delete()
        Program.objects.filter(code="OLD").delete()
        for model in (IndicatorReading, Indicator, Program):
            model.history.all().delete()
