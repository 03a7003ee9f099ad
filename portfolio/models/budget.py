"""Money: yearly budget lines by funding source and stage, and executions (집행) against them."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Max, Q, Window
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from portfolio.models.choices import (
    FISCAL_YEAR_MAX,
    FISCAL_YEAR_MIN,
    BudgetStage,
    ExecutionKind,
    FundingSource,
    amount_validators,
    validate_date_in_range,
    year_validators,
)
from portfolio.models.fields import WonField
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
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=year_validators, db_index=True
    )
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource)
    stage = models.PositiveSmallIntegerField(_("stage"), choices=BudgetStage)
    amount = WonField(_("amount (won)"), validators=amount_validators)
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

    def clean(self) -> None:
        if self.program_id and self.fiscal_year and self.funding_source and self.stage != BudgetStage.PLAN:
            from portfolio.models.ledger import closed_year_error  # ledger.py imports this module

            error = closed_year_error(self.program_id, self.fiscal_year, self.funding_source)
            if error:
                raise ValidationError(error)


def closing_period_end(fiscal_year: int) -> datetime.date:
    """The last day of the closing period (출납정리기한) of a fiscal year: payments made up to this
    day of the next year may still belong to it. Set by FISCAL_CLOSING_PERIOD_END (default 02-10)."""
    month, day = settings.FISCAL_CLOSING_PERIOD_END
    return datetime.date(fiscal_year + 1, month, day)


# Net payments (지출액): payments less returned payments, for Sum(...) over executions.
PAID = models.Case(
    models.When(kind=ExecutionKind.PAYMENT, then=F("amount")),
    models.When(kind=ExecutionKind.REFUND, then=-F("amount")),
    default=0,
    output_field=models.BigIntegerField(),
)


class ExecutionQuerySet(models.QuerySet):
    def in_year(self, year: int):
        """Executions booked to a fiscal year (which may differ from the year of their date)."""
        return self.filter(fiscal_year=year)

    def paid_total(self) -> int:
        """지출액 of these executions: payments less returned payments."""
        return self.aggregate(paid=models.Sum(PAID, default=0))["paid"]


class Execution(models.Model):
    Kind = ExecutionKind

    program = models.ForeignKey(
        "portfolio.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="executions"
    )
    kind = models.CharField(
        pgettext_lazy("ledger", "kind"),
        max_length=20,
        choices=ExecutionKind,
        default=ExecutionKind.PAYMENT,
        help_text=_(
            "Commitment (contract, grant decision), payment, or a returned payment (a positive amount)."
        ),
    )
    executed_on = models.DateField(_("executed on"), validators=[validate_date_in_range])
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"),
        validators=year_validators,
        db_index=True,  # the ledger is read one fiscal year at a time (large reports)
        blank=True,
        help_text=_(
            "The year of the budget it draws on. Empty: the year of the date. A payment made in the "
            "closing period (up to 10 February) may name the year before."
        ),
    )
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource)
    amount = WonField(_("amount (won)"), validators=amount_validators)
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
            models.CheckConstraint(
                name="execution_kind_known",
                condition=Q(kind__in=ExecutionKind.values),
                violation_error_message=_("Unknown execution kind."),
            ),
            models.CheckConstraint(
                name="execution_fiscal_year_in_range",
                condition=Q(fiscal_year__gte=FISCAL_YEAR_MIN, fiscal_year__lte=FISCAL_YEAR_MAX),
                violation_error_message=_("Years must lie between 2000 and 2100."),
            ),
            models.UniqueConstraint(
                fields=["program", "reference"],
                condition=~Q(reference=""),
                name="execution_reference_unique_in_program",
                violation_error_message=_("This program already has an execution with that reference."),
            ),
        ]
        indexes = [
            models.Index(fields=["program", "executed_on"], name="execution_program_date"),
            # Covers the ledger's GROUP BY program × fiscal year × source × kind.
            models.Index(
                fields=["program", "fiscal_year", "funding_source", "kind", "amount"],
                name="execution_ledger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} {self.executed_on:%Y-%m-%d} {self.get_kind_display()} {self.amount:,}"

    def save(self, *args, **kwargs) -> None:
        if self.fiscal_year is None and self.executed_on is not None:
            self.fiscal_year = self.executed_on.year
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.executed_on is None:
            return
        if self.fiscal_year is None:
            self.fiscal_year = self.executed_on.year
        error = self._fiscal_year_error()
        if error:
            raise ValidationError({"fiscal_year": error})
        if self.program_id is None or not self.funding_source or self.amount is None:
            return
        from portfolio.models.ledger import closed_year_error  # ledger.py imports this module

        error = closed_year_error(self.program_id, self.fiscal_year, self.funding_source)
        if error:
            raise ValidationError(error)
        if self.kind in (ExecutionKind.PAYMENT, ExecutionKind.REFUND) and self.amount >= 0:
            self._check_paid_not_negative()  # a negative amount is refused by its own rule

    def _fiscal_year_error(self):
        date_year = self.executed_on.year
        if self.fiscal_year == date_year:
            return None
        deadline = closing_period_end(self.fiscal_year)
        in_closing_period = self.fiscal_year == date_year - 1 and self.executed_on <= deadline
        if in_closing_period and self.kind != ExecutionKind.COMMITMENT:
            return None
        if in_closing_period:
            return _(
                "A commitment (원인행위) belongs to the fiscal year of its date, %(year)s: only payments "
                "and returns may be booked to the year before in the closing period."
            ) % {"year": date_year}
        if self.fiscal_year == date_year - 1:
            return _(
                "Dated %(date)s, after the closing period of %(fiscal_year)s (up to %(deadline)s): it "
                "belongs to fiscal year %(year)s."
            ) % {
                "date": self.executed_on,
                "fiscal_year": self.fiscal_year,
                "deadline": deadline,
                "year": date_year,
            }
        return _(
            "The fiscal year must be the year of the date (%(year)s), or the year before for a payment "
            "made in the closing period (up to %(deadline)s)."
        ) % {"year": date_year, "deadline": closing_period_end(date_year - 1)}

    def _check_paid_not_negative(self) -> None:
        """반납 can never make a year's 지출 negative (per program, fiscal year and funding source)."""
        others = Execution.objects.filter(
            program_id=self.program_id, fiscal_year=self.fiscal_year, funding_source=self.funding_source
        ).exclude(pk=self.pk)
        paid = others.paid_total() + (self.amount if self.kind == ExecutionKind.PAYMENT else -self.amount)
        if paid < 0:
            raise ValidationError(
                {
                    "amount": _(
                        "Returned payments would exceed what was paid in fiscal year %(year)s from this "
                        "funding source (지출액 would be %(paid)s won)."
                    )
                    % {"year": self.fiscal_year, "paid": f"{paid:,}"}
                }
            )
