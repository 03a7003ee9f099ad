"""The ledger in the admin: the program's ledger table, adjustments and executions by kind and
fiscal year, the year-end close with a preview and a confirmation, its refusals, reopening, and
closed years read-only."""

import datetime
import html
import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio import closing
from portfolio.models import (
    AdjustmentKind,
    BudgetAdjustment,
    BudgetLine,
    Execution,
    ExecutionKind,
    FundingSource,
    YearEndClose,
)
from portfolio.roles import MANAGERS, OFFICE_STAFF
from tests import test_ledger
from tests.factories import ProgramFactory
from tests.test_ledger import EOK, adjustment, execution

pytestmark = pytest.mark.django_db
NATIONAL = FundingSource.NATIONAL
ADD = reverse("admin:portfolio_yearendclose_add")
worked_example = test_ledger.worked_example  # the fixture: the worked example


def page_of(response) -> str:
    return html.unescape(response.content.decode())


def close_form(program, *, explicit=0, accident=0, continuing=0, year=2026, **buttons) -> dict:
    return {
        "program": program.pk,
        "fiscal_year": year,
        "funding_source": NATIONAL,
        "carried_out_explicit": explicit,
        "carried_out_accident": accident,
        "carried_out_continuing": continuing,
        "note": "",
        **buttons,
    }


def ledger_state() -> tuple:
    """Everything a close could write."""
    return (
        list(YearEndClose.objects.order_by("pk").values_list("pk", "fiscal_year", "carried_out_accident")),
        list(BudgetAdjustment.objects.order_by("pk").values_list("pk", "fiscal_year", "kind", "amount")),
        YearEndClose.history.count(),
        BudgetAdjustment.history.count(),
    )


def test_the_program_page_shows_the_worked_example_ledger(client, office_staff, worked_example):
    client.force_login(office_staff)
    response = client.get(reverse("admin:portfolio_program_change", args=[worked_example.pk]))
    page = page_of(response)
    assert "세출 집행현황" in page
    for figure in [
        "80억원",
        "90억원 (2차)",
        "5억원",
        "2억원",
        "-1억원",
        "96억원",
        "70억원",
        "60억 5,000만원",
    ]:
        assert figure in page, figure
    assert "63.0%" in page and "72.9%" in page  # 집행률, 원인행위율
    for header in [
        "본예산",
        "추경 (차수)",
        "전년도이월 사고",
        "예비비",
        "이용·전용·이체",
        "예산현액",
        "불용액",
    ]:
        assert header in page, header
    assert "연도 합계" in page
    assert f"{ADD}?program={worked_example.pk}&fiscal_year=2026&funding_source=national" in page


def test_the_program_ledger_adds_up_the_programs_under_it(client, office_staff, worked_example):
    child = ProgramFactory(code="P-1", parent=worked_example, kind="project")
    execution(child, ExecutionKind.PAYMENT, 4 * EOK, datetime.date(2026, 5, 1))
    client.force_login(office_staff)
    page = page_of(client.get(reverse("admin:portfolio_program_change", args=[worked_example.pk])))
    assert "이 사업과 하위 사업 전체" in page
    assert "64억 5,000만원" in page  # 60.5억 + the child's 4억


def test_closing_through_the_admin_previews_first_and_then_writes_the_close_and_carry_ins(
    client, office_staff, worked_example
):
    client.force_login(office_staff)
    before = ledger_state()
    form = close_form(worked_example, explicit=20 * EOK, accident=6 * EOK)
    preview = client.post(ADD, form | {"_preview": "1"})
    assert preview.status_code == 200
    page = page_of(preview)
    assert "미리 보기" in page
    assert '<strong id="preview-unused">9억 5,000만원</strong>' in page  # 불용액 = 96 − 60.5 − 26
    assert "사고이월: 6억원" in page and "명시이월: 20억원" in page  # what 2027 gets
    assert "96억원" in page and "60억 5,000만원" in page
    assert ledger_state() == before  # a preview writes nothing

    done = client.post(ADD, form | {"_confirm": "1"})
    assert done.status_code == 302
    close = YearEndClose.objects.get()
    assert (close.program, close.fiscal_year, close.funding_source) == (worked_example, 2026, NATIONAL)
    assert (close.carried_out_explicit, close.carried_out_accident) == (20 * EOK, 6 * EOK)
    assert close.closed_by == office_staff
    carry_ins = BudgetAdjustment.objects.filter(fiscal_year=2027, made_by_close=close)
    assert sorted(carry_ins.values_list("kind", "amount")) == [
        (AdjustmentKind.CARRIED_ACCIDENT, 6 * EOK),
        (AdjustmentKind.CARRIED_EXPLICIT, 20 * EOK),
    ]
    page = page_of(client.get(reverse("admin:portfolio_program_change", args=[worked_example.pk])))
    assert "9억 5,000만원" in page  # the table now shows 불용액


@pytest.mark.parametrize("step", ["_preview", "_confirm"])
@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (
            {"accident": 10 * EOK},
            "지출되지 않은 원인행위액(원인행위액 − 지출액 = 9억 5,000만원)보다 많습니다",
        ),
        ({"explicit": 39 * EOK}, "불용액이 음수(-3억 5,000만원)가 됩니다"),
        ({"explicit": -1}, "금액은 음수일 수 없습니다."),
    ],
    ids=["accident-over-unpaid", "unused-negative", "negative-amount"],
)
def test_each_refused_close_shows_why_and_writes_nothing(
    client, office_staff, worked_example, amounts, message, step
):
    client.force_login(office_staff)
    before = ledger_state()
    response = client.post(ADD, close_form(worked_example, **amounts) | {step: "1"})
    assert response.status_code == 200
    page = page_of(response)
    assert message in page
    assert "errornote" in page
    assert ledger_state() == before


def test_the_2027_close_refuses_carrying_accident_money_again(client, office_staff, worked_example):
    closing.close_year(
        program=worked_example,
        fiscal_year=2026,
        funding_source=NATIONAL,
        carried_out_accident=6 * EOK,
        carried_out_explicit=20 * EOK,
    )
    execution(worked_example, ExecutionKind.COMMITMENT, 26 * EOK, datetime.date(2027, 3, 2))
    execution(worked_example, ExecutionKind.PAYMENT, 4 * EOK, datetime.date(2027, 6, 2))
    client.force_login(office_staff)
    before = ledger_state()
    refused = client.post(ADD, close_form(worked_example, year=2027, accident=21 * EOK) | {"_confirm": "1"})
    assert "재이월 금지" in page_of(refused) and "20억원" in page_of(refused)
    assert ledger_state() == before
    preview = client.post(ADD, close_form(worked_example, year=2027, accident=20 * EOK) | {"_preview": "1"})
    assert '<strong id="preview-unused">2억원</strong>' in page_of(preview)
    assert (
        client.post(
            ADD, close_form(worked_example, year=2027, accident=20 * EOK) | {"_confirm": "1"}
        ).status_code
        == 302
    )
    assert YearEndClose.objects.filter(fiscal_year=2027, carried_out_accident=20 * EOK).exists()


def test_closing_a_closed_year_again_is_refused(client, office_staff, worked_example):
    closing.close_year(program=worked_example, fiscal_year=2026, funding_source=NATIONAL)
    client.force_login(office_staff)
    before = ledger_state()
    response = client.post(ADD, close_form(worked_example) | {"_confirm": "1"})
    assert "이미 결산 마감되었습니다" in page_of(response)
    assert ledger_state() == before


@pytest.fixture
def closed(worked_example) -> YearEndClose:
    return closing.close_year(
        program=worked_example,
        fiscal_year=2026,
        funding_source=NATIONAL,
        carried_out_accident=6 * EOK,
        carried_out_explicit=20 * EOK,
    )


def test_reopening_needs_the_permission(client, office_staff, closed):
    client.force_login(office_staff)
    reopen = reverse("admin:portfolio_yearendclose_reopen", args=[closed.pk])
    change = page_of(client.get(reverse("admin:portfolio_yearendclose_change", args=[closed.pk])))
    assert "마감 해제" not in change
    assert client.get(reopen).status_code == 403
    assert client.post(reopen, {"reason": "정정"}).status_code == 403
    assert YearEndClose.objects.filter(pk=closed.pk).exists()
    assert BudgetAdjustment.objects.filter(made_by_close=closed).count() == 2


def test_reopening_needs_a_reason_and_then_removes_the_close_and_its_carry_ins(client, superuser, closed):
    client.force_login(superuser)
    reopen = reverse("admin:portfolio_yearendclose_reopen", args=[closed.pk])
    assert reopen in page_of(client.get(reverse("admin:portfolio_yearendclose_change", args=[closed.pk])))
    form = page_of(client.get(reopen))
    assert "2027 사고이월: 6억원" in form and "2027 명시이월: 20억원" in form  # what reopening removes
    before = ledger_state()
    refused = client.post(reopen, {"reason": "  "})
    assert refused.status_code == 200
    assert "마감을 해제하는 사유를 입력하세요." in page_of(refused)
    assert ledger_state() == before

    assert client.post(reopen, {"reason": "사고이월 금액 정정"}).status_code == 302
    assert not YearEndClose.objects.exists()
    assert not BudgetAdjustment.objects.filter(fiscal_year=2027).exists()
    assert YearEndClose.history.filter(history_type="-").get().history_change_reason == "사고이월 금액 정정"


def test_a_user_granted_the_reopen_permission_may_reopen(client, office_staff, closed):
    from django.contrib.auth.models import Permission

    office_staff.user_permissions.add(Permission.objects.get(codename="reopen_yearendclose"))
    client.force_login(office_staff)
    reopen = reverse("admin:portfolio_yearendclose_reopen", args=[closed.pk])
    assert client.post(reopen, {"reason": "정정"}).status_code == 302
    assert not YearEndClose.objects.exists()


def test_a_closed_years_rows_are_read_only(client, superuser, closed, worked_example):
    client.force_login(superuser)
    payment = Execution.objects.get(kind=ExecutionKind.PAYMENT)
    line = BudgetLine.objects.filter(fiscal_year=2026).first()
    reserve = BudgetAdjustment.objects.get(kind=AdjustmentKind.RESERVE)
    carry_in = BudgetAdjustment.objects.filter(made_by_close=closed).first()
    for row in (payment, line, reserve, carry_in):
        name = row._meta.model_name
        change = client.get(reverse(f"admin:portfolio_{name}_change", args=[row.pk]))
        assert change.status_code == 200
        assert 'name="_save"' not in change.content.decode(), name
        assert client.post(reverse(f"admin:portfolio_{name}_change", args=[row.pk]), {}).status_code == 403
        assert (
            client.post(reverse(f"admin:portfolio_{name}_delete", args=[row.pk]), {"post": "yes"}).status_code
            == 403
        )
    bulk = client.post(
        reverse("admin:portfolio_execution_changelist"),
        {"action": "delete_selected", "_selected_action": [payment.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    assert Execution.objects.filter(pk=payment.pk).exists()
    # The close itself is never edited, only viewed (and reopened).
    view = client.get(reverse("admin:portfolio_yearendclose_change", args=[closed.pk]))
    assert 'name="_save"' not in view.content.decode()


def test_a_closed_years_rows_are_disabled_on_the_program_page(client, office_staff, closed, worked_example):
    execution(worked_example, ExecutionKind.PAYMENT, EOK, datetime.date(2027, 3, 2))
    client.force_login(office_staff)
    page = client.get(reverse("admin:portfolio_program_change", args=[worked_example.pk])).content.decode()
    amounts = dict(
        re.findall(r'<input type="text" name="executions-\d+-amount" value="([\d,]+)"([^>]*)>', page)
    )
    assert " disabled " in amounts["6,100,000,000"]  # 2026 is closed
    assert " disabled " not in amounts["100,000,000"]  # 2027 is open
    carry_ins = re.findall(
        r'<input type="text" name="budget_adjustments-\d+-amount" value="(-?[\d,]+)"([^>]*)>', page
    )
    assert all(" disabled " in attributes for _value, attributes in carry_ins) and len(carry_ins) == 5


def test_a_program_with_a_closed_year_can_still_be_saved(client, office_staff, closed, worked_example):
    client.force_login(office_staff)
    rows = {
        "budget_lines": worked_example.budget_lines.count(),
        "budget_adjustments": worked_example.budget_adjustments.count(),
        "executions": worked_example.executions.count(),
        "milestones": 0,
        "indicators": 0,
    }
    form = {
        "code": worked_example.code,
        "kind": worked_example.kind,
        "name_ko": worked_example.name_ko,
        "name_en": worked_example.name_en,
        "status": "completed",
        "start_year": 2024,
        "end_year": 2028,
        "sort_order": 0,
        "office": "인공지능산업실",
    }
    for prefix, count in rows.items():
        form |= {f"{prefix}-TOTAL_FORMS": count, f"{prefix}-INITIAL_FORMS": count}
    for prefix in ("budget_lines", "budget_adjustments", "executions"):
        # A browser sends only the hidden id and program of a row whose inputs are disabled.
        for index, pk in enumerate(getattr(worked_example, prefix).values_list("pk", flat=True)):
            form |= {f"{prefix}-{index}-id": pk, f"{prefix}-{index}-program": worked_example.pk}
    before = ledger_state(), list(Execution.objects.values_list("pk", "amount", "fiscal_year"))
    response = client.post(reverse("admin:portfolio_program_change", args=[worked_example.pk]), form)
    assert response.status_code == 302, re.findall(r"errorlist[^<]*<li>[^<]*", page_of(response))
    worked_example.refresh_from_db()
    assert worked_example.status == "completed"
    assert (ledger_state(), list(Execution.objects.values_list("pk", "amount", "fiscal_year"))) == before


def test_adjustments_and_executions_filter_by_kind_and_fiscal_year(client, office_staff, worked_example):
    adjustment(worked_example, AdjustmentKind.RESERVE, 3 * EOK, year=2025)
    client.force_login(office_staff)
    adjustments = reverse("admin:portfolio_budgetadjustment_changelist")
    page = page_of(
        client.get(adjustments, {"kind": "reserve", "fiscal_year": 2026, "funding_source": NATIONAL})
    )
    assert "1건" in page and "2억원" in page
    page = page_of(client.get(adjustments, {"kind": "reserve"}))
    assert "2건" in page and "5억원" in page
    executions = reverse("admin:portfolio_execution_changelist")
    page = page_of(client.get(executions, {"kind": "refund", "fiscal_year": 2026}))
    assert "1건" in page and "5,000만원" in page
    assert "반납" in page


def test_the_adjustment_list_renders_with_a_fixed_number_of_queries(client, office_staff):
    client.force_login(office_staff)
    path = reverse("admin:portfolio_budgetadjustment_changelist")

    def count() -> int:
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    program = ProgramFactory()
    adjustment(program, AdjustmentKind.RESERVE, EOK)
    few = count()
    for year in range(2000, 2030):
        adjustment(ProgramFactory(), AdjustmentKind.RESERVE, EOK, year=year)
    assert count() == few


def test_staff_keep_adjustments_and_close_years_and_managers_look():
    staff = Group.objects.get(name=OFFICE_STAFF)
    managers = Group.objects.get(name=MANAGERS)
    staff_perms = set(
        staff.permissions.filter(codename__contains="budgetadjustment").values_list("codename", flat=True)
    )
    assert staff_perms == {"add_budgetadjustment", "change_budgetadjustment", "view_budgetadjustment"}
    staff_close = set(
        staff.permissions.filter(codename__contains="yearendclose").values_list("codename", flat=True)
    )
    assert staff_close == {"add_yearendclose", "view_yearendclose"}  # reopening is not theirs
    manager_perms = set(
        managers.permissions.filter(codename__regex="budgetadjustment|yearendclose").values_list(
            "codename", flat=True
        )
    )
    assert manager_perms == {"view_budgetadjustment", "view_yearendclose"}


def test_managers_cannot_close_a_year(client, manager, worked_example):
    client.force_login(manager)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, close_form(worked_example) | {"_confirm": "1"}).status_code == 403
    assert not YearEndClose.objects.exists()
