"""성과관리: readings are approved before they count (작성 중 → 제출 → 승인, or 반려 with a reason),
only approvers approve and never their own readings, locked periods (마감) refuse every write
path and leave the database as it was, and each year's result is held against its target."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from portfolio import performance, selectors, services
from portfolio.models import IndicatorReading, IndicatorTarget, PeriodLock, PeriodPart, ReadingStatus
from portfolio.roles import APPROVERS, OFFICE_STAFF
from tests.conftest import make_user
from tests.factories import IndicatorFactory, ReadingFactory

pytestmark = pytest.mark.django_db
SEOUL = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _korean():
    with translation.override("ko"):
        yield


@pytest.fixture
def people(django_user_model):
    return {
        "staff": make_user(django_user_model, "kim", group=OFFICE_STAFF),
        "approver": make_user(django_user_model, "park", group=APPROVERS),
        "approver2": make_user(django_user_model, "lee", group=APPROVERS),
        "manager": make_user(django_user_model, "choi", group="관리자(과장·국장)"),
    }


def draft(indicator, period=datetime.date(2025, 6, 30), value=10, *, by=None) -> IndicatorReading:
    reading = IndicatorReading(indicator=indicator, period=period, value=Decimal(value), created_by=by)
    reading.full_clean()
    reading.save()
    return reading


def fresh(reading) -> IndicatorReading:
    return IndicatorReading.objects.get(pk=reading.pk)


def state() -> list:
    """Every reading and every history row of readings: what a refused write must leave alone."""
    return [list(IndicatorReading.objects.order_by("pk").values()), IndicatorReading.history.count()]


# --- the approval flow -------------------------------------------------------------------------


def test_staff_write_and_submit_and_an_approver_approves(people):
    indicator = IndicatorFactory(is_cumulative=False)
    reading = draft(indicator, by=people["staff"])
    assert selectors.kpi_progress()[0].actual is None  # a draft counts nowhere
    performance.submit_readings(readings=[reading], user=people["staff"])
    kpi = selectors.kpi_progress()[0]
    assert (kpi.actual, kpi.pending) == (None, 1)

    performance.approve_readings(readings=[reading], user=people["approver"])
    reading = fresh(reading)
    assert (reading.status, reading.approved_by, reading.approved_at is not None) == (
        ReadingStatus.APPROVED,
        people["approver"],
        True,
    )
    kpi = selectors.kpi_progress()[0]
    assert (kpi.actual, kpi.pending) == (Decimal(10), 0)
    # The history says who approved and when.
    record = reading.history.first()
    assert (record.status, record.history_user, record.history_change_reason) == (
        "approved",
        people["approver"],
        "승인",
    )


def test_staff_cannot_approve(people):
    reading = draft(IndicatorFactory(), by=people["staff"])
    performance.submit_readings(readings=[reading], user=people["staff"])
    with pytest.raises(PermissionDenied, match="성과 승인권자만 실적을 승인하거나 반려할 수 있습니다"):
        performance.approve_readings(readings=[reading], user=people["staff"])
    assert fresh(reading).status == ReadingStatus.SUBMITTED


def test_an_approver_cannot_approve_a_reading_they_wrote(people):
    mine = draft(IndicatorFactory(), by=people["approver"])
    other = draft(IndicatorFactory(), by=people["staff"])
    # An approver may write and submit, as staff do (the group gives no change right: a superuser
    # author here would be the same); the rule is about approving.
    performance.submit_readings(readings=[mine, other], user=make_superuser())
    before = state()
    with pytest.raises(ValidationError, match="본인이 작성한 실적이므로 다른 승인권자가 승인해야 합니다"):
        performance.approve_readings(readings=[other, mine], user=people["approver"])
    assert state() == before  # all or nothing: the other reading is not approved either
    performance.approve_readings(readings=[mine], user=people["approver2"])
    assert fresh(mine).status == ReadingStatus.APPROVED


def test_managers_only_look(people):
    reading = draft(IndicatorFactory(), by=people["staff"])
    with pytest.raises(PermissionDenied):
        performance.submit_readings(readings=[reading], user=people["manager"])
    performance.submit_readings(readings=[reading], user=people["staff"])
    with pytest.raises(PermissionDenied):
        performance.approve_readings(readings=[reading], user=people["manager"])
    with pytest.raises(PermissionDenied):
        performance.lock_period(fiscal_year=2025, part=PeriodPart.YEAR, user=people["manager"])
    assert fresh(reading).status == ReadingStatus.SUBMITTED
    assert people["manager"].has_perm("portfolio.view_indicatortarget")
    assert not people["manager"].has_perm("portfolio.change_indicatorreading")


def test_returning_needs_a_reason_and_sends_the_reading_back_to_its_author(people):
    reading = draft(IndicatorFactory(), by=people["staff"])
    performance.submit_readings(readings=[reading], user=people["staff"])
    before = state()
    with pytest.raises(ValidationError, match="반려 사유를 적어 주세요"):
        performance.return_readings(readings=[reading], user=people["approver"], reason="  ")
    assert state() == before
    performance.return_readings(readings=[reading], user=people["approver"], reason="근거 자료 없음")
    reading = fresh(reading)
    assert (reading.status, reading.return_reason, reading.created_by) == (
        ReadingStatus.RETURNED,
        "근거 자료 없음",
        people["staff"],
    )
    with pytest.raises(ValidationError, match="제출된 실적만 승인할 수 있습니다"):
        performance.approve_readings(readings=[reading], user=people["approver"])
    performance.submit_readings(readings=[reading], user=people["staff"])  # fixed, sent again
    assert (fresh(reading).status, fresh(reading).return_reason) == (ReadingStatus.SUBMITTED, "")


def test_a_new_figure_on_an_approved_reading_needs_approving_again(people):
    reading = ReadingFactory(value=Decimal(10))
    services.record_reading(indicator=reading.indicator, period=reading.period, value=Decimal(12))
    reading = fresh(reading)
    assert (reading.status, reading.approved_at) == (ReadingStatus.DRAFT, None)
    reading.note = "출처 보완"
    reading.save()  # a note is no new figure
    assert fresh(reading).status == ReadingStatus.DRAFT


def make_superuser():
    from django.contrib.auth.models import User

    return User.objects.create_superuser("root-author")


# --- as_of and the briefing's changes ----------------------------------------------------------


def test_as_of_before_and_after_an_approval(people):
    with time_machine.travel(datetime.datetime(2025, 11, 3, 10, tzinfo=SEOUL), tick=False):
        indicator = IndicatorFactory(code="K")
        reading = draft(indicator, period=datetime.date(2025, 9, 30), value=7, by=people["staff"])
        performance.submit_readings(readings=[reading], user=people["staff"])
    with time_machine.travel(datetime.datetime(2025, 11, 5, 10, tzinfo=SEOUL), tick=False):
        performance.approve_readings(readings=[reading], user=people["approver"])

    def actual(day):
        return selectors.kpi_progress(as_of=day)[0].actual

    assert actual(datetime.date(2025, 11, 4)) is None
    assert selectors.kpi_progress(as_of=datetime.date(2025, 11, 4))[0].pending == 1
    assert actual(datetime.date(2025, 11, 5)) == Decimal(7)
    # The briefing's changes list the reading on the day it was approved, not the day it was entered.
    entered = selectors.changes_since(since=datetime.date(2025, 11, 3), as_of=datetime.date(2025, 11, 4))
    assert entered.new_readings == []
    approved = selectors.changes_since(since=datetime.date(2025, 11, 5), as_of=datetime.date(2025, 11, 5))
    assert [(r.indicator_code, r.value, r.at.date()) for r in approved.new_readings] == [
        ("K", Decimal(7), datetime.date(2025, 11, 5))
    ]


# --- locked periods ----------------------------------------------------------------------------


@pytest.fixture
def locked_2025(people):
    """A reading of 2025's first half, approved, then the first half locked; and one submitted
    reading of the second half."""
    indicator = IndicatorFactory(code="JOBS")
    counted = ReadingFactory(indicator=indicator, period=datetime.date(2025, 6, 30), value=Decimal(5))
    waiting = draft(indicator, period=datetime.date(2025, 9, 30), by=people["staff"])
    performance.submit_readings(readings=[waiting], user=people["staff"])
    lock = performance.lock_period(fiscal_year=2025, part=PeriodPart.H1, user=people["approver"])
    return counted, waiting, lock


LOCKED = r"2025년 상반기은\(는\) .*에 park님이 마감했습니다"


def test_a_locked_period_refuses_every_service_and_model_write(locked_2025, people):
    counted, waiting, _lock = locked_2025
    before = state()
    writes = [
        lambda: services.record_reading(indicator=counted.indicator, period=counted.period, value=Decimal(9)),
        lambda: services.record_reading(
            indicator=counted.indicator, period=datetime.date(2025, 3, 31), value=1
        ),
        lambda: counted.delete(),
        lambda: IndicatorReading.objects.filter(pk=counted.pk).delete(),
        lambda: IndicatorReading.objects.bulk_create(
            [IndicatorReading(indicator=counted.indicator, period=datetime.date(2025, 1, 31), value=1)]
        ),
        lambda: IndicatorReading.objects.bulk_update([counted], ["value"]),
        # Moving a reading of an open period into the locked one, or out of it, is refused too.
        lambda: IndicatorReading.objects.filter(pk=waiting.pk).first().full_clean(),
    ]
    moved = fresh(waiting)
    moved.period = datetime.date(2025, 5, 31)
    writes[-1] = moved.save
    for write in writes:
        with pytest.raises(ValidationError, match=LOCKED):
            write()
    assert state() == before
    # The open half still takes readings.
    performance.approve_readings(readings=[waiting], user=people["approver"])
    assert fresh(waiting).status == ReadingStatus.APPROVED


def test_a_whole_year_lock_refuses_approving_and_submitting(people):
    reading = draft(IndicatorFactory(), period=datetime.date(2025, 12, 31), by=people["staff"])
    performance.lock_period(fiscal_year=2025, part=PeriodPart.YEAR, user=people["approver"])
    before = state()
    with pytest.raises(ValidationError, match="2025년 연간은\\(는\\)"):
        performance.submit_readings(readings=[reading], user=people["staff"])
    assert state() == before


def test_a_period_with_submitted_readings_cannot_be_locked(people):
    reading = draft(IndicatorFactory(), period=datetime.date(2025, 2, 28), by=people["staff"])
    performance.submit_readings(readings=[reading], user=people["staff"])
    with pytest.raises(ValidationError, match="2025년 1분기에 아직 제출된 실적이 1건 있습니다"):
        performance.lock_period(fiscal_year=2025, part=PeriodPart.Q1, user=people["approver"])
    assert not PeriodLock.objects.exists()
    performance.lock_period(fiscal_year=2025, part=PeriodPart.Q2, user=people["approver"])  # another quarter


def test_unlocking_needs_a_reason_and_is_kept_on_record(locked_2025, people):
    counted, _waiting, lock = locked_2025
    with pytest.raises(ValidationError, match="마감을 해제하는 사유를 적어 주세요"):
        performance.unlock_period(lock=lock, user=people["approver"], reason="")
    with pytest.raises(PermissionDenied):
        performance.unlock_period(lock=lock, user=people["staff"], reason="정정")
    assert PeriodLock.objects.active().count() == 1
    performance.unlock_period(lock=lock, user=people["approver"], reason="감사 지적 정정")
    lock.refresh_from_db()
    assert (lock.is_active, lock.unlocked_by, lock.unlock_reason) == (
        False,
        people["approver"],
        "감사 지적 정정",
    )
    assert lock.history.first().unlock_reason == "감사 지적 정정"
    services.record_reading(
        indicator=counted.indicator, period=counted.period, value=Decimal(6)
    )  # open again
    # Locking again makes a new lock; the old one stays as the record.
    performance.lock_period(fiscal_year=2025, part=PeriodPart.H1, user=people["approver"])
    assert PeriodLock.objects.count() == 2


def test_figures_are_final_only_for_a_locked_period(locked_2025, people):
    assert selectors.finality(datetime.date(2025, 5, 1)) == selectors.Finality.FINAL
    assert selectors.finality(datetime.date(2025, 8, 1)) == selectors.Finality.PROVISIONAL
    assert selectors.year_finality({2025}) == {2025: selectors.Finality.PROVISIONAL}
    performance.approve_readings(readings=[locked_2025[1]], user=people["approver"])
    performance.lock_period(fiscal_year=2025, part=PeriodPart.H2, user=people["approver"])
    assert selectors.year_finality({2025, 2026}) == {
        2025: selectors.Finality.FINAL,
        2026: selectors.Finality.PROVISIONAL,
    }


# --- yearly targets and achievement ------------------------------------------------------------


def approved(indicator, *pairs):
    for day, value in pairs:
        ReadingFactory(indicator=indicator, period=day, value=Decimal(value))


def targets(indicator, **by_year):
    for year, value in by_year.items():
        IndicatorTarget.objects.create(indicator=indicator, fiscal_year=int(year[1:]), value=Decimal(value))


def test_yearly_results_of_a_cumulative_kpi(db):
    indicator = IndicatorFactory(
        is_cumulative=True, baseline=0, baseline_year=2024, target=100, target_year=2027
    )
    targets(indicator, y2025=20, y2026=60, y2027=100)
    approved(indicator, (datetime.date(2025, 6, 30), 8), (datetime.date(2025, 12, 31), 25))
    approved(indicator, (datetime.date(2026, 6, 30), 40))
    [kpi] = selectors.kpi_progress(as_of=None)
    years = {y.fiscal_year: y for y in kpi.years(datetime.date(2026, 7, 2))}
    # 2025: latest reading by the year's end, 25 against 20 → 125.0 %, achieved.
    assert (years[2025].result, years[2025].achievement_pct, years[2025].status) == (
        Decimal(25),
        Decimal("125.0"),
        "achieved",
    )
    # 2026 so far: 40 against 60 → 66.7 %; 2027 not begun.
    assert (years[2026].result, years[2026].achievement_pct) == (Decimal(40), Decimal("66.7"))
    assert (years[2027].result, years[2027].status) == (None, "no_data")


def test_yearly_results_of_a_kpi_whose_readings_add_up(db):
    indicator = IndicatorFactory(is_cumulative=False, target=300, target_year=2026)
    targets(indicator, y2025=100, y2026=200)
    approved(indicator, (datetime.date(2025, 3, 31), 30), (datetime.date(2025, 9, 30), 50))
    approved(indicator, (datetime.date(2026, 3, 31), 90))
    [kpi] = selectors.kpi_progress()
    years = {y.fiscal_year: y for y in kpi.years(datetime.date(2027, 1, 10))}
    # 2025: 30 + 50 = 80 against 100 → 80.0 %, and the year is over: off track.
    assert (years[2025].result, years[2025].achievement_pct, years[2025].status) == (
        Decimal(80),
        Decimal("80.0"),
        "off_track",
    )
    assert (years[2026].result, years[2026].achievement_pct) == (Decimal(90), Decimal("45.0"))
    assert kpi.actual == Decimal(170)  # overall: every approved reading added up


def test_on_track_status_follows_the_yearly_targets_where_they_exist(db):
    # Baseline 0 at the end of 2024, final target 100 at the end of 2027; 30 by 2 July 2026.
    # Straight line: 0 → 100 over 1,095 days, 548 days in → 50.0457 expected; 30 is below four
    # fifths of it (40.04): off track.
    # Yearly targets 10 (2025), 60 (2026): from 10 at the end of 2025 to 60 at the end of 2026,
    # 183 days of 365 in → 10 + 50 × 183/365 = 35.0685 expected; 30 is above 28.05: at risk.
    indicator = IndicatorFactory(
        is_cumulative=True, baseline=0, baseline_year=2024, target=100, target_year=2027
    )
    approved(indicator, (datetime.date(2026, 6, 30), 30))
    with time_machine.travel(datetime.datetime(2026, 7, 2, 12, tzinfo=SEOUL), tick=False):
        [kpi] = selectors.kpi_progress()
        assert (kpi.expected, kpi.status) == (Decimal("50.0457"), "off_track")
        targets(indicator, y2025=10, y2026=60)
        [kpi] = selectors.kpi_progress()
        assert (kpi.expected, kpi.status) == (Decimal("35.0685"), "at_risk")
