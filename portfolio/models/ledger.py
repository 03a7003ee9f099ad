"""What makes 예산현액 besides the adopted budget (adjustments), and the year-end close (결산 마감)
that records what goes on to the next year and makes the year's figures final."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from portfolio.models.budget import FUNDING_SOURCE_KNOWN
from portfolio.models.choices import (
    FISCAL_YEAR_MAX,
    FISCAL_YEAR_MIN,
    AdjustmentKind,
    FundingSource,
    amount_validators,
    validate_date_in_range,
    year_validators,
)
from portfolio.models.fields import WonField
from portfolio.models.versioning import VersionField


class BudgetAdjustment(models.Model):
    """One change to a year's 예산현액 other than a budget stage: a carry-in from the year before,
    reserve funds, a transfer in or out (negative when money leaves), revenue-substitution money."""

    Kind = AdjustmentKind

    program = models.ForeignKey(
        "portfolio.Program",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        related_name="budget_adjustments",
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=year_validators, db_index=True
    )
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource)
    kind = models.CharField(pgettext_lazy("ledger", "kind"), max_length=30, choices=AdjustmentKind)
    amount = WonField(
        _("amount (won)"), signed=True, help_text=_("Signed: money moved out by a transfer is negative.")
    )
    adjusted_on = models.DateField(_("date"), validators=[validate_date_in_range])
    basis = models.CharField(
        _("basis"), max_length=200, blank=True, help_text=_("Council approval, decision number, …")
    )
    source = models.ForeignKey(
        "portfolio.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Set on the carry-ins a year-end close made: they go when the close is reopened.
    made_by_close = models.ForeignKey(
        "portfolio.YearEndClose",
        verbose_name=_("made by the close of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="carry_ins",
        editable=False,
    )

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["program__code", "fiscal_year", "funding_source", "adjusted_on", "pk"]
        verbose_name = _("budget adjustment")
        verbose_name_plural = _("budget adjustments")
        constraints = [
            models.CheckConstraint(
                name="budgetadjustment_kind_known",
                condition=Q(kind__in=AdjustmentKind.values),
                violation_error_message=_("Unknown adjustment kind."),
            ),
            models.CheckConstraint(
                name="budgetadjustment_funding_source_known",
                condition=FUNDING_SOURCE_KNOWN,
                violation_error_message=_("Unknown funding source."),
            ),
            models.CheckConstraint(
                name="budgetadjustment_fiscal_year_in_range",
                condition=Q(fiscal_year__gte=FISCAL_YEAR_MIN, fiscal_year__lte=FISCAL_YEAR_MAX),
                violation_error_message=_("Years must lie between 2000 and 2100."),
            ),
            # Only transfers move money out; everything else adds to 예산현액.
            models.CheckConstraint(
                name="budgetadjustment_only_transfers_negative",
                condition=Q(amount__gte=0) | Q(kind__in=AdjustmentKind.transfers()),
                violation_error_message=_("Only 이용, 전용 and 이체 may be negative."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["program", "fiscal_year", "funding_source", "kind", "amount"],
                name="budgetadjustment_ledger",
            )
        ]

    def __str__(self) -> str:
        source, kind = self.get_funding_source_display(), self.get_kind_display()
        return f"{self.program.code} {self.fiscal_year} {source} {kind}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.amount is not None and self.kind:
            if self.kind in AdjustmentKind.transfers():
                if self.amount == 0:
                    errors["amount"] = _("A transfer moves money: give a positive amount in, negative out.")
            elif self.amount < 0:
                errors["amount"] = _(
                    "Only 이용, 전용 and 이체 may be negative; this kind adds to the budget."
                )
        if errors:
            raise ValidationError(errors)
        if self.program_id and self.fiscal_year and self.funding_source:
            error = closed_year_error(self.program_id, self.fiscal_year, self.funding_source)
            if error:
                raise ValidationError(error)


class YearEndClose(models.Model):
    """The year-end close (결산 마감) of one program × fiscal year × funding source: what is carried
    into the next year, by kind. 불용액 is computed from the ledger, never typed. While a close
    stands, the year's budget lines, adjustments and executions cannot change."""

    program = models.ForeignKey(
        "portfolio.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="closes"
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=year_validators, db_index=True
    )
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource)
    carried_out_explicit = WonField(
        _("explicit carry-over to next year"), default=0, validators=amount_validators
    )
    carried_out_accident = WonField(
        _("accident carry-over to next year"), default=0, validators=amount_validators
    )
    carried_out_continuing = WonField(
        _("continuing-expense carry-over to next year"), default=0, validators=amount_validators
    )
    closed_on = models.DateField(_("closed on"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["program__code", "fiscal_year", "funding_source"]
        verbose_name = _("year-end close")
        verbose_name_plural = _("year-end closes")
        permissions = [("reopen_yearendclose", _("Can reopen a year-end close"))]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "fiscal_year", "funding_source"],
                name="yearendclose_one_per_program_year_source",
                violation_error_message=_("This year is already closed for that program and funding source."),
            ),
            models.CheckConstraint(
                name="yearendclose_carry_overs_not_negative",
                condition=Q(
                    carried_out_explicit__gte=0, carried_out_accident__gte=0, carried_out_continuing__gte=0
                ),
                violation_error_message=_("Amount must not be negative."),
            ),
            models.CheckConstraint(
                name="yearendclose_funding_source_known",
                condition=FUNDING_SOURCE_KNOWN,
                violation_error_message=_("Unknown funding source."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} {self.fiscal_year} {self.get_funding_source_display()}"

    @property
    def carried_out(self) -> int:
        return self.carried_out_explicit + self.carried_out_accident + self.carried_out_continuing


def closed_year_error(program_id: int, fiscal_year: int, funding_source: str) -> str | None:
    """Why rows of this program × year × source cannot change (its year is closed), or None."""
    close = (
        YearEndClose.objects.filter(
            program_id=program_id, fiscal_year=fiscal_year, funding_source=funding_source
        )
        .select_related("closed_by")
        .first()
    )
    if close is None:
        return None
    return _(
        "Fiscal year %(year)s (%(source)s) of this program was closed on %(day)s by %(who)s; reopen the "
        "year-end close to change its figures."
    ) % {
        "year": fiscal_year,
        "source": close.get_funding_source_display(),
        "day": close.closed_on,
        "who": close.closed_by or "?",
    }
