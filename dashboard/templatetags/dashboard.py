"""Template filters that write the dashboard's figures in the active language.

Korean pages write `6,000억원` and `2,500대`; English pages `₩600.0B` and `2,500 GPUs`. The
numbers themselves come from `portfolio.selectors`; these filters only format them.
"""

from decimal import Decimal

from django import template
from django.apps import apps
from django.urls import reverse
from django.utils.translation import get_language, ngettext

from imports.resources import BY_MODEL
from portfolio import display

register = template.Library()


def english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def money(amount: int | None) -> str:
    """Whole won in the page's language: `6,000억원` or `₩600.0B`; `–` when unknown."""
    if amount is None:
        return "–"
    return display.won_en(amount) if english() else display.won_ko(amount)


@register.filter
def money_short(amount: int) -> str:
    """An axis label: `1.2조`, `600억`, `5,000만` in Korean; `₩1.2T`, `₩600.0B` in English."""
    if english():
        return display.won_en(amount)
    if amount == 0:
        return "0"
    for size, unit in ((10**12, "조"), (10**8, "억"), (10**4, "만")):
        if abs(amount) >= size:
            scaled = Decimal(amount) / size
            text = f"{scaled:,.1f}".removesuffix(".0") if scaled < 10 else f"{round(scaled):,}"
            return f"{text}{unit}"
    return f"{amount:,}"


@register.filter
def percent(value: Decimal | float | None) -> str:
    return display.percent(value)


@register.simple_tag
def quantity(value: Decimal | int | None, unit: str, unit_en: str = "") -> str:
    """A number with its unit: `2,500대` or `2,500 GPUs`; `–` when unknown."""
    if value is None:
        return "–"
    if english():
        return display.quantity_en(value, unit_en or unit)
    return display.quantity_ko(value, unit)


@register.filter
def number(value: Decimal | int | None) -> str:
    return display.number(value) if value is not None else "–"


@register.filter
def localized(item: object, field: str) -> str:
    """`item.<field>_en` on English pages when it is filled in, else `item.<field>_ko`."""
    korean = getattr(item, f"{field}_ko", "") or ""
    if english():
        return getattr(item, f"{field}_en", "") or korean
    return korean or getattr(item, f"{field}_en", "") or ""


@register.filter
def other_language(language_code: str) -> str:
    return "ko" if (language_code or "").startswith("en") else "en"


@register.simple_tag
def figure(kind: str, value, unit: str = "", unit_en: str = "") -> str:
    """A tile's value or target, written by its kind (money, percent or quantity)."""
    if kind == "money":
        return money(value)
    if kind == "percent":
        return percent(value)
    return quantity(value, unit, unit_en)


_MONTHS_EN = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@register.filter
def precise_date(day, precision: str = "day") -> str:
    """A date only as precisely as it is known: `2026년`, `2025년 10월`, `2025-10-24`."""
    if day is None:
        return "–"
    if not english():
        return display.precise_date_ko(day, precision)
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day:%Y-%m-%d}"


@register.filter
def indent(depth: int) -> int:
    """Tree depth for a CSS class; deeper levels share the deepest indent."""
    return min(int(depth), 6)


@register.simple_tag
def tree_table(rows, as_of_query: str = "") -> list[dict]:
    """The program table's cells written out in Python, one dict per row.

    A 1,000-program portfolio shows a few hundred rows; resolving a dozen filters and a URL per
    row in the template engine took most of the page's time, plain dict lookups take little.
    """
    link = reverse("dashboard:program", args=["CODE"])
    won = display.won_en if english() else display.won_ko  # the language, looked up once
    name_field = "name_en" if english() else "name_ko"
    cells = []
    for row in rows:
        node, totals = row.program, row.item.totals
        cells.append(
            {
                "url": link.replace("CODE", node.code) + as_of_query,
                "name": getattr(node, name_field) or node.name_ko or node.name_en,
                "code": node.code,
                "depth": indent(node.depth),
                "national": node.is_national_context,
                "below": ngettext("+%(counter)s below", "+%(counter)s below", row.hidden_below)
                % {"counter": row.hidden_below}
                if row.hidden_below
                else "",
                "status": node.get_status_display(),
                "period": _period(node.start_year, node.end_year),
                "total_cost": won(totals.total_cost) if totals.total_cost is not None else "–",
                "planned": won(totals.planned),
                "budget": won(totals.budget),
                "executed": won(totals.executed),
                "rate": display.percent(totals.execution_rate),
            }
        )
    return cells


def _period(start: int | None, end: int | None) -> str:
    if start or end:
        return f"{start or ''}–{end or ''}"
    return "–"


@register.simple_tag(takes_context=True)
def entry_links(context, *model_names: str) -> list[dict]:
    """For an empty chart or table: where to enter what is missing, as links the user may follow
    (the admin list by its Korean name, and the spreadsheet template for an import)."""
    user = context.get("user")
    links = []
    for name in model_names:
        model = apps.get_model("portfolio", name)
        if user is None or not user.has_perm(f"portfolio.view_{name}"):
            continue
        has_template = model in BY_MODEL  # the kinds the spreadsheet import takes
        links.append(
            {
                "name": str(model._meta.verbose_name_plural),
                "list_url": reverse(f"admin:portfolio_{name}_changelist"),
                "template_url": reverse(f"admin:portfolio_{name}_import_template") if has_template else "",
            }
        )
    return links
