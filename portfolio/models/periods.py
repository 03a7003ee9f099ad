"""Locked reporting periods (마감): a fiscal year, a half or a quarter of one, whose KPI readings
can no longer be added, changed, submitted or deleted until an approver unlocks it, saying why."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portfolio.models.choices import year_validators


class PeriodPart(models.TextChoices):
    YEAR = "year", _("Whole year")
    H1 = "h1", _("First half")
    H2 = "h2", _("Second half")
    Q1 = "q1", _("Q1")
    Q2 = "q2", _("Q2")
    Q3 = "q3", _("Q3")
    Q4 = "q4", _("Q4")


# The quarters each part covers.
QUARTERS: dict[str, tuple[int, ...]] = {
    PeriodPart.YEAR: (1, 2, 3, 4),
    PeriodPart.H1: (1, 2),
    PeriodPart.H2: (3, 4),
    PeriodPart.Q1: (1,),
    PeriodPart.Q2: (2,),
    PeriodPart.Q3: (3,),
    PeriodPart.Q4: (4,),
}


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def parts_covering(day: datetime.date) -> list[str]:
    """The parts of the day's year that hold the day: the year, its half, its quarter."""
    quarter = quarter_of(day)
    return [part for part, quarters in QUARTERS.items() if quarter in quarters]


class PeriodLockQuerySet(models.QuerySet):
    def active(self) -> "PeriodLockQuerySet":
        return self.filter(unlocked_at__isnull=True)

    def covering(self, day: datetime.date) -> "PeriodLockQuerySet":
        return self.active().filter(fiscal_year=day.year, part__in=parts_covering(day))


class PeriodLock(models.Model):
    """One lock of one period. Unlocking keeps the row (who, when, why); locking again adds a new one."""

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), validators=year_validators)
    part = models.CharField(_("period"), max_length=4, choices=PeriodPart, default=PeriodPart.YEAR)
    locked_at = models.DateTimeField(_("locked at"))
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    unlocked_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unlocked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unlock_reason = models.CharField(_("reason for unlocking"), max_length=300, blank=True)

    objects = PeriodLockQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-fiscal_year", "part", "-locked_at"]
        verbose_name = _("locked period")
        verbose_name_plural = _("locked periods")
        permissions = [("unlock_periodlock", _("Can unlock a locked period"))]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "part"],
                condition=Q(unlocked_at__isnull=True),
                name="periodlock_one_active_per_period",
                violation_error_message=_("This period is already locked."),
            ),
            models.CheckConstraint(
                name="periodlock_unlock_has_reason",
                condition=Q(unlocked_at__isnull=True) | ~Q(unlock_reason=""),
                violation_error_message=_("Unlocking needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return self.period_label()

    def period_label(self) -> str:
        return _("%(year)s %(part)s") % {"year": self.fiscal_year, "part": self.get_part_display()}

    @property
    def is_active(self) -> bool:
        return self.unlocked_at is None

    def refusal(self) -> str:
        """What a write into this period is told."""
        return _(
            "%(period)s is locked (마감) by %(who)s since %(when)s: its readings cannot be added, "
            "changed, submitted or deleted until an approver unlocks it."
        ) % {
            "period": self.period_label(),
            "who": self.locked_by or "?",
            "when": self.locked_at.date().isoformat(),
        }


def lock_refusal(*days: datetime.date | None) -> str | None:
    """Why a reading dated any of `days` cannot be written (its period is locked), or None. One query."""
    wanted = {day for day in days if day is not None}
    if not wanted:
        return None
    condition = Q()
    for day in wanted:
        condition |= Q(fiscal_year=day.year, part__in=parts_covering(day))
    lock = PeriodLock.objects.active().filter(condition).select_related("locked_by").first()
    return lock.refusal() if lock else None


def final_quarters(fiscal_years: set[int] | None = None) -> dict[int, set[int]]:
    """The quarters of each fiscal year covered by an active lock: year → {1, 2, …}. One query."""
    locks = PeriodLock.objects.active()
    if fiscal_years is not None:
        locks = locks.filter(fiscal_year__in=fiscal_years)
    covered: dict[int, set[int]] = {}
    for year, part in locks.values_list("fiscal_year", "part"):
        covered.setdefault(year, set()).update(QUARTERS[part])
    return covered


def is_final(fiscal_year: int, covered: dict[int, set[int]], *, through_quarter: int = 4) -> bool:
    """Whether a year's figures (up to a quarter) are final (확정): every quarter up to it is locked.
    `covered` is what final_quarters() gives."""
    return set(range(1, through_quarter + 1)) <= covered.get(fiscal_year, set())
