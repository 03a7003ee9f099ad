"""Admin for sources and the program tree, with budget, executions, milestones and KPIs inline."""

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portfolio import selectors
from portfolio.admin.base import (
    KPI_VALUE_INPUT,
    AnnotatedChangeList,
    CachedSourceChoicesMixin,
    PortfolioAdmin,
)
from portfolio.admin.evidence import EvidenceOwnerAdminMixin, SourceEvidenceInline
from portfolio.admin.ledger import BudgetAdjustmentInline, program_ledger_html
from portfolio.admin.locking import LockedRowsFormSet
from portfolio.admin.versioning import VersionedInlineMixin
from portfolio.display import percent, quantity_ko, won_full, won_ko
from portfolio.models import BudgetLine, Execution, Indicator, Milestone, Program, Source


@admin.register(Source)
class SourceAdmin(EvidenceOwnerAdminMixin, PortfolioAdmin):
    inlines = (SourceEvidenceInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("key", "publisher", "published_on", "title", "reference")
    search_fields = ("key", "publisher", "title", "reference")
    date_hierarchy = "published_on"


class ProgramInline(VersionedInlineMixin, CachedSourceChoicesMixin, admin.TabularInline):
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # Each row's link text names its program.
        return super().get_queryset(request).select_related("program")


class BudgetLineInline(ProgramInline):
    model = BudgetLine
    formset = LockedRowsFormSet  # a closed year's rows are shown, not edited
    fields = ("fiscal_year", "funding_source", "stage", "amount", "source", "note")
    ordering = ("fiscal_year", "funding_source", "stage")


class ExecutionInline(ProgramInline):
    model = Execution
    formset = LockedRowsFormSet
    fields = (
        "kind",
        "executed_on",
        "fiscal_year",
        "funding_source",
        "amount",
        "description",
        "reference",
        "source",
    )


class MilestoneInline(ProgramInline):
    model = Milestone
    fields = ("title_ko", "planned_date", "date_precision", "actual_date", "status", "source")


class IndicatorInline(ProgramInline):
    model = Indicator
    formfield_overrides = KPI_VALUE_INPUT
    fields = (
        "code",
        "name_ko",
        "metric",
        "unit",
        "baseline",
        "target",
        "target_year",
        "is_cumulative",
        "source",
    )


class ProgramChangeList(AnnotatedChangeList):
    """The program list in tree order by default (each program under its parent, as the selectors
    walk the tree), by one CASE over the tree's ids; a column header still sorts by its column."""

    def get_queryset(self, request, exclude_parameters=None):
        if "tree_position" not in self.root_queryset.query.annotations:
            nodes = self.model_admin.program_scope(request).nodes
            position = Case(
                *(When(pk=node.id, then=Value(index)) for index, node in enumerate(nodes)),
                default=Value(len(nodes)),
                output_field=IntegerField(),
            )
            self.root_queryset = self.root_queryset.annotate(tree_position=position)
        return super().get_queryset(request, exclude_parameters)

    def get_ordering(self, request, queryset):
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["tree_position", "-pk"]


@admin.register(Program)
class ProgramAdmin(PortfolioAdmin):
    # Fits a 1366 px screen: the parent shows as indentation (tree order), 계획 on the change page.
    list_display = (
        "code",
        "tree_name",
        "kind",
        "status",
        "period",
        "total_cost_display",
        "budget_display",
        "executed_display",
        "rate_display",
        "is_national_context",
    )
    list_display_links = ("code", "tree_name")
    list_filter = ("status", "kind", "is_national_context", "start_year")
    search_fields = ("code", "name_ko", "name_en", "description")
    autocomplete_fields = ("parent", "source")
    readonly_fields = ("subtree_totals", "kpi_summary", "ledger_table", "total_cost_ko")
    inlines = (BudgetLineInline, BudgetAdjustmentInline, ExecutionInline, MilestoneInline, IndicatorInline)
    fieldsets = (
        (None, {"fields": ("code", "parent", "kind", "name_ko", "name_en", "status")}),
        (
            _("Period and money"),
            {"fields": (("start_year", "end_year"), ("start_date", "end_date"), "total_cost")},
        ),
        (
            _("Responsibility and source"),
            {"fields": ("office", "is_national_context", "source", "sort_order")},
        ),
        (_("Description"), {"fields": ("description",)}),
        (_("Figures (this program and everything under it)"), {"fields": ("subtree_totals", "kpi_summary")}),
        (_("Ledger by fiscal year (세출 집행현황)"), {"fields": ("ledger_table",), "classes": ("wide",)}),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # A view-only page prints the total cost as the lists do, not as bare digits.
        swap = {"total_cost": "total_cost_ko"}
        return [
            (
                name,
                {
                    **options,
                    "fields": [swap.get(f, f) if isinstance(f, str) else f for f in options["fields"]],
                },
            )
            for name, options in fieldsets
        ]

    @admin.display(description=_("total cost"))
    def total_cost_ko(self, program):
        return won_full(program.total_cost)

    def program_scope(self, request) -> selectors.Scope:
        """The program tree, loaded once per request for the order and the figures."""
        if "_program_scope" not in request.__dict__:
            request.__dict__["_program_scope"] = selectors.load_scope()
        return request.__dict__["_program_scope"]

    def get_changelist(self, request, **kwargs):
        return ProgramChangeList

    def annotate_results(self, request, objects) -> None:
        scope = self.program_scope(request)
        by_id = {item.program.id: item for item in selectors.totals_for_scope(scope)}
        for program in objects:
            program.figures = by_id.get(program.pk)

    @admin.display(description=_("name (Korean)"), ordering="name_ko")
    def tree_name(self, program):
        depth = min(program.figures.program.depth, 5) if program.figures else 0
        return format_html('<span class="tree-depth-{}">{}</span>', depth, program.name_ko)

    @admin.display(description=_("period"))
    def period(self, program):
        if program.start_year or program.end_year:
            return f"{program.start_year or ''}–{program.end_year or ''}"
        return None

    @admin.display(description=_("total cost"))
    def total_cost_display(self, program):
        return won_ko(program.figures.totals.total_cost) if program.figures else None

    @admin.display(description=_("current budget"))
    def budget_display(self, program):
        return won_ko(program.figures.totals.budget) if program.figures else None

    @admin.display(description=_("executed"))
    def executed_display(self, program):
        return won_ko(program.figures.totals.executed) if program.figures else None

    @admin.display(description=_("execution rate"))
    def rate_display(self, program):
        return percent(program.figures.totals.execution_rate) if program.figures else None

    @admin.display(description=_("money"))
    def subtree_totals(self, program):
        if not program.pk:
            return "–"
        totals = selectors.program_totals(root=program.code)[0].totals
        rows = [
            (_("total cost"), won_ko(totals.total_cost)),
            (_("planned"), won_ko(totals.planned)),
            (_("current budget"), won_ko(totals.budget)),
            (_("executed"), won_ko(totals.executed)),
            (_("execution rate"), percent(totals.execution_rate)),
        ]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.display(description=_("ledger"))
    def ledger_table(self, program):
        return program_ledger_html(program)

    @admin.display(description=_("KPIs"))
    def kpi_summary(self, program):
        if not program.pk:
            return "–"
        kpis = selectors.kpi_progress(root=program.code)
        if not kpis:
            return "–"
        rows = [
            (
                kpi.name_ko,
                kpi.program_code,
                quantity_ko(kpi.actual, kpi.unit) or "–",
                kpi.get_status_display(),
            )
            for kpi in kpis
        ]
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )
