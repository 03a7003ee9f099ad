"""성과관리 where people see it: a reading imported by staff changes no figure (API, Excel,
dashboard) until an approver approves it, then every figure moves at once; the admin's forms,
inlines and actions and the import refuse a locked period and leave the database as it was; the
approvers' queue, returning with a reason, and locking from the admin."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from portfolio import performance
from portfolio.models import Indicator, IndicatorReading, PeriodLock, PeriodPart, ReadingStatus
from portfolio.roles import APPROVERS, MANAGERS, OFFICE_STAFF
from tests.conftest import make_user
from tests.factories import IndicatorFactory, ReadingFactory
from tests.imports.conftest import errors_of, run, write_csv
from tests.test_concurrent_edits import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(django_user_model):
    return {
        "staff": make_user(django_user_model, "kim", group=OFFICE_STAFF),
        "approver": make_user(django_user_model, "park", group=APPROVERS),
        "manager": make_user(django_user_model, "choi", group=MANAGERS),
    }


def state() -> list:
    return [list(IndicatorReading.objects.order_by("pk").values()), IndicatorReading.history.count()]


@pytest.fixture
def locked(people):
    """An approved reading of 2025 Q1, a draft of Q1 left unsubmitted, and Q1 locked."""
    indicator = IndicatorFactory(code="KPI-A")
    counted = ReadingFactory(indicator=indicator, period=datetime.date(2025, 3, 31), value=Decimal(5))
    draft = ReadingFactory(indicator=indicator, period=datetime.date(2025, 2, 28), status=ReadingStatus.DRAFT)
    performance.lock_period(fiscal_year=2025, part=PeriodPart.Q1, user=people["approver"])
    return counted, draft


REFUSAL = "2025년 1분기은(는)"


def test_an_import_into_a_locked_period_is_refused_and_writes_nothing(tmp_path, locked, people):
    before = state()
    rows = [["지표코드", "기준일", "값"], ["KPI-A", "2025-03-31", "9"], ["KPI-A", "2025-01-31", "1"]]
    with translation.override("ko"):
        summary, results = run(
            "indicator-readings", write_csv(tmp_path / "a.csv", rows), user=people["staff"]
        )
    assert not summary.written
    errors = errors_of(results)
    assert len(errors) == 2 and all(REFUSAL in error and "park님이 마감했습니다" in error for error in errors)
    assert state() == before


def test_the_admin_form_inline_and_actions_refuse_a_locked_period(client, locked, people, django_user_model):
    counted, draft = locked
    before = state()
    client.force_login(people["staff"])
    # The add form.
    response = client.post(
        reverse("admin:portfolio_indicatorreading_add"),
        {"indicator": counted.indicator_id, "period": "2025-01-15", "value": "3", "note": ""},
    )
    assert response.status_code == 200 and REFUSAL in response.content.decode()
    # The change page of a locked reading is view-only, and a post is refused.
    change = reverse("admin:portfolio_indicatorreading_change", args=[counted.pk])
    assert client.post(change, {"period": "2025-03-31", "value": "9"}).status_code == 403
    # Submitting the locked draft with the action.
    changelist = reverse("admin:portfolio_indicatorreading_changelist")
    response = client.post(
        changelist, {"action": "submit_selected", "_selected_action": [draft.pk]}, follow=True
    )
    assert "아무것도 바뀌지 않았습니다" in response.content.decode()
    # Deleting it with the bulk action (staff may not delete at all; a superuser neither, here).
    client.force_login(make_user(django_user_model, "root", superuser=True))
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [draft.pk], "post": "yes"}
    )
    assert response.status_code == 403
    # The indicator's page shows the locked reading disabled: a changed value or a ticked delete
    # posted anyway is ignored, and the indicator itself can still be saved.
    client.force_login(people["staff"])
    indicator_page = reverse("admin:portfolio_indicator_change", args=[counted.indicator_id])
    data = form_data(client.get(indicator_page))
    prefix = "readings"
    row = next(i for i in range(2) if str(data[f"{prefix}-{i}-id"]) == str(counted.pk))
    for change in ({f"{prefix}-{row}-value": "9"}, {f"{prefix}-{row}-DELETE": "on"}):
        response = client.post(indicator_page, data | change)
        assert response.status_code == 302, response.content.decode()[:3000]
        data = form_data(client.get(indicator_page))
    assert Indicator.objects.get(pk=counted.indicator_id).version > 1  # the indicator was saved
    assert state() == before


def test_the_approvers_queue_lists_submitted_readings_oldest_first(client, people):
    first = ReadingFactory(
        period=datetime.date(2025, 3, 31), status=ReadingStatus.DRAFT, created_by=people["staff"]
    )
    second = ReadingFactory(
        period=datetime.date(2025, 6, 30), status=ReadingStatus.DRAFT, created_by=people["staff"]
    )
    ReadingFactory(period=datetime.date(2025, 9, 30))  # approved: not in the queue
    performance.submit_readings(readings=[first], user=people["staff"])
    performance.submit_readings(readings=[second], user=people["staff"])
    queue = reverse("admin:portfolio_submittedreading_changelist")
    client.force_login(people["staff"])
    assert client.get(queue).status_code == 403
    client.force_login(people["approver"])
    response = client.get(queue)
    assert [obj.pk for obj in response.context["cl"].result_list] == [first.pk, second.pk]

    # The evidence of a submitted reading is one click away, through the checked download.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portfolio import services
    from tests import evidence_files

    file = SimpleUploadedFile("실적 증빙.pdf", evidence_files.pdf())
    evidence = services.attach_evidence(file=file, uploaded_by=people["staff"], reading=second)
    page = client.get(queue).content.decode()
    assert f'<a href="{evidence.get_download_url()}">실적 증빙.pdf</a>' in page

    # Returning asks for the reason first, then sends both back with it.
    action = {"action": "return_selected", "_selected_action": [first.pk, second.pk]}
    asked = client.post(queue, action)
    assert asked.status_code == 200 and "사유" in asked.content.decode()
    refused = client.post(queue, action | {"apply": "1", "reason": ""})
    assert "반려 사유를 적어 주세요" in refused.content.decode()
    assert set(IndicatorReading.objects.values_list("status", flat=True)) == {"submitted", "approved"}
    client.post(queue, action | {"apply": "1", "reason": "증빙 누락"})
    first.refresh_from_db()
    assert (first.status, first.return_reason) == (ReadingStatus.RETURNED, "증빙 누락")


def test_an_approver_locks_a_period_in_the_admin_and_staff_cannot(client, people):
    add = reverse("admin:portfolio_periodlock_add")
    client.force_login(people["staff"])
    assert client.post(add, {"fiscal_year": 2025, "part": "h1"}).status_code == 403
    client.force_login(people["approver"])
    client.post(add, {"fiscal_year": 2025, "part": "h1", "note": "상반기 성과보고"})
    lock = PeriodLock.objects.get()
    assert (lock.locked_by, lock.is_active, str(lock)) == (people["approver"], True, "2025년 상반기")
    response = client.post(add, {"fiscal_year": 2025, "part": "h1"})
    assert "이미 마감되었습니다" in response.content.decode()
    assert PeriodLock.objects.count() == 1


def test_an_indicator_takes_yearly_targets_in_its_page(client, people):
    indicator = IndicatorFactory()
    client.force_login(people["staff"])
    page = reverse("admin:portfolio_indicator_change", args=[indicator.pk])
    data = form_data(client.get(page))
    data |= {
        "yearly_targets-TOTAL_FORMS": 1,
        "yearly_targets-0-fiscal_year": 2026,
        "yearly_targets-0-value": "40",
        "yearly_targets-0-basis": "2026년 성과계획서",
    }
    response = client.post(page, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Indicator.objects.get().yearly_targets.values_list("fiscal_year", "value")) == [
        (2026, Decimal(40))
    ]


def test_changing_an_approved_figure_in_the_admin_makes_it_a_draft_and_says_so(client, people):
    reading = ReadingFactory(period=datetime.date(2025, 6, 30), value=Decimal(5))
    client.force_login(people["staff"])
    page = reverse("admin:portfolio_indicatorreading_change", args=[reading.pk])
    data = form_data(client.get(page)) | {"value": "6"}
    response = client.post(page, data, follow=True)
    assert "수치가 바뀌어 다시 작성 중 상태가 되었습니다" in response.content.decode()
    reading.refresh_from_db()
    assert (reading.value, reading.status) == (Decimal(6), ReadingStatus.DRAFT)


def test_an_indicator_with_readings_in_a_locked_period_cannot_be_deleted(
    client, locked, people, django_user_model
):
    counted, _draft = locked
    before = state()
    with pytest.raises(ValidationError, match="2025년 1분기"), transaction.atomic():
        counted.indicator.delete()
    client.force_login(make_user(django_user_model, "root", superuser=True))
    page = reverse("admin:portfolio_indicator_delete", args=[counted.indicator_id])
    assert client.post(page, {"post": "yes"}).status_code == 403
    assert state() == before
