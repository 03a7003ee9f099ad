"""Money: yearly budget lines by funding source and stage, and executions (집행) against them."""

from django.db import models
from django.db.models import F, Max, Q, Window
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portfolio.models.choices import (
    FISCAL_YEAR_MAX,
    FISCAL_YEAR_MIN,
    BudgetStage,
    FundingSource,
    amount_validators,
    validate_date_in_range,
    year_validators,
)
from portfolio.models.versioning import VersionField

FUNDING_SOURCE_KNOWN = Q(funding_source__in=FundingSource.values)


def adopted_filter(lines: models.QuerySet) -> Q:
    """Matches the lines of `lines` that make up the adopted budget: for each (program, year,
    source), the row of the latest stage among 본예산 and 추경.

    A stage row holds the whole amount at that stage, not a change, so a later stage replaces
    an earlier one rather than adding to it; plans are not budgets. `lines` may be the live
    table or the change history as of a day, so the rule applies to both alike.
    """
    latest = (
        lines.filter(stage__gte=BudgetStage.ORIGINAL)
        .annotate(
            latest_stage=Window(
                Max("stage"), partition_by=[F("program"), F("fiscal_year"), F("funding_source")]
            )
        )
        .filter(stage=F("latest_stage"))
    )
    return Q(pk__in=latest.values("pk"))


class BudgetLineQuerySet(models.QuerySet):
    def current(self):
        """The adopted budget lines (see `adopted_filter`)."""
        return self.filter(adopted_filter(self))

    def planned(self):
        return self.filter(stage=BudgetStage.PLAN)


class BudgetLine(models.Model):
    program = models.ForeignKey(
        "portfolio.Program",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        related_name="budget_lines",
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), validators=year_validators)
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource)
    stage = models.PositiveSmallIntegerField(_("stage"), choices=BudgetStage)
    amount = models.BigIntegerField(_("amount (won)"), validators=amount_validators)
    source = models.ForeignKey(
        "portfolio.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])
    objects = BudgetLineQuerySet.as_manager()

    class Meta:
        ordering = ["program__code", "fiscal_year", "funding_source", "stage"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "fiscal_year", "funding_source", "stage"],
                name="budgetline_one_per_program_year_source_stage",
                violation_error_message=_(
                    "This program already has a budget line for that fiscal year, funding source and stage."
                ),
            ),
            models.CheckConstraint(
                name="budgetline_amount_not_negative",
                condition=Q(amount__gte=0),
                violation_error_message=_("Amount must not be negative."),
            ),
            models.CheckConstraint(
                name="budgetline_fiscal_year_in_range",
                condition=Q(fiscal_year__gte=FISCAL_YEAR_MIN, fiscal_year__lte=FISCAL_YEAR_MAX),
                violation_error_message=_("Years must lie between 2000 and 2100."),
            ),
            models.CheckConstraint(
                name="budgetline_funding_source_known",
                condition=FUNDING_SOURCE_KNOWN,
                violation_error_message=_("Unknown funding source."),
            ),
            models.CheckConstraint(
                name="budgetline_stage_known",
                condition=Q(stage__in=BudgetStage.values),
                violation_error_message=_("Unknown budget stage."),
            ),
        ]
        indexes = [
            # Covers the reports' GROUP BY year × source without touching the table.
            models.Index(
                fields=["fiscal_year", "funding_source", "stage", "amount"],
                name="budgetline_year_source_amount",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.program.code} {self.fiscal_year} "
            f"{self.get_funding_source_display()} {self.get_stage_display()}"
        )


class ExecutionQuerySet(models.QuerySet):
    def in_year(self, year: int):
        return self.filter(executed_on__year=year)


class Execution(models.Model):
    program = models.ForeignKey(
        "portfolio.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="executions"
    )
    executed_on = models.DateField(_("executed on"), validators=[validate_date_in_range])
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource)
    amount = models.BigIntegerField(_("amount (won)"), validators=amount_validators)
    description = models.CharField(_("description"), max_length=300, blank=True)
    reference = models.CharField(
        _("reference"),
        max_length=50,
        blank=True,
        help_text=_("Voucher or resolution number; unique within a program when given."),
    )
    source = models.ForeignKey(
        "portfolio.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])
    objects = ExecutionQuerySet.as_manager()

    class Meta:
        ordering = ["-executed_on", "pk"]
        verbose_name = _("execution")
        verbose_name_plural = _("executions")
        constraints = [
            models.CheckConstraint(
                name="execution_amount_not_negative",
                condition=Q(amount__gte=0),
                violation_error_message=_("Amount must not be negative."),
            ),
            models.CheckConstraint(
                name="execution_funding_source_known",
                condition=FUNDING_SOURCE_KNOWN,
                violation_error_message=_("Unknown funding source."),
            ),
            models.UniqueConstraint(
                fields=["program", "reference"],
                condition=~Q(reference=""),
                name="execution_reference_unique_in_program",
                violation_error_message=_("This program already has an execution with that reference."),
            ),
        ]
        indexes = [models.Index(fields=["program", "executed_on"], name="execution_program_date")]

    def __str__(self) -> str:
        return f"{self.program.code} {self.executed_on:%Y-%m-%d} {self.amount:,}"

    @property
    def fiscal_year(self) -> int:
        return self.executed_on.year
