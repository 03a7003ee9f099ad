"""Admin for milestones, indicators with their yearly targets and readings, and attracted firms."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portfolio import selectors
from portfolio.admin.base import KPI_VALUE_INPUT, PortfolioAdmin
from portfolio.admin.evidence import IndicatorPartInline
from portfolio.admin.performance import ReadingInline, YearlyTargetInline
from portfolio.display import percent, precise_date_ko, quantity_ko
from portfolio.models import Firm, Indicator, IndicatorReading, Milestone
from portfolio.models.periods import lock_refusal


def locked_readings(indicator: Indicator) -> bool:
    """Whether any reading of the indicator lies in a locked period. Two queries."""
    periods = indicator.readings.order_by().values_list("period", flat=True).distinct()
    return lock_refusal(*periods) is not None


class ProgramCodeMixin:
    @admin.display(description=_("program"), ordering="program__code")
    def program_code(self, obj):
        return obj.program.code


@admin.register(Milestone)
class MilestoneAdmin(ProgramCodeMixin, PortfolioAdmin):
    list_display = (
        "planned_display",
        "title_ko",
        "program_code",
        "actual_display",
        "status",
        "slippage",
        "overdue_badge",
    )
    list_filter = ("status", "date_precision", "program__is_national_context")
    search_fields = ("title_ko", "title_en", "program__code", "program__name_ko")
    list_select_related = ("program",)
    autocomplete_fields = ("program", "source")
    date_hierarchy = "planned_date"

    @admin.display(description=_("slippage (days)"))
    def slippage(self, milestone):
        days = milestone.slippage_days()
        return "–" if days is None else days

    @admin.display(description=_("planned date"), ordering="planned_date")
    def planned_display(self, milestone):
        return precise_date_ko(milestone.planned_date, milestone.date_precision)

    @admin.display(description=_("actual date"), ordering="actual_date")
    def actual_display(self, milestone):
        return precise_date_ko(milestone.actual_date, milestone.date_precision) or "–"

    @admin.display(description=_("overdue"))
    def overdue_badge(self, milestone):
        # A badge only when overdue: a column of "no" icons hid the few that matter.
        if milestone.is_overdue():
            return format_html('<span class="badge-overdue">{}</span>', _("Overdue"))
        return ""


@admin.register(Indicator)
class IndicatorAdmin(ProgramCodeMixin, PortfolioAdmin):
    list_display = (
        "code",
        "name_ko",
        "program_code",
        "metric",
        "baseline_display",
        "target_display",
        "target_year",
        "actual",
        "achievement",
        "kpi_status",
        "pending",
    )
    list_filter = ("metric", "direction", "is_cumulative", "program__is_national_context")
    search_fields = ("code", "name_ko", "name_en", "program__code")
    list_select_related = ("program",)
    autocomplete_fields = ("program", "source")
    inlines = (YearlyTargetInline, IndicatorPartInline, ReadingInline)
    formfield_overrides = KPI_VALUE_INPUT

    def annotate_results(self, request, objects) -> None:
        progress = {kpi.indicator_id: kpi for kpi in selectors.progress_for_scope(selectors.load_scope())}
        for indicator in objects:
            indicator.progress = progress.get(indicator.pk)

    @admin.display(description=_("baseline"), ordering="baseline")
    def baseline_display(self, indicator):
        return quantity_ko(indicator.baseline, indicator.unit) or "–"

    @admin.display(description=_("target"), ordering="target")
    def target_display(self, indicator):
        return quantity_ko(indicator.target, indicator.unit) or "–"

    @admin.display(description=_("actual"))
    def actual(self, indicator):
        kpi = indicator.progress
        return quantity_ko(kpi.actual, kpi.unit) if kpi and kpi.actual is not None else "–"

    @admin.display(description=_("achieved"))
    def achievement(self, indicator):
        return percent(indicator.progress.achievement_pct) if indicator.progress else "–"

    @admin.display(description=_("status"))
    def kpi_status(self, indicator):
        return indicator.progress.get_status_display() if indicator.progress else "–"

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and locked_readings(obj))

    def get_deleted_objects(self, objs, request):
        # Its readings of a locked period go with an indicator: name it as needing a permission
        # nobody has, so "delete selected" refuses it (the model refuses it anyway).
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.update(str(obj) for obj in objs if locked_readings(obj))
        return deleted, model_count, perms_needed, protected

    @admin.display(description=_("awaiting approval"))
    def pending(self, indicator):
        return indicator.progress.pending if indicator.progress else 0

    def save_formset(self, request, form, formset, change):
        # A reading added here is written by the one saving the page.
        for inline_form in formset.forms:
            instance = inline_form.instance
            if instance.pk is None and isinstance(instance, IndicatorReading):
                instance.created_by = request.user
        super().save_formset(request, form, formset, change)


@admin.register(Firm)
class FirmAdmin(ProgramCodeMixin, PortfolioAdmin):
    list_display = ("name", "program_code", "attracted_on", "jobs", "source")
    search_fields = ("name", "program__code", "note")
    list_select_related = ("program", "source")
    autocomplete_fields = ("program", "source")
    date_hierarchy = "attracted_on"
