"""Firms attracted to Gwangju: the list behind the firms and jobs indicators."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portfolio.models.choices import plain_text_validators, validate_date_in_range
from portfolio.models.versioning import VersionField


class Firm(models.Model):
    name = models.CharField(_("firm name"), max_length=200, validators=plain_text_validators)
    program = models.ForeignKey(
        "portfolio.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="firms"
    )
    attracted_on = models.DateField(_("attracted on"), validators=[validate_date_in_range])
    jobs = models.PositiveIntegerField(_("jobs"), default=0)
    source = models.ForeignKey(
        "portfolio.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-attracted_on", "name"]
        verbose_name = _("attracted firm")
        verbose_name_plural = _("attracted firms")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"],
                name="firm_unique_name_in_program",
                violation_error_message=_("This firm is already on record for that program."),
            ),
            models.CheckConstraint(
                name="firm_jobs_not_negative",
                condition=Q(jobs__gte=0),
                violation_error_message=_("Jobs must not be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
