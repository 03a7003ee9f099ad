"""Admin for the ledger: budget adjustments (lists and a program inline), the program's ledger as
a read-only table, and the year-end close (결산 마감) with a preview before it writes, and its
reopening."""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio import closing
from portfolio.admin.base import CachedSourceChoicesMixin, PortfolioAdmin
from portfolio.admin.locking import LockedRowsFormSet
from portfolio.admin.money import MoneyAdmin
from portfolio.display import percent, won_ko
from portfolio.models import BudgetAdjustment, Program, YearEndClose
from portfolio.selectors import ledger, with_year_totals
from portfolio.selectors.ledger import LedgerCell


def _money(amount: int | None) -> str:
    return won_ko(amount) if amount else "–"


def _supplementary(cell: LedgerCell) -> str:
    if cell.supplementary is None:
        return "–"
    return _("%(amount)s (round %(round)s)") % {
        "amount": won_ko(cell.supplementary),
        "round": cell.supplementary_round,
    }


def ledger_rows(cells: list[LedgerCell], *, program: Program | None = None) -> list[dict]:
    """The table rows of a ledger: each year's cells by funding source, then the year's total.
    With `program`, an open cell links to the year-end close of that program, year and source."""
    close_url = reverse("admin:portfolio_yearendclose_add")
    rows = []
    for cell in with_year_totals(cells):
        is_total = cell.funding_source is None
        link = None
        if program is not None and not is_total and not cell.closed:
            query = {
                "program": program.pk,
                "fiscal_year": cell.fiscal_year,
                "funding_source": cell.funding_source,
            }
            link = f"{close_url}?{urlencode(query)}"
        rows.append(
            {
                "fiscal_year": cell.fiscal_year,
                "source": cell.get_funding_source_display(),
                "is_total": is_total,
                "closed": cell.closed,
                "close_url": link,
                "money": [
                    _money(cell.original),
                    _supplementary(cell),
                    _money(cell.carried_in_explicit),
                    _money(cell.carried_in_accident),
                    _money(cell.carried_in_continuing),
                    _money(cell.reserve),
                    _money(cell.transfers),
                    _money(cell.revenue_substitution),
                    won_ko(cell.available),
                    won_ko(cell.committed),
                    won_ko(cell.paid),
                    percent(cell.execution_rate),
                    percent(cell.commitment_rate),
                    _money(cell.carried_out),
                    "–" if cell.unused is None else won_ko(cell.unused),
                ],
            }
        )
    return rows


def program_ledger_html(program: Program) -> str:
    """The program's own ledger and, when it has programs under it, its subtree's. Five queries."""
    if not program.pk:
        return "–"
    book = ledger(root=program.code, include_national=True)
    own = book.own.get(program.pk, [])
    subtree = book.program_cells(program.pk)
    tables = [
        render_to_string(
            "admin/portfolio/ledger_table.html",
            {"caption": _("This program"), "rows": ledger_rows(own, program=program)},
        )
    ]
    if subtree != own:
        tables.append(
            render_to_string(
                "admin/portfolio/ledger_table.html",
                {"caption": _("This program and everything under it"), "rows": ledger_rows(subtree)},
            )
        )
    if not own and subtree == own:
        return "–"
    return mark_safe("".join(tables))  # rendered by templates, which escape


class BudgetAdjustmentInline(CachedSourceChoicesMixin, admin.TabularInline):
    model = BudgetAdjustment
    formset = LockedRowsFormSet
    extra = 0
    fields = (
        "fiscal_year",
        "funding_source",
        "kind",
        "amount",
        "adjusted_on",
        "basis",
        "source",
        "note",
        "by_close",
    )
    readonly_fields = ("by_close",)
    ordering = ("fiscal_year", "funding_source", "kind", "adjusted_on")

    @admin.display(description=gettext_lazy("made by a close"), boolean=True)
    def by_close(self, adjustment):
        return bool(adjustment.made_by_close_id)


@admin.register(BudgetAdjustment)
class BudgetAdjustmentAdmin(MoneyAdmin):
    list_display = (
        "program_code",
        "fiscal_year",
        "funding_source",
        "kind",
        "amount_ko",
        "adjusted_on",
        "basis",
        "by_close",
    )
    list_filter = ("kind", "fiscal_year", "funding_source", "program__status")
    search_fields = ("program__code", "program__name_ko", "basis", "note")
    readonly_fields = ("by_close",)
    date_hierarchy = "adjusted_on"
    ordering = ("-fiscal_year", "-id")

    @admin.display(description=gettext_lazy("made by a close"), boolean=True)
    def by_close(self, adjustment):
        return bool(adjustment.made_by_close_id)


CLOSE_FIELDS = (
    "program",
    "fiscal_year",
    "funding_source",
    "carried_out_explicit",
    "carried_out_accident",
    "carried_out_continuing",
    "note",
)


@admin.register(YearEndClose)
class YearEndCloseAdmin(PortfolioAdmin):
    """A close is never edited: it is made through a preview and confirmation, and undone only by
    reopening (a permission of its own, with a reason)."""

    list_display = (
        "program_code",
        "fiscal_year",
        "funding_source",
        "explicit_ko",
        "accident_ko",
        "continuing_ko",
        "closed_on",
        "closed_by",
    )
    list_filter = ("fiscal_year", "funding_source")
    list_select_related = ("program", "closed_by")
    search_fields = ("program__code", "program__name_ko", "note")
    autocomplete_fields = ("program",)
    fields = (*CLOSE_FIELDS, "closed_on", "closed_by")
    ordering = ("-fiscal_year", "program__code", "funding_source")
    add_form_template = "admin/portfolio/yearendclose/close_form.html"
    change_form_template = "admin/portfolio/yearendclose/change_form.html"

    @admin.display(description=gettext_lazy("program"), ordering="program__code")
    def program_code(self, close):
        return close.program.code

    @admin.display(description=gettext_lazy("explicit carry-over to next year"))
    def explicit_ko(self, close):
        return won_ko(close.carried_out_explicit)

    @admin.display(description=gettext_lazy("accident carry-over to next year"))
    def accident_ko(self, close):
        return won_ko(close.carried_out_accident)

    @admin.display(description=gettext_lazy("continuing-expense carry-over to next year"))
    def continuing_ko(self, close):
        return won_ko(close.carried_out_continuing)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        reopen = path(
            "<path:object_id>/reopen/",
            self.admin_site.admin_view(self.reopen_view),
            name="portfolio_yearendclose_reopen",
        )
        return [reopen, *super().get_urls()]

    # --- closing: form → preview → confirm ---------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form_class = self.get_form(request, fields=CLOSE_FIELDS)
        preview = None
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid() and "_edit" not in request.POST:
                # Only the close's own fields: the admin's form also carries the hidden version input.
                values = {name: form.cleaned_data[name] for name in CLOSE_FIELDS}
                try:
                    if "_confirm" in request.POST:
                        close = closing.close_year(**values, closed_by=request.user)
                        self.log_addition(request, close, [{"added": {}}])
                        self.message_user(
                            request,
                            _("Closed %(close)s: the next year got its carry-ins.") % {"close": close},
                            messages.SUCCESS,
                        )
                        return HttpResponseRedirect(reverse("admin:portfolio_yearendclose_changelist"))
                    amounts = {k: v for k, v in values.items() if k != "note"}
                    preview = closing.preview_close(**amounts)
                except ValidationError as error:
                    form.add_error(None, error)
        else:
            form = form_class(initial=self.get_changeform_initial_data(request))
        fieldsets = [(None, {"fields": CLOSE_FIELDS})]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Close a fiscal year"),
            "opts": self.opts,
            "form": form,
            "adminform": helpers.AdminForm(form, fieldsets, {}, model_admin=self),
            "errors": helpers.AdminErrorList(form, []),
            "media": self.media + form.media,
            "preview": preview,
            "preview_rows": self._preview_rows(preview) if preview else None,
        }
        return TemplateResponse(request, self.add_form_template, context)

    @staticmethod
    def _preview_rows(preview: closing.ClosePreview) -> dict:
        cell = preview.cell
        labels = dict(BudgetAdjustment.Kind.choices)
        return {
            "ledger": ledger_rows([cell]),
            "year": preview.fiscal_year,
            "next_year": preview.fiscal_year + 1,
            "available": won_ko(cell.available),
            "paid": won_ko(cell.paid),
            "committed": won_ko(cell.committed),
            "carried_out": won_ko(preview.carried_out),
            "unused": won_ko(preview.unused),
            "carry_ins": [(labels[kind], won_ko(amount)) for kind, amount in preview.carry_ins()],
        }

    # --- reopening ----------------------------------------------------------------------------

    def can_reopen(self, request) -> bool:
        return request.user.has_perm("portfolio.reopen_yearendclose")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = (extra_context or {}) | {"can_reopen": self.can_reopen(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def reopen_view(self, request, object_id):
        close = get_object_or_404(YearEndClose.objects.select_related("program"), pk=object_id)
        if not self.can_reopen(request):
            raise PermissionDenied
        error = None
        if request.method == "POST":
            reason = request.POST.get("reason", "")
            try:
                closing.reopen_year(close=close, user=request.user, reason=reason)
            except ValidationError as refusal:
                error = " ".join(refusal.messages)
            else:
                self.message_user(
                    request,
                    _("Reopened %(close)s: its carry-ins are gone.") % {"close": close},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:portfolio_yearendclose_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reopen the year-end close of %(close)s") % {"close": close},
            "opts": self.opts,
            "close": close,
            "carry_ins": [
                (carry_in.fiscal_year, carry_in.get_kind_display(), won_ko(carry_in.amount))
                for carry_in in close.carry_ins.all()
            ],
            "error": error,
            "reason": request.POST.get("reason", ""),
        }
        return TemplateResponse(request, "admin/portfolio/yearendclose/reopen.html", context)
