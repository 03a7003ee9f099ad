"""Two people editing the same row: the second save of a stale form is refused with who changed
what and when, and the first person's save is kept (admin change pages, inlines, services)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from portfolio import services
from portfolio.models import BudgetLine, Program
from portfolio.models.versioning import RecordChangedError
from portfolio.roles import OFFICE_STAFF
from tests.conftest import make_user
from tests.factories import BudgetLineFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def change_url(obj) -> str:
    return reverse(f"admin:portfolio_{obj._meta.model_name}_change", args=[obj.pk])


def form_data(response) -> dict:
    """What the browser would post back from a change page: every input, as rendered."""
    data = {}

    def add(form) -> None:
        for bound in form:
            value = bound.value()
            data[bound.html_name] = "" if value is None else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        initial = len(formset.initial_forms)
        prefix = formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": initial, f"{prefix}-INITIAL_FORMS": initial}
        for form in formset.initial_forms:
            add(form)
    return data


@pytest.fixture
def two_staff(django_user_model) -> tuple[Client, Client]:
    first, second = Client(), Client()
    first.force_login(make_user(django_user_model, "kim", group=OFFICE_STAFF))
    second.force_login(make_user(django_user_model, "lee", group=OFFICE_STAFF))
    return first, second


def test_the_second_save_of_a_stale_budget_line_is_refused_and_the_first_is_kept(two_staff):
    kim, lee = two_staff
    line = BudgetLineFactory(amount=100, note="")
    kims_form = form_data(kim.get(change_url(line)))
    lees_form = form_data(lee.get(change_url(line)))
    assert kims_form["seen_version"] == lees_form["seen_version"] == 1

    assert kim.post(change_url(line), kims_form | {"amount": 250}).status_code == 302
    response = lee.post(change_url(line), lees_form | {"note": "이 줄만 고침"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "편집하는 동안 다른 사람이 이 항목(예산)을 저장했습니다: kim" in page
    assert "kim" in page
    assert "금액 (원): 100 → 250" in page
    assert "입력하신 변경은 저장되지 않았고" in page
    line.refresh_from_db()
    assert (line.amount, line.note, line.version) == (250, "", 2)
    assert line.history.count() == 2  # created, and kim's save; nothing from lee


def test_a_fresh_form_after_the_refusal_saves(two_staff):
    kim, lee = two_staff
    line = BudgetLineFactory(amount=100)
    lees_stale = form_data(lee.get(change_url(line)))
    kims_form = form_data(kim.get(change_url(line)))
    assert kim.post(change_url(line), kims_form | {"amount": 250}).status_code == 302
    assert lee.post(change_url(line), lees_stale | {"note": "고침"}).status_code == 200

    reloaded = form_data(lee.get(change_url(line)))
    assert lee.post(change_url(line), reloaded | {"note": "고침"}).status_code == 302
    line.refresh_from_db()
    assert (line.amount, line.note, line.version) == (250, "고침", 3)


def test_a_stale_inline_row_refuses_the_whole_program_page(two_staff):
    kim, lee = two_staff
    program = ProgramFactory(name_ko="원래 이름")
    line = BudgetLineFactory(program=program, amount=100)
    lees_program_form = form_data(lee.get(change_url(program)))
    assert lees_program_form["budget_lines-0-seen_version"] == 1

    kims_form = form_data(kim.get(change_url(line)))
    assert kim.post(change_url(line), kims_form | {"amount": 300}).status_code == 302
    response = lee.post(
        change_url(program), lees_program_form | {"name_ko": "새 이름", "budget_lines-0-note": "고침"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "금액 (원): 100 → 300" in page
    line.refresh_from_db()
    program.refresh_from_db()
    assert (line.amount, line.note, line.version) == (300, "", 2)
    assert (program.name_ko, program.version) == ("원래 이름", 1)


def test_the_program_page_saves_its_rows_and_moves_their_versions(two_staff):
    kim, _ = two_staff
    program = ProgramFactory()
    line = BudgetLineFactory(program=program, amount=100)
    form = form_data(kim.get(change_url(program)))
    assert kim.post(change_url(program), form | {"budget_lines-0-amount": 120}).status_code == 302
    line.refresh_from_db()
    program.refresh_from_db()
    assert (line.amount, line.version, program.version) == (120, 2, 2)


def test_managers_see_no_version_input_and_the_view_only_page_renders(client, manager):
    client.force_login(manager)
    program = ProgramFactory()
    BudgetLineFactory(program=program)
    page = client.get(change_url(program)).content.decode()
    assert "seen_version" not in page


def test_saving_a_stale_copy_raises_and_keeps_the_stored_row():
    line = BudgetLineFactory(amount=100)
    mine, theirs = BudgetLine.objects.get(pk=line.pk), BudgetLine.objects.get(pk=line.pk)
    theirs.amount = 200
    theirs.save()
    mine.note = "늦은 저장"
    with pytest.raises(RecordChangedError):
        mine.save()
    line.refresh_from_db()
    assert (line.amount, line.note, line.version) == (200, "", 2)


def test_services_keep_working_and_move_the_version():
    program = ProgramFactory()
    line, _ = services.set_budget_line(
        program=program, fiscal_year=2026, funding_source="city", stage=2, amount=10
    )
    assert line.version == 1
    line, outcome = services.set_budget_line(
        program=program, fiscal_year=2026, funding_source="city", stage=2, amount=20
    )
    assert (outcome, line.version) == (services.Outcome.UPDATED, 2)
    _, outcome = services.set_budget_line(
        program=program, fiscal_year=2026, funding_source="city", stage=2, amount=20
    )
    assert outcome == services.Outcome.UNCHANGED
    assert BudgetLine.objects.get().version == 2


def test_bulk_created_rows_start_at_version_one_and_keep_no_version_in_history():
    rows = [
        Program(code=f"BULK-{n}", name_ko=f"사업 {n}", start_date=datetime.date(2026, 1, 1)) for n in range(3)
    ]
    bulk_create_with_history(rows, Program)
    assert list(Program.objects.values_list("version", flat=True)) == [1, 1, 1]
    assert Program.history.count() == 3
    assert "version" not in {field.name for field in Program.history.model._meta.fields}


def test_an_import_moves_the_version_on_so_a_form_opened_before_it_is_refused(db, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from portfolio.models import BudgetLine
    from tests.factories import BudgetLineFactory, ProgramFactory
    from tests.imports.conftest import write_csv

    line = BudgetLineFactory(program=ProgramFactory(code="VER"), fiscal_year=2026, amount=1000)
    header = ["사업코드", "회계연도", "재원", "단계", "금액(원)"]
    path = write_csv(tmp_path / "b.csv", [header, ["VER", 2026, "국비", "본예산", "2,000"]])
    call_command("import_data", "budget-lines", str(path), stdout=StringIO())
    stored = BudgetLine.objects.get(pk=line.pk)
    assert (stored.amount, stored.version) == (2000, line.version + 1)
