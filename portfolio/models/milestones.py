"""Dated milestones with planned and actual dates, status and slippage."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portfolio.display import precise_date_ko
from portfolio.models.choices import plain_text_validators, validate_date_in_range
from portfolio.models.versioning import VersionField


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DELAYED = "delayed", _("Delayed")
    CANCELLED = "cancelled", _("Cancelled")


def period_end(day: datetime.date | None, precision: str) -> datetime.date | None:
    """The last day of the month or year `day` falls in, by precision; the day itself for DAY."""
    if day is None or precision == Milestone.Precision.DAY:
        return day
    if precision == Milestone.Precision.YEAR:
        return datetime.date(day.year, 12, 31)
    return datetime.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


class MilestoneQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=[MilestoneStatus.DONE, MilestoneStatus.CANCELLED])

    def overdue(self, today: datetime.date):
        return self.open().filter(planned_date__lt=today)

    def due_within(self, days: int, today: datetime.date):
        return self.open().filter(
            planned_date__gte=today, planned_date__lte=today + datetime.timedelta(days=days)
        )


class Milestone(models.Model):
    Status = MilestoneStatus

    class Precision(models.TextChoices):
        """How much of the date is known: sources often give only a year or a month."""

        DAY = "day", _("Day")
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")

    program = models.ForeignKey(
        "portfolio.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="milestones"
    )
    title_ko = models.CharField(_("title (Korean)"), max_length=200, validators=plain_text_validators)
    title_en = models.CharField(
        _("title (English)"), max_length=200, blank=True, validators=plain_text_validators
    )
    planned_date = models.DateField(_("planned date"), validators=[validate_date_in_range])
    actual_date = models.DateField(
        _("actual date"), null=True, blank=True, validators=[validate_date_in_range]
    )
    date_precision = models.CharField(
        _("date precision"),
        max_length=10,
        choices=Precision,
        default=Precision.DAY,
        help_text=_(
            "When only the month or year is known, dates are kept as the last day of that month "
            'or year, so a milestone due "in 2026" is not late before 2027.'
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MilestoneStatus, default=MilestoneStatus.PLANNED
    )
    source = models.ForeignKey(
        "portfolio.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.TextField(_("note"), blank=True)

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["planned_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.CheckConstraint(
                name="milestone_done_has_actual_date",
                condition=~Q(status="done") | Q(actual_date__isnull=False),
                violation_error_message=_("A milestone marked done needs its actual date."),
            ),
            models.CheckConstraint(
                name="milestone_status_known",
                condition=Q(status__in=MilestoneStatus.values),
                violation_error_message=_("Unknown status."),
            ),
        ]
        indexes = [models.Index(fields=["status", "planned_date"], name="milestone_status_date")]

    def __str__(self) -> str:
        return f"{precise_date_ko(self.planned_date, self.date_precision)} {self.title_ko}"

    @property
    def title(self) -> str:
        return self.title_ko or self.title_en

    def clean(self) -> None:
        self.planned_date = period_end(self.planned_date, self.date_precision)
        self.actual_date = period_end(self.actual_date, self.date_precision)
        if self.status == self.Status.DONE and not self.actual_date:
            raise ValidationError({"actual_date": _("A milestone marked done needs its actual date.")})

    def is_open(self) -> bool:
        return is_open(self.status)

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return is_overdue(self.status, self.planned_date, today or timezone.localdate())

    def slippage_days(self, today: datetime.date | None = None) -> int | None:
        return slippage_days(self.status, self.planned_date, self.actual_date, today or timezone.localdate())


# The one-row rules as plain functions of the fields, so a selector reading thousands of
# milestones as values() applies exactly the rules the model's methods do.


def is_open(status: str) -> bool:
    return status not in (MilestoneStatus.DONE, MilestoneStatus.CANCELLED)


def is_overdue(status: str, planned_date: datetime.date, today: datetime.date) -> bool:
    return is_open(status) and planned_date < today


def slippage_days(
    status: str, planned_date: datetime.date, actual_date: datetime.date | None, today: datetime.date
) -> int | None:
    """Days late: actual − planned once done (0 when early or on time); today − planned
    while open and overdue; None while open and not yet due."""
    if actual_date:
        return max(0, (actual_date - planned_date).days)
    if is_overdue(status, planned_date, today):
        return (today - planned_date).days
    return None
