"""The real dataset: every fact in FACTS.md, with its source, loaded once however often it runs."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from portfolio import selectors
from portfolio.display import quantity_ko, won_en, won_ko
from portfolio.models import (
    BudgetLine,
    Execution,
    Firm,
    Indicator,
    IndicatorReading,
    Milestone,
    Program,
    Source,
)

pytestmark = pytest.mark.django_db
MODELS = (Source, Program, BudgetLine, Execution, Milestone, Indicator, IndicatorReading, Firm)


def counts():
    return {model.__name__: (model.objects.count(), model.history.count()) for model in MODELS}


def test_the_ax_valley_is_600_billion_won_over_2026_to_2030(gwangju):
    valley = Program.objects.get(code="AX-VALLEY")
    assert valley.total_cost == 600_000_000_000
    assert won_ko(valley.total_cost) == "6,000억원"
    assert won_en(valley.total_cost) == "₩600.0B"
    assert (valley.start_year, valley.end_year) == (2026, 2030)
    assert valley.status == Program.Status.APPROVED
    assert valley.parent.code == "GJ-AI"
    exemption = valley.milestones.get(title_ko__contains="예비타당성조사 면제")
    assert exemption.actual_date == datetime.date(2025, 8, 22)
    assert exemption.source.publisher == "뉴시스"


def test_phase_one_results(gwangju):
    actual = {kpi.code: kpi.actual for kpi in selectors.kpi_progress()}
    assert actual["P1-FIRMS"] == Decimal(160)
    assert actual["P1-JOBS"] == Decimal(650)
    assert actual["NADC-GPUS"] == Decimal(2500)
    assert actual["NAICC-POWER"] == Decimal(120)
    assert actual["NAICC-COOLING"] == Decimal(60000)
    gpus = Indicator.objects.get(code="NADC-GPUS")
    assert quantity_ko(gpus.readings.get().value, gpus.unit) == "2,500대"
    assert quantity_ko(Decimal(650), Indicator.objects.get(code="P1-JOBS").unit) == "650명"
    assert Program.objects.get(code="GJ-AI-P1").status == Program.Status.COMPLETED


def test_the_national_context(gwangju):
    budget = BudgetLine.objects.get(program__code="NAT-AI-BUDGET-2026")
    assert (budget.amount, budget.fiscal_year) == (10_100_000_000_000, 2026)
    assert won_ko(budget.amount) == "10조 1,000억원"
    assert won_en(budget.amount) == "₩10.1T"
    gpu_goal = Indicator.objects.get(code="NAT-GPUS-2030")
    assert (gpu_goal.target, gpu_goal.target_year) == (Decimal(200_000), 2030)
    assert Program.objects.get(code="NAT-AI-BUDGET-2026").is_national_context
    # National items never count in the city's own money.
    assert selectors.portfolio_totals().planned is None  # the city entered no plan: unknown, not 0
    assert selectors.portfolio_totals(include_national=True).planned == 10_100_000_000_000


def test_the_computing_center_bid_and_other_proposals(gwangju):
    assert Program.objects.get(code="NAICC-BID").status == Program.Status.NOT_SELECTED
    assert Program.objects.get(code="NAIRI").status == Program.Status.PROPOSED
    assert Program.objects.get(code="NAI-CLUSTER").status == Program.Status.PROPOSED
    assert Indicator.objects.get(code="NAICC-POWER").unit == "MW"


def test_dated_events_are_milestones(gwangju):
    dates = set(Milestone.objects.values_list("actual_date", flat=True))
    for day in [(2025, 8, 22), (2025, 10, 13), (2025, 10, 23), (2025, 10, 24)]:
        assert datetime.date(*day) in dates
    start = Milestone.objects.get(title_ko="AI 중심도시 추진 시작")
    assert (start.date_precision, start.actual_date.year) == ("year", 2017)


def test_every_fact_cites_its_source(gwangju):
    assert set(Source.objects.values_list("key", "publisher")) == {("S1", "광주일보"), ("S2", "뉴시스")}
    for model in (Program, BudgetLine, Milestone, Indicator, IndicatorReading):
        assert not model.objects.filter(source__isnull=True).exists(), model.__name__


def test_what_the_articles_do_not_give_stays_empty(gwangju):
    assert Firm.objects.count() == 0
    assert Execution.objects.count() == 0
    assert not BudgetLine.objects.filter(program__code="AX-VALLEY").exists()  # no yearly split
    # How it is funded is known in words only: national money, city money and private matching.
    assert "민간 매칭" in Program.objects.get(code="AX-VALLEY").description


def test_a_second_run_changes_nothing():
    call_command("load_gwangju", stdout=StringIO())
    first = counts()
    out = StringIO()
    call_command("load_gwangju", stdout=out)
    assert counts() == first  # same rows and no new history rows
    assert "0 rows created or updated" in out.getvalue()
    assert first["Program"] == (13, 13)


def test_a_run_repairs_a_changed_fact():
    call_command("load_gwangju", stdout=StringIO())
    Program.objects.filter(code="AX-VALLEY").update(total_cost=1)
    call_command("load_gwangju", stdout=StringIO())
    assert Program.objects.get(code="AX-VALLEY").total_cost == 600_000_000_000


def test_demo_users_have_their_roles(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_user", address="127.0.0.1:9000", stdout=out)
    call_command("demo_user", stdout=StringIO())  # twice is fine
    from django.contrib.auth.models import User

    assert User.objects.get(username="admin").is_superuser
    assert list(User.objects.get(username="manager").groups.values_list("name", flat=True)) == [
        "관리자(과장·국장)"
    ]
    printed = out.getvalue()
    for address in ("/admin/", "/dashboard/", "/reports/", "/api/docs/"):
        assert f"http://127.0.0.1:9000{address}" in printed


def test_demo_users_are_refused_in_production(settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG=1"):
        call_command("demo_user", stdout=StringIO())


def test_history_starts_on_the_days_the_facts_became_known(gwangju):
    at_year_end = selectors.load_scope(as_of=datetime.date(2025, 12, 31))
    assert "AX-VALLEY" in {node.code for node in at_year_end.nodes}
    assert len(at_year_end.nodes) == Program.objects.count()
    actual = {kpi.code: kpi.actual for kpi in selectors.kpi_progress(as_of=datetime.date(2025, 12, 31))}
    assert actual["P1-FIRMS"] == Decimal(160)

    # Between the exemption and the articles, only the AX valley (and the portfolio it sits in).
    exempted = selectors.load_scope(as_of=datetime.date(2025, 9, 1))
    assert [node.code for node in exempted.nodes] == ["GJ-AI", "AX-VALLEY"]
    assert exempted.nodes[1].status == Program.Status.APPROVED

    assert selectors.load_scope(as_of=datetime.date(2025, 1, 1)).nodes == []


def test_a_report_can_be_asked_for_as_the_office_stood_at_the_end_of_2025(gwangju, manager):
    from reports.services import request_report

    run = request_report(
        kind="portfolio", requested_by=manager, as_of=datetime.date(2025, 12, 31), root="AX-VALLEY"
    )
    assert run.root == "AX-VALLEY"


def test_a_second_load_leaves_the_dated_history_alone(gwangju):
    dates = list(Program.history.order_by("history_id").values_list("history_date", flat=True))
    call_command("load_gwangju", stdout=StringIO())
    assert list(Program.history.order_by("history_id").values_list("history_date", flat=True)) == dates


def test_a_row_a_person_created_keeps_its_own_history_date(db, office_staff):
    from portfolio.management.commands.load_gwangju import start_history_on

    source = Source.objects.create(key="X", publisher="p", published_on=datetime.date(2025, 1, 1), title="t")
    record = source.history.get()
    record.history_user = office_staff
    record.save()
    assert start_history_on(source, datetime.date(2024, 1, 1)) is False
