"""Admin for budget lines and executions: filters by year, source and stage, and a totals line."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portfolio.admin.base import AmountTotalsMixin, PortfolioAdmin
from portfolio.admin.locking import ClosedYearReadOnlyMixin
from portfolio.display import won_full
from portfolio.models import BudgetLine, Execution


class MoneyAdmin(ClosedYearReadOnlyMixin, AmountTotalsMixin, PortfolioAdmin):
    """Budget lines, adjustments and executions: a closed year's rows are view-only."""

    list_select_related = ("program", "source")
    autocomplete_fields = ("program", "source")

    @admin.display(description=_("program"), ordering="program__code")
    def program_code(self, obj):
        return obj.program.code

    @admin.display(description=_("amount"), ordering="amount")
    def amount_ko(self, obj):
        return won_full(obj.amount)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # A view-only page prints the amount as the list does, not as bare digits.
            return ["amount_ko" if name == "amount" else name for name in fields]
        return fields


@admin.register(BudgetLine)
class BudgetLineAdmin(MoneyAdmin):
    list_display = ("program_code", "fiscal_year", "funding_source", "stage", "amount_ko", "source")
    list_filter = ("fiscal_year", "funding_source", "stage", "program__status")
    search_fields = ("program__code", "program__name_ko", "note")
    # Newest year first; the id breaks ties cheaply so a 200,000-row page needs no join to sort.
    ordering = ("-fiscal_year", "-id")


@admin.register(Execution)
class ExecutionAdmin(MoneyAdmin):
    list_display = (
        "program_code",
        "executed_on",
        "kind",
        "fiscal_year",
        "funding_source",
        "amount_ko",
        "description",
        "reference",
    )
    list_filter = ("kind", "fiscal_year", "funding_source", "program__status")
    search_fields = ("program__code", "program__name_ko", "description", "reference")
    date_hierarchy = "executed_on"
    ordering = ("-executed_on", "-id")
