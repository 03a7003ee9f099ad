"""Key performance indicators (성과지표) with a baseline, a target and readings per period."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portfolio.display import quantity_ko
from portfolio.models.choices import plain_text_validators, validate_date_in_range, year_validators
from portfolio.models.versioning import VersionField

KPI_VALUE: dict[str, Any] = {"max_digits": 20, "decimal_places": 4}


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

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["indicator", "period"]
        verbose_name = _("indicator reading")
        verbose_name_plural = _("indicator readings")
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

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period:%Y-%m-%d} {quantity_ko(self.value, self.indicator.unit)}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remembered so that clean() reads the parts only when the value changes (an import of
        # unchanged readings makes no query per row).
        if "value" in field_names:
            instance.stored_value = values[list(field_names).index("value")]
        return instance

    def clean(self) -> None:
        # A split reading keeps its parts adding up: a new value alone (the indicator's inline,
        # an import) is refused while the stored parts say otherwise.
        if self.pk is None or self.parts_checked_elsewhere or self.value in (None, self.stored_value):
            return
        from portfolio.models.breakdowns import parts_mismatch

        stored = list(self.parts.values_list("value", flat=True))
        error = parts_mismatch(self.value, stored)
        if error is not None:
            raise ValidationError({"value": error})
