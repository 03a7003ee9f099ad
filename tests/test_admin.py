"""The Korean admin: every page renders for the office with a fixed number of queries,
changes are kept in the history with who made them, and managers can only look."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
from tests.factories import (
    BudgetLineFactory,
    ExecutionFactory,
    FirmFactory,
    IndicatorFactory,
    MilestoneFactory,
    ProgramFactory,
    ReadingFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
MODELS = [Source, Program, BudgetLine, Execution, Milestone, Indicator, IndicatorReading, Firm]


def add_rows(n: int) -> Program:
    """n rows in every table, all on one program so its change page shows n inline rows each."""
    source = SourceFactory()
    program = ProgramFactory(code=f"BIG-{n}", source=source)
    first_indicator = IndicatorFactory(program=program, source=source)  # its page shows n readings
    for index in range(n):
        ReadingFactory(indicator=first_indicator, period=datetime.date(2000 + index, 12, 31), source=source)
        child = ProgramFactory(parent=program, kind="project", source=source)
        BudgetLineFactory(program=program, fiscal_year=2000 + index, source=source)
        ExecutionFactory(program=program, source=source)
        MilestoneFactory(program=program, source=source)
        indicator = IndicatorFactory(program=program, source=source)
        ReadingFactory(indicator=indicator, source=source)
        FirmFactory(program=child, source=source)
        SourceFactory()
    return program


def url(model, view: str, *args) -> str:
    return reverse(f"admin:portfolio_{model._meta.model_name}_{view}", args=args)


def queries_for(client, path: str) -> int:
    client.get(path)  # warm per-process caches (content types, permissions) first
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelists_render_with_a_fixed_number_of_queries(client, office_staff, model):
    client.force_login(office_staff)
    add_rows(3)
    few = queries_for(client, url(model, "changelist"))
    add_rows(30)
    many = queries_for(client, url(model, "changelist"))
    assert many == few


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_change_pages_render_with_a_fixed_number_of_queries(client, office_staff, model):
    client.force_login(office_staff)
    small, large = add_rows(2), add_rows(25)
    pick = {
        Program: lambda p: p,
        Source: lambda p: p.source,
        IndicatorReading: lambda p: IndicatorReading.objects.filter(indicator__program=p).first(),
        Firm: lambda p: Firm.objects.filter(program__parent=p).first(),
        Indicator: lambda p: Indicator.objects.filter(program=p).order_by("pk").first(),
    }.get(model, lambda p: model.objects.filter(program=p).first())
    counts = [queries_for(client, url(model, "change", pick(p).pk)) for p in (small, large)]
    assert counts[0] == counts[1]
    assert queries_for(client, url(model, "history", pick(large).pk)) > 0
    assert queries_for(client, url(model, "add")) > 0


def test_the_admin_speaks_korean(client, office_staff, gwangju):
    client.force_login(office_staff)
    # Korean first, even for a browser that prefers English.
    page = client.get(url(Program, "changelist"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "사업" in page
    assert "집행률" in page
    assert "6,000억원" in page  # the AX valley's total cost, from the selectors
    assert "광주 AI 사업 관리" in client.get(reverse("admin:index")).content.decode()


def test_the_change_history_pages_speak_korean(client, office_staff, gwangju):
    # django-simple-history has no Korean catalogue; config/locale gives it one.
    client.force_login(office_staff)
    program = Program.objects.get(code="AX-VALLEY")
    page = client.get(url(Program, "history", program.pk)).content.decode()
    for korean in ["변경한 사람", "변경 사유", "아래 목록에서 날짜를 골라"]:
        assert korean in page
    for english in ["Changed by", "Change reason", "Choose a date from the list below"]:
        assert english not in page


def test_english_is_there_when_chosen(client, office_staff):
    client.force_login(office_staff)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    page = client.get(url(Program, "changelist")).content.decode()
    assert "Select program to change" in page
    assert '<html lang="en"' in page


def test_budget_list_shows_the_total_of_the_filtered_rows(client, office_staff):
    client.force_login(office_staff)
    BudgetLineFactory(fiscal_year=2025, amount=600_000_000_000)
    BudgetLineFactory(fiscal_year=2026, amount=5)
    page = client.get(url(BudgetLine, "changelist"), {"fiscal_year": 2025}).content.decode()
    assert "6,000억원" in page
    assert "1건" in page


def test_a_change_is_kept_in_the_history_with_who_made_it(client, office_staff, gwangju):
    client.force_login(office_staff)
    program = Program.objects.get(code="AX-VALLEY")
    form = {
        "code": program.code,
        "parent": program.parent_id,
        "kind": program.kind,
        "name_ko": program.name_ko,
        "name_en": program.name_en,
        "status": Program.Status.RUNNING,
        "start_year": 2026,
        "end_year": 2030,
        "total_cost": 600_000_000_000,
        "office": program.office,
        "source": program.source_id,
        "sort_order": 2,
        "description": program.description,
    }
    for prefix in ("budget_lines", "budget_adjustments", "executions", "milestones", "indicators"):
        existing = getattr(program, prefix).count()
        form |= {f"{prefix}-TOTAL_FORMS": existing, f"{prefix}-INITIAL_FORMS": existing}
    for index, milestone in enumerate(program.milestones.all()):
        form |= {
            f"milestones-{index}-id": milestone.pk,
            f"milestones-{index}-program": program.pk,
            f"milestones-{index}-title_ko": milestone.title_ko,
            f"milestones-{index}-planned_date": milestone.planned_date.isoformat(),
            f"milestones-{index}-date_precision": milestone.date_precision,
            f"milestones-{index}-actual_date": milestone.actual_date.isoformat()
            if milestone.actual_date
            else "",
            f"milestones-{index}-status": milestone.status,
            f"milestones-{index}-source": milestone.source_id,
        }
    response = client.post(url(Program, "change", program.pk), form)
    assert response.status_code == 302, response.content.decode()[:2000]

    latest = program.history.first()
    assert latest.history_user == office_staff
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("status", "approved", "running")]
    page = client.get(url(Program, "history", program.pk)).content.decode()
    assert "staff" in page


def test_a_rejected_edit_in_the_admin_names_the_field_and_saves_nothing(client, office_staff):
    client.force_login(office_staff)
    line = BudgetLineFactory(amount=100)
    form = {
        "program": line.program_id,
        "fiscal_year": line.fiscal_year,
        "funding_source": line.funding_source,
        "stage": line.stage,
        "amount": -5,
    }
    response = client.post(url(BudgetLine, "change", line.pk), form)
    assert response.status_code == 200
    assert "금액은 음수일 수 없습니다." in response.content.decode()
    line.refresh_from_db()
    assert line.amount == 100
    assert line.history.count() == 1


def test_managers_can_look_but_not_change(client, manager, gwangju):
    client.force_login(manager)
    program = Program.objects.get(code="AX-VALLEY")
    assert client.get(url(Program, "changelist")).status_code == 200
    view = client.get(url(Program, "change", program.pk))
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert client.post(url(Program, "change", program.pk), {"status": "cancelled"}).status_code == 403
    assert client.get(url(Program, "add")).status_code == 403
    assert client.post(url(Execution, "add"), {"amount": 1}).status_code == 403
    program.refresh_from_db()
    assert program.status == Program.Status.APPROVED
    assert Execution.objects.count() == 0


def test_office_staff_can_add_an_execution(client, office_staff):
    client.force_login(office_staff)
    program = ProgramFactory()
    response = client.post(
        url(Execution, "add"),
        {
            "program": program.pk,
            "kind": "payment",
            "executed_on": "2026-03-02",
            "fiscal_year": "",
            "funding_source": "city",
            "amount": 1_500_000_000,
            "evidence-TOTAL_FORMS": 0,  # the evidence inline, left empty
            "evidence-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    execution = Execution.objects.get()
    assert (execution.amount, execution.executed_on) == (1_500_000_000, datetime.date(2026, 3, 2))
    assert (execution.kind, execution.fiscal_year) == ("payment", 2026)  # the year of the date
    assert execution.history.get().history_user == office_staff


def test_the_domains_admin_imports_none_of_the_apps_that_extend_it():
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "portfolio" / "admin"
    imported = set()
    for module in folder.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
    assert not imported & {"imports", "reports", "api", "dashboard"}


def test_the_imports_and_reports_apps_extend_the_domains_admin():
    from django.contrib import admin

    from imports.admin import SpreadsheetImportMixin
    from reports.admin import ReportActionsMixin

    for model in (BudgetLine, Execution, Milestone, IndicatorReading, Firm):
        assert isinstance(admin.site.get_model_admin(model), SpreadsheetImportMixin), model
    for model in (Program, Indicator, Source):
        assert not isinstance(admin.site.get_model_admin(model), SpreadsheetImportMixin), model
    program_admin = admin.site.get_model_admin(Program)
    assert isinstance(program_admin, ReportActionsMixin)
    assert type(program_admin).__name__ == "ProgramAdmin"
    assert reverse("admin:portfolio_budgetline_import") == "/admin/portfolio/budgetline/import/"
