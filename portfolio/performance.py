"""성과관리 workflows: readings go 작성 중 → 제출 → 승인 (or 반려 with a reason, back to their
author), and reporting periods are locked (마감) and unlocked. Each function checks the user's
permission, runs in one transaction and changes nothing when any reading is refused."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portfolio.models import IndicatorReading, PeriodLock, ReadingStatus
from portfolio.models.periods import parts_covering
from portfolio.services import check_evidence_before_submit


def _locked(readings: Iterable[IndicatorReading]) -> list[IndicatorReading]:
    """The readings, re-read under a row lock, oldest submission first."""
    return list(
        IndicatorReading.objects.select_for_update()
        .filter(pk__in=[reading.pk for reading in readings])
        .select_related("indicator")
        .order_by("submitted_at", "pk")
    )


def _save(reading: IndicatorReading, user: User | None, reason: str) -> None:
    """Save (save() refuses a locked period) and name the user and reason on the history record."""
    reading.full_clean()
    reading.save()
    record = reading.history.order_by("-history_id").first()
    if record is not None:
        record.history_user = user
        record.history_change_reason = reason[:100]  # the history table's column width
        record.save(update_fields=["history_user", "history_change_reason"])


def _refuse(reading: IndicatorReading, message: str) -> ValidationError:
    return ValidationError(f"{reading}: {message}")


@transaction.atomic
def submit_readings(*, readings: Iterable[IndicatorReading], user: User) -> int:
    """Send drafts and returned readings to the approvers. Returns how many were submitted."""
    if not user.has_perm("portfolio.change_indicatorreading"):
        raise PermissionDenied(_("Submitting readings needs the permission to change them."))
    rows = _locked(readings)
    for reading in rows:
        if reading.status not in (ReadingStatus.DRAFT, ReadingStatus.RETURNED):
            raise _refuse(reading, _("only a draft or a returned reading can be submitted."))
        check_evidence_before_submit(reading)  # an indicator may require a file first
        reading.status = ReadingStatus.SUBMITTED
        reading.submitted_at = timezone.now()
        reading.return_reason = ""
        _save(reading, user, str(ReadingStatus.SUBMITTED.label))
    return len(rows)


def _check_approver(user: User, rows: list[IndicatorReading], verb: str) -> None:
    if not user.has_perm("portfolio.approve_indicatorreading"):
        raise PermissionDenied(_("Only an approver (성과 승인권자) can approve or return readings."))
    for reading in rows:
        if reading.status != ReadingStatus.SUBMITTED:
            raise _refuse(reading, _("only a submitted reading can be %(verb)s.") % {"verb": verb})


@transaction.atomic
def approve_readings(*, readings: Iterable[IndicatorReading], user: User) -> int:
    """Approve submitted readings: from now on they count in every figure."""
    rows = _locked(readings)
    _check_approver(user, rows, pgettext("verb", "approved"))
    for reading in rows:
        if reading.created_by_id is not None and reading.created_by_id == user.pk:
            raise _refuse(reading, _("you wrote this reading, so another approver must approve it."))
        reading.status = ReadingStatus.APPROVED
        reading.approved_by = user
        reading.approved_at = timezone.now()
        _save(reading, user, str(ReadingStatus.APPROVED.label))
    return len(rows)


@transaction.atomic
def return_readings(*, readings: Iterable[IndicatorReading], user: User, reason: str) -> int:
    """Send submitted readings back to their author with a reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the readings are returned.")})
    rows = _locked(readings)
    _check_approver(user, rows, pgettext("verb", "returned"))
    for reading in rows:
        reading.status = ReadingStatus.RETURNED
        reading.return_reason = reason[:300]
        _save(reading, user, _("Returned: %(reason)s") % {"reason": reason})
    return len(rows)


def check_lockable(*, fiscal_year: int | None, part: str | None, user: User) -> None:
    """Raise unless `user` may lock the period now: an approver, the period not locked already,
    and no reading of it awaiting approval (it could never be decided)."""
    if not user.has_perm("portfolio.add_periodlock"):
        raise PermissionDenied(_("Only an approver (성과 승인권자) can lock a period."))
    if fiscal_year is None or not part:
        return  # the form's own field errors say what is missing
    label = PeriodLock(fiscal_year=fiscal_year, part=part).period_label()
    if PeriodLock.objects.active().filter(fiscal_year=fiscal_year, part=part).exists():
        raise ValidationError(_("%(period)s is already locked.") % {"period": label})
    waiting = [
        reading.period
        for reading in IndicatorReading.objects.submitted().filter(period__year=fiscal_year).only("period")
        if part in parts_covering(reading.period)
    ]
    if waiting:
        raise ValidationError(
            _("%(period)s still has %(count)s submitted readings: approve or return them before locking it.")
            % {"period": label, "count": len(waiting)}
        )


@transaction.atomic
def lock_period(*, fiscal_year: int, part: str, user: User, note: str = "") -> PeriodLock:
    """Lock a period: from now on its readings cannot be added, changed, submitted or deleted."""
    check_lockable(fiscal_year=fiscal_year, part=part, user=user)
    lock = PeriodLock(fiscal_year=fiscal_year, part=part, locked_by=user, locked_at=timezone.now(), note=note)
    lock.full_clean()
    lock.save()
    return lock


@transaction.atomic
def unlock_period(*, lock: PeriodLock, user: User, reason: str) -> PeriodLock:
    """Unlock a period, saying why; the lock row stays as the record."""
    if not user.has_perm("portfolio.unlock_periodlock"):
        raise PermissionDenied(_("Only an approver (성과 승인권자) can unlock a period."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the period is unlocked.")})
    lock = PeriodLock.objects.select_for_update().get(pk=lock.pk)
    if not lock.is_active:
        raise ValidationError(_("%(period)s is not locked.") % {"period": lock.period_label()})
    lock.unlocked_at = timezone.now()
    lock.unlocked_by = user
    lock.unlock_reason = reason[:300]
    lock.full_clean()
    lock.save()
    return lock
