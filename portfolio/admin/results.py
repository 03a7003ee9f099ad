"""Admin for milestones, indicators with their readings, and attracted firms."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portfolio import selectors
from portfolio.admin.base import CachedSourceChoicesMixin, PortfolioAdmin
from portfolio.admin.evidence import (
    EvidenceOwnerAdminMixin,
    IndicatorPartInline,
    ReadingEvidenceInline,
    ReadingForm,
    ReadingPartInline,
)
from portfolio.admin.versioning import VersionedInlineMixin
from portfolio.display import percent, quantity_ko
from portfolio.models import Firm, Indicator, IndicatorReading, Milestone


class ProgramCodeMixin:
    @admin.display(description=_("program"), ordering="program__code")
    def program_code(self, obj):
        return obj.program.code


@admin.register(Milestone)
class MilestoneAdmin(ProgramCodeMixin, PortfolioAdmin):
    list_display = (
        "planned_date",
        "title_ko",
        "program_code",
        "date_precision",
        "actual_date",
        "status",
        "slippage",
        "overdue",
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

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, milestone):
        return milestone.is_overdue()


class ReadingInline(VersionedInlineMixin, CachedSourceChoicesMixin, admin.TabularInline):
    model = IndicatorReading
    extra = 1
    fields = ("period", "value", "source", "note")

    def get_queryset(self, request):
        # Each row's label (IndicatorReading.__str__) names its indicator.
        return super().get_queryset(request).select_related("indicator")


@admin.register(Indicator)
class IndicatorAdmin(ProgramCodeMixin, PortfolioAdmin):
    list_display = (
        "code",
        "name_ko",
        "program_code",
        "metric",
        "baseline",
        "target",
        "target_year",
        "actual",
        "achievement",
        "kpi_status",
    )
    list_filter = ("metric", "direction", "is_cumulative", "program__is_national_context")
    search_fields = ("code", "name_ko", "name_en", "program__code")
    list_select_related = ("program",)
    autocomplete_fields = ("program", "source")
    inlines = (IndicatorPartInline, ReadingInline)

    def annotate_results(self, request, objects) -> None:
        progress = {kpi.indicator_id: kpi for kpi in selectors.progress_for_scope(selectors.load_scope())}
        for indicator in objects:
            indicator.progress = progress.get(indicator.pk)

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


@admin.register(IndicatorReading)
class IndicatorReadingAdmin(EvidenceOwnerAdminMixin, PortfolioAdmin):
    form = ReadingForm
    inlines = (ReadingPartInline, ReadingEvidenceInline)
    list_display = ("indicator", "period", "value", "source")
    list_filter = ("indicator__metric",)
    search_fields = ("indicator__code", "indicator__name_ko", "note")
    list_select_related = ("indicator", "source")
    autocomplete_fields = ("indicator", "source")
    date_hierarchy = "period"


@admin.register(Firm)
class FirmAdmin(ProgramCodeMixin, PortfolioAdmin):
    list_display = ("name", "program_code", "attracted_on", "jobs", "source")
    search_fields = ("name", "program__code", "note")
    list_select_related = ("program", "source")
    autocomplete_fields = ("program", "source")
    date_hierarchy = "attracted_on"
