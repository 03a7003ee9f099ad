"""Admin for milestones, indicators with their readings, and attracted firms."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html
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
from portfolio.display import percent, precise_date_ko, quantity_ko
from portfolio.models import Firm, Indicator, IndicatorReading, Milestone


class PlainNumberInput(forms.NumberInput):
    """A KPI value as people write it: 15000, 2.5, not the stored 15000.0000."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return super().format_value(value)


KPI_VALUE_INPUT: Mapping[type[models.Field], Mapping[str, Any]] = {
    models.DecimalField: {"widget": PlainNumberInput(attrs={"step": "any"})}
}


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


class ReadingInline(VersionedInlineMixin, CachedSourceChoicesMixin, admin.TabularInline):
    model = IndicatorReading
    extra = 1
    fields = ("period", "value", "source", "note")
    formfield_overrides = KPI_VALUE_INPUT

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
        "baseline_display",
        "target_display",
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


@admin.register(IndicatorReading)
class IndicatorReadingAdmin(EvidenceOwnerAdminMixin, PortfolioAdmin):
    form = ReadingForm
    inlines = (ReadingPartInline, ReadingEvidenceInline)
    list_display = ("indicator", "period", "value_display", "source")
    formfield_overrides = KPI_VALUE_INPUT
    list_filter = ("indicator__metric",)
    search_fields = ("indicator__code", "indicator__name_ko", "note")
    list_select_related = ("indicator", "source")
    autocomplete_fields = ("indicator", "source")
    date_hierarchy = "period"

    @admin.display(description=_("value"), ordering="value")
    def value_display(self, reading):
        return quantity_ko(reading.value, reading.indicator.unit)


@admin.register(Firm)
class FirmAdmin(ProgramCodeMixin, PortfolioAdmin):
    list_display = ("name", "program_code", "attracted_on", "jobs", "source")
    search_fields = ("name", "program__code", "note")
    list_select_related = ("program", "source")
    autocomplete_fields = ("program", "source")
    date_hierarchy = "attracted_on"
