"""Key performance indicators (성과지표) with a baseline, a target and readings per period."""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from portfolio.display import quantity_ko
from portfolio.models.choices import plain_text_validators, validate_date_in_range, year_validators
from portfolio.models.periods import lock_refusal
from portfolio.models.versioning import VersionField

KPI_VALUE: dict[str, Any] = {"max_digits": 20, "decimal_places": 4}


class IndicatorQuerySet(models.QuerySet):
    def delete(self):
        # Deleting indicators deletes their readings without the readings' own delete().
        readings = IndicatorReading.objects.filter(indicator__in=self).order_by()
        refuse_locked(*readings.values_list("period", flat=True).distinct())
        return super().delete()


class Indicator(models.Model):
    class Direction(models.TextChoices):
        INCREASE = "increase", _("Higher is better")
        DECREASE = "decrease", _("Lower is better")

    class Metric(models.TextChoices):
        """What the indicator counts, so the same measure can be added up across programs
        and checked against the records behind it (firms and jobs against Firm rows)."""

        FIRMS = "firms", _("Firms attracted")
        JOBS = "jobs", _("Jobs created")
        GPUS = "gpus", _("GPUs")
        OTHER = "other", _("Other")

    program = models.ForeignKey(
        "portfolio.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.SlugField(_("code"), max_length=60, unique=True, validators=plain_text_validators)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, validators=plain_text_validators)
    name_en = models.CharField(
        _("name (English)"), max_length=200, blank=True, validators=plain_text_validators
    )
    metric = models.CharField(_("metric"), max_length=20, choices=Metric, default=Metric.OTHER)
    unit = models.CharField(
        _("unit"), max_length=20, help_text=_("As written after a number, e.g. 명, 대, MW.")
    )
    unit_en = models.CharField(_("unit (English)"), max_length=30, blank=True)
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, **KPI_VALUE)
    baseline_year = models.PositiveSmallIntegerField(
        _("baseline year"), null=True, blank=True, validators=year_validators
    )
    target = models.DecimalField(_("target"), null=True, blank=True, **KPI_VALUE)
    target_year = models.PositiveSmallIntegerField(
        _("target year"), null=True, blank=True, validators=year_validators
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction, default=Direction.INCREASE)
    is_cumulative = models.BooleanField(
        _("cumulative"),
        default=True,
        help_text=_(
            "Each reading is a running total, so the latest reading is the actual. "
            "Untick for per-period figures, which add up."
        ),
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Optional share of this indicator within its program's assessment, e.g. 30 (%)."),
    )
    description = models.TextField(_("description"), blank=True)
    evidence_required = models.BooleanField(
        _("evidence required"),
        default=False,
        help_text=_("A reading of this indicator can be submitted only with an evidence file attached."),
    )
    source = models.ForeignKey(
        "portfolio.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["program__code", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                name="indicator_target_after_baseline",
                condition=Q(baseline_year__isnull=True)
                | Q(target_year__isnull=True)
                | Q(target_year__gte=F("baseline_year")),
                violation_error_message=_("Target year must not be before the baseline year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_ko}"

    def delete(self, *args, **kwargs):
        refuse_locked(*self.readings.order_by().values_list("period", flat=True).distinct())
        return super().delete(*args, **kwargs)

    @property
    def name(self) -> str:
        return self.name_ko or self.name_en

    def clean(self) -> None:
        if self.baseline_year and self.target_year and self.target_year < self.baseline_year:
            raise ValidationError({"target_year": _("Target year must not be before the baseline year.")})


def actual_value(values_in_period_order: list[Decimal], *, cumulative: bool) -> Decimal | None:
    """The figure to hold against the target: the latest running total, or the sum of the
    per-period figures; None without readings."""
    if not values_in_period_order:
        return None
    if cumulative:
        return values_in_period_order[-1]
    return sum(values_in_period_order, Decimal(0))


class IndicatorTarget(models.Model):
    """An indicator's target for one fiscal year (성과계획서), besides its final target."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="yearly_targets"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), validators=year_validators)
    value = models.DecimalField(_("target"), **KPI_VALUE)
    basis = models.CharField(
        _("basis"), max_length=200, blank=True, help_text=_("How the target was set, e.g. 성과계획서 2026.")
    )
    source = models.ForeignKey(
        "portfolio.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "fiscal_year"]
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"],
                name="indicatortarget_one_per_year",
                violation_error_message=_("This indicator already has a target for that year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.fiscal_year} {self.value}"


class ReadingStatus(models.TextChoices):
    # In their own translation context: a program's "Approved" is 확정, a reading's is 승인.
    DRAFT = "draft", pgettext_lazy("reading", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("reading", "Submitted")
    APPROVED = "approved", pgettext_lazy("reading", "Approved")
    RETURNED = "returned", pgettext_lazy("reading", "Returned")


# What a change to these fields means: a new figure, which needs approval again.
FIGURE_FIELDS = ("indicator_id", "period", "value")


class ReadingQuerySet(models.QuerySet):
    """Every write path that skips save() refuses rows of locked periods here too."""

    def approved(self) -> "ReadingQuerySet":
        """The readings that count in every figure."""
        return self.filter(status=ReadingStatus.APPROVED)

    def submitted(self) -> "ReadingQuerySet":
        """The readings awaiting an approver."""
        return self.filter(status=ReadingStatus.SUBMITTED)

    def delete(self):
        refuse_locked(*self.order_by().values_list("period", flat=True).distinct())
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        refuse_locked(*(obj.period for obj in objs))
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        objs = list(objs)
        stored = self.filter(pk__in=[obj.pk for obj in objs]).values_list("period", flat=True)
        refuse_locked(*(obj.period for obj in objs), *stored)
        return super().bulk_update(objs, *args, **kwargs)


def refuse_locked(*days: datetime.date | None) -> None:
    error = lock_refusal(*days)
    if error:
        raise ValidationError(error, code="locked_period")


class IndicatorReading(models.Model):
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="readings"
    )
    period = models.DateField(
        _("period"),
        validators=[validate_date_in_range],
        help_text=_("The last day of the period the figure covers, or the day it was reported."),
    )
    value = models.DecimalField(_("value"), **KPI_VALUE)
    source = models.ForeignKey(
        "portfolio.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The approval flow (portfolio.performance): only approved readings count in any figure.
    status = models.CharField(
        _("status"), max_length=10, choices=ReadingStatus, default=ReadingStatus.DRAFT, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    return_reason = models.CharField(_("reason returned"), max_length=300, blank=True, editable=False)

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])

    objects = ReadingQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "period"]
        verbose_name = _("indicator reading")
        verbose_name_plural = _("indicator readings")
        permissions = [("approve_indicatorreading", _("Can approve or return indicator readings"))]
        indexes = [models.Index(fields=["status", "submitted_at"], name="reading_status_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period"],
                name="reading_one_per_indicator_period",
                violation_error_message=_("This indicator already has a reading for that period."),
            ),
        ]

    # Set by a write that saves new parts with the reading and checks them itself (the admin's
    # breakdown inline, services.set_reading_parts): clean() then leaves the stored parts alone.
    parts_checked_elsewhere = False
    stored_value: Decimal | None = None  # the value as loaded from the database
    loaded_period: datetime.date | None = None  # the period as loaded from the database

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period:%Y-%m-%d} {quantity_ko(self.value, self.indicator.unit)}"

    def save(self, *args, **kwargs) -> None:
        # The last line for paths that skip full_clean (scripts, services): a locked period
        # refuses every write. A new figure on an approved reading needs approving again.
        stored = None
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*FIGURE_FIELDS, "status").first()
        refuse_locked(self.period, stored["period"] if stored else None)
        if stored and stored["status"] == self.status == ReadingStatus.APPROVED:
            if any(getattr(self, name) != stored[name] for name in FIGURE_FIELDS):
                self.status = ReadingStatus.DRAFT
                self.approved_by = self.approved_at = None
        super().save(*args, **kwargs)
        self.loaded_period = self.period  # what is stored now

    def stored_period(self) -> datetime.date | None:
        if self.pk is None:
            return None
        if self.loaded_period is not None:  # as loaded: no query
            return self.loaded_period
        return type(self).objects.filter(pk=self.pk).values_list("period", flat=True).first()

    def clean(self) -> None:
        if self.period is not None:
            refuse_locked(self.period, self.stored_period())
        # A split reading keeps its parts adding up: a new value alone (the indicator's inline,
        # an import) is refused while the stored parts say otherwise.
        if self.pk is None or self.parts_checked_elsewhere or self.value in (None, self.stored_value):
            return
        from portfolio.models.breakdowns import parts_mismatch

        stored = list(self.parts.values_list("value", flat=True))
        error = parts_mismatch(self.value, stored)
        if error is not None:
            raise ValidationError({"value": error})

    def delete(self, *args, **kwargs):
        refuse_locked(self.period, self.stored_period())
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remembered so that clean() reads the parts only when the value changes (an import of
        # unchanged readings makes no query per row).
        if "value" in field_names:
            instance.stored_value = values[list(field_names).index("value")]
        # Likewise the stored period, which the locked-period check reads with the new one.
        if "period" in field_names:
            instance.loaded_period = values[list(field_names).index("period")]
        return instance

    def is_counted(self) -> bool:
        return self.status == ReadingStatus.APPROVED


ReadingManager = models.Manager.from_queryset(ReadingQuerySet)


class SubmittedReadingManager(ReadingManager):
    def get_queryset(self) -> ReadingQuerySet:
        return ReadingQuerySet(self.model, using=self._db).submitted()


class SubmittedReading(IndicatorReading):
    """The approvers' queue (제출된 실적): the same rows, its own admin page. Its manager holds the
    submitted readings only, as the page shows: a reading of the queue is one awaiting an approver."""

    queue = SubmittedReadingManager()

    class Meta:
        proxy = True
        default_manager_name = "queue"
        verbose_name = _("submitted reading")
        verbose_name_plural = _("submitted readings")
