"""Every figure the feed gives is {value, unit, display_ko, display_en, source}.

Money is whole won (an integer, unit "KRW"); rates are percent with one decimal; KPI values
carry their indicator's unit. `source` is the citation line(s) of the sources the figure rests
on ("광주일보, 2025-10-24, …"), or null when no source is recorded.
"""

from collections.abc import Iterable
from decimal import Decimal

from portfolio.display import percent, quantity_en, quantity_ko, won_en, won_ko
from portfolio.selectors import Citation

MISSING = "–"


def number(value: Decimal | int | None) -> int | float | None:
    """A JSON number: integers stay exact; other decimals become floats (KPI values have at
    most four decimal places, well inside a float's exact range)."""
    if value is None or isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def cite(source_ids: Iterable[int | None], citations: dict[int, Citation]) -> str | None:
    texts = sorted({citations[i].text for i in source_ids if i is not None and i in citations})
    return "; ".join(texts) or None


def money(amount: int | None, source: str | None = None) -> dict:
    return {
        "value": amount,
        "unit": "KRW",
        "display_ko": won_ko(amount) if amount is not None else MISSING,
        "display_en": won_en(amount) if amount is not None else MISSING,
        "source": source,
    }


def rate(value: Decimal | None, source: str | None = None) -> dict:
    shown = percent(value)
    return {"value": number(value), "unit": "%", "display_ko": shown, "display_en": shown, "source": source}


def quantity(value: Decimal | int | None, unit: str, unit_en: str, source: str | None = None) -> dict:
    return {
        "value": number(value),
        "unit": unit_en or unit,
        "display_ko": quantity_ko(value, unit) if value is not None else MISSING,
        "display_en": quantity_en(value, unit_en or unit) if value is not None else MISSING,
        "source": source,
    }


def budget_figures(item, citations: dict[int, Citation]) -> dict:
    """Plan, budget, executed and execution rate of a budget cell or sum (portfolio.selectors
    BudgetCell / BudgetSum), each citing the sources of the rows it adds up."""
    return {
        "planned": money(item.planned, cite(item.planned_sources, citations)),
        "budget": money(item.budget, cite(item.budget_sources, citations)),
        "executed": money(item.executed, cite(item.executed_sources, citations)),
        "execution_rate": rate(item.execution_rate, cite(item.execution_rate_sources, citations)),
    }


def kpi_source(kpi, citations: dict[int, Citation]) -> str | None:
    """What a KPI's actual rests on: its latest reading's source, else the indicator's."""
    latest = kpi.readings[-1] if kpi.readings else None
    return cite([latest.source_id if latest else None], citations) or cite([kpi.source_id], citations)


def metric_source(kpis, metric: str, citations: dict[int, Citation]) -> str | None:
    """The sources of a metric total (firms, jobs, GPUs): those of the actuals added up."""
    counted = [kpi for kpi in kpis if kpi.metric == metric and kpi.actual is not None]
    return "; ".join(sorted({s for kpi in counted if (s := kpi_source(kpi, citations))})) or None
