"""Breakdowns (세부 구분): the named parts an indicator's readings can be split into (jobs:
청년 / 그 외; firms: 이전 / 창업 / 투자유치), and a reading's value for each part.

The parts of a reading must add up to the reading's value. That rule spans rows, so it is kept
where a reading and its parts are written together: `portfolio.services.set_reading_parts` and
the admin's inline formset; a reading's own clean() refuses a new value its stored parts no
longer add up to.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portfolio.models.choices import plain_text_validators
from portfolio.models.indicators import KPI_VALUE
from portfolio.models.versioning import VersionField


class IndicatorPart(models.Model):
    indicator = models.ForeignKey(
        "portfolio.Indicator", verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="parts"
    )
    name_ko = models.CharField(_("name (Korean)"), max_length=50, validators=plain_text_validators)
    name_en = models.CharField(
        _("name (English)"), max_length=50, blank=True, validators=plain_text_validators
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["indicator", "sort_order", "id"]
        verbose_name = _("breakdown part")
        verbose_name_plural = _("breakdown parts")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "name_ko"],
                name="indicator_part_unique_name",
                violation_error_message=_("This indicator already has a part of that name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name_ko


class ReadingPart(models.Model):
    reading = models.ForeignKey(
        "portfolio.IndicatorReading",
        verbose_name=_("indicator reading"),
        on_delete=models.CASCADE,
        related_name="parts",
    )
    part = models.ForeignKey(
        IndicatorPart, verbose_name=_("breakdown part"), on_delete=models.PROTECT, related_name="values"
    )
    value = models.DecimalField(_("value"), **KPI_VALUE)

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["reading", "part__sort_order", "part"]
        verbose_name = _("breakdown value")
        verbose_name_plural = _("breakdown values")
        constraints = [
            models.UniqueConstraint(
                fields=["reading", "part"],
                name="reading_part_once",
                violation_error_message=_("This reading already has a value for that part."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part} {self.value}"

    def clean(self) -> None:
        if self.reading_id and self.part_id and self.part.indicator_id != self.reading.indicator_id:
            raise ValidationError(
                {"part": _("“%(part)s” is a part of another indicator.") % {"part": self.part}}
            )


def parts_mismatch(value: Decimal | None, parts: list[Decimal]) -> ValidationError | None:
    """The refusal when `parts` (some given) do not add up to the reading's `value`."""
    if not parts or value is None:
        return None
    total = sum(parts, Decimal(0))
    if total == value:
        return None
    return ValidationError(
        _(
            "The breakdown adds up to %(total)s, but the reading's value is %(value)s: the parts "
            "must add up to the value. Nothing was saved."
        ),
        code="parts_do_not_add_up",
        params={"total": f"{total.normalize():,f}", "value": f"{value.normalize():,f}"},
    )
