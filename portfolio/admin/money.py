"""Admin for budget lines and executions: filters by year, source and stage, and a totals line."""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portfolio import selectors
from portfolio.admin.base import AmountTotalsMixin, PortfolioAdmin
from portfolio.admin.evidence import EvidenceOwnerAdminMixin, ExecutionEvidenceInline
from portfolio.admin.locking import ClosedYearReadOnlyMixin
from portfolio.display import won_full
from portfolio.models import BudgetLine, BudgetStage, Execution


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

    def amount_totals(self, request, queryset):
        """As the ledger adds budget lines up (portfolio.selectors.budget_line_totals): a stage's
        rows each hold the whole amount at that stage, so 계획 and the adopted budget are shown
        apart, never added; one stage filtered shows that stage's total; national-context items
        are shown apart from the city's."""
        stages = request.GET.getlist("stage__exact") or request.GET.getlist("stage")
        stage = int(stages[0]) if len(stages) == 1 and stages[0] in map(str, BudgetStage.values) else None
        totals = selectors.budget_line_totals(queryset, with_adopted=stage is None)

        def lines(side: selectors.LineTotals) -> list[tuple[str, int]]:
            if stage is not None:
                return [
                    (
                        gettext("%(stage)s total") % {"stage": BudgetStage(stage).label},
                        side.by_stage.get(stage, 0),
                    )
                ]
            return [
                (gettext("%(stage)s total") % {"stage": BudgetStage.PLAN.label}, side.planned),
                (gettext("Adopted budget (본예산 or the latest 추경) total"), side.adopted),
            ]

        apart = []
        if totals.national.rows:
            label = gettext("National-context items (not in the city's totals), %(rows)s rows") % {
                "rows": totals.national.rows
            }
            apart = [(f"{label}: {name}", amount) for name, amount in lines(totals.national)]
        return totals.rows, lines(totals.city), apart


@admin.register(Execution)
class ExecutionAdmin(EvidenceOwnerAdminMixin, MoneyAdmin):
    inlines = (ExecutionEvidenceInline,)
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

    def amount_totals(self, request, queryset):
        """As the ledger reads executions (portfolio.selectors.execution_totals): 원인행위액 and
        지출액 (payments less 반납) apart, never one sum; national-context items apart."""
        city, national = selectors.execution_totals(queryset)

        def lines(side: selectors.ExecutionTotals) -> list[tuple[str, int]]:
            return [
                (gettext("Commitments (원인행위액) total"), side.committed),
                (gettext("Paid (지출액: payments less 반납) total"), side.paid),
            ]

        apart = []
        if national.rows:
            label = gettext("National-context items (not in the city's totals), %(rows)s rows") % {
                "rows": national.rows
            }
            apart = [(f"{label}: {name}", amount) for name, amount in lines(national)]
        return city.rows + national.rows, lines(city), apart
