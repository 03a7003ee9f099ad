"""The program tree: portfolio → program → project, with status and period."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portfolio.models.choices import (
    FISCAL_YEAR_MAX,
    FISCAL_YEAR_MIN,
    amount_validators,
    plain_text_validators,
    year_validators,
)
from portfolio.models.fields import WonField
from portfolio.models.versioning import VersionField

DEFAULT_OFFICE = "인공지능산업실"


class ProgramKind(models.TextChoices):
    PORTFOLIO = "portfolio", _("Portfolio")
    PROGRAM = "program", _("Program")
    PROJECT = "project", _("Project")


class ProgramStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    BIDDING = "bidding", _("Bidding")
    APPROVED = "approved", _("Approved")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    NOT_SELECTED = "not_selected", _("Not selected")
    CANCELLED = "cancelled", _("Cancelled")


class ProgramQuerySet(models.QuerySet):
    def roots(self):
        return self.filter(parent__isnull=True)

    def running(self):
        return self.filter(status=ProgramStatus.RUNNING)

    def city(self):
        """Programs the city runs, leaving out national items it only tracks."""
        return self.filter(is_national_context=False)

    def national_context(self):
        return self.filter(is_national_context=True)


class Program(models.Model):
    Kind = ProgramKind
    Status = ProgramStatus

    # A child may sit at its parent's level or below, never above it.
    KIND_RANK = {ProgramKind.PORTFOLIO: 0, ProgramKind.PROGRAM: 1, ProgramKind.PROJECT: 2}

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Letters, digits, - and _, e.g. AX-VALLEY."),
        validators=plain_text_validators,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("level"), max_length=20, choices=ProgramKind, default=ProgramKind.PROGRAM)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, validators=plain_text_validators)
    name_en = models.CharField(
        _("name (English)"), max_length=200, blank=True, validators=plain_text_validators
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProgramStatus, default=ProgramStatus.PROPOSED
    )
    start_year = models.PositiveSmallIntegerField(
        _("start year"), null=True, blank=True, validators=year_validators
    )
    end_year = models.PositiveSmallIntegerField(
        _("end year"), null=True, blank=True, validators=year_validators
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    total_cost = WonField(
        _("total cost (won)"),
        null=True,
        blank=True,
        validators=amount_validators,
        help_text=_("Whole won over the whole period (총사업비), when known."),
    )
    office = models.CharField(_("responsible office"), max_length=100, default=DEFAULT_OFFICE)
    is_national_context = models.BooleanField(
        _("national context"),
        default=False,
        help_text=_("Tracked for reference only; not run by the city and left out of city totals."),
    )
    description = models.TextField(_("description"), blank=True)
    source = models.ForeignKey(
        "portfolio.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])
    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.CheckConstraint(
                name="program_years_in_order",
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=F("start_year")),
                violation_error_message=_("End year must not be before the start year."),
            ),
            models.CheckConstraint(
                name="program_years_in_range",
                condition=(
                    Q(start_year__isnull=True)
                    | Q(start_year__gte=FISCAL_YEAR_MIN, start_year__lte=FISCAL_YEAR_MAX)
                )
                & (
                    Q(end_year__isnull=True) | Q(end_year__gte=FISCAL_YEAR_MIN, end_year__lte=FISCAL_YEAR_MAX)
                ),
                violation_error_message=_("Years must lie between 2000 and 2100."),
            ),
            models.CheckConstraint(
                name="program_dates_in_order",
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                violation_error_message=_("End date must not be before the start date."),
            ),
            models.CheckConstraint(
                name="program_total_cost_not_negative",
                condition=Q(total_cost__isnull=True) | Q(total_cost__gte=0),
                violation_error_message=_("Amount must not be negative."),
            ),
            models.CheckConstraint(
                name="program_status_known",
                condition=Q(status__in=ProgramStatus.values),
                violation_error_message=_("Unknown status."),
            ),
            models.CheckConstraint(
                name="program_kind_known",
                condition=Q(kind__in=ProgramKind.values),
                violation_error_message=_("Unknown level."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_ko}"

    @property
    def name(self) -> str:
        return self.name_ko or self.name_en

    def clean(self) -> None:
        errors = {}
        if self.start_year and self.end_year and self.end_year < self.start_year:
            errors["end_year"] = _("End year must not be before the start year.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("End date must not be before the start date.")
        if self.parent_id:
            errors.update(self._parent_errors())
        if errors:
            raise ValidationError(errors)

    def _parent_errors(self) -> dict:
        # Walk up from the new parent: meeting self means the move would make a cycle.
        node = self.parent
        seen = set()
        while node is not None and node.pk not in seen:
            if self.pk and node.pk == self.pk:
                return {"parent": _("A program cannot sit under itself or one of its own projects.")}
            seen.add(node.pk)
            node = node.parent
        if self.KIND_RANK[self.kind] < self.KIND_RANK[self.parent.kind]:
            return {
                "parent": _("A %(kind)s cannot sit under a %(parent_kind)s.")
                % {"kind": self.get_kind_display(), "parent_kind": self.parent.get_kind_display()}
            }
        return {}
