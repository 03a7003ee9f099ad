"""Shared admin pieces: history and stale-edit refusal on every model, selector figures attached
to a changelist page, a totals line under amount lists, and per-request choice caching for inline rows."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.admin import ModelAdmin
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import Count, Sum
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin

from portfolio.admin.versioning import VersionedAdminMixin
from portfolio.display import won_ko


class AnnotatedChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        self.model_admin.annotate_results(request, self.result_list)


class PortfolioAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    """Base for every domain model: change history (who, when, what), stale edits refused, and a
    fixed query count."""

    list_per_page = 50
    show_full_result_count = False  # one COUNT(*) per page, not two, on 200,000-row tables

    def get_changelist(self, request, **kwargs):
        return AnnotatedChangeList

    class Media:
        css = {"all": ["portfolio/admin.css"]}  # fitting a 1366 px screen, badges, money columns

    def annotate_results(self, request, objects) -> None:
        """Hook: attach figures from the selectors to the page's rows in a fixed number of queries."""


class AmountTotalsMixin(ModelAdmin):
    """Shows the number of rows and totals of `amount` over the filtered list."""

    change_list_template = "admin/portfolio/change_list_with_totals.html"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            rows, lines, apart = self.amount_totals(request, context["cl"].queryset)
            context["amount_totals"] = {
                "rows": rows,
                "lines": totals_lines(lines),
                "apart": totals_lines(apart),
            }
        return response

    def amount_totals(self, request, queryset) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
        """The row count, the (label, amount) totals of the list, and totals shown apart (items
        that are not added to the city's). Here: the plain sum of `amount`."""
        totals = queryset.order_by().aggregate(rows=Count("pk"), amount=Sum("amount", default=0))
        return totals["rows"], [(gettext("Total"), totals["amount"])], []


def totals_lines(lines: list[tuple[str, int]]) -> list[dict]:
    return [{"label": label, "amount": amount, "amount_ko": won_ko(amount)} for label, amount in lines]


class CachedSourceChoicesMixin:
    """Inline rows each render a <select> of sources; load those choices once per request
    instead of once per row."""

    cached_choice_fields = ("source",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in self.cached_choice_fields and field is not None:
            cache = request.__dict__.setdefault("_admin_choice_cache", {})
            if db_field.name not in cache:
                cache[db_field.name] = list(field.choices)
            field.choices = cache[db_field.name]
        return field


class PlainNumberInput(forms.NumberInput):
    """A KPI value as people write it: 15000, 2.5, not the stored 15000.0000."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return super().format_value(value)


KPI_VALUE_INPUT: Mapping[type[models.Field], Mapping[str, Any]] = {
    models.DecimalField: {"widget": PlainNumberInput(attrs={"step": "any"})}
}
