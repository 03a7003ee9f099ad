"""Every figure the feed gives is {value, unit, display_ko, display_en, source}.

Money is whole won (an integer, unit "KRW"); rates are percent with one decimal; KPI values
carry their indicator's unit. `source` is the citation line(s) of the sources the figure rests
on ("광주일보, 2025-10-24, …"), or null when no source is recorded.
"""

from collections.abc import Iterable
from decimal import Decimal

from portfolio.display import percent, quantity_en, quantity_ko, won_en, won_ko
from portfolio.models import FundingSource
from portfolio.selectors import Citation, LedgerCell

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


# The ledger's money keys, in the order of the official table (세출 집행현황).
LEDGER_BUDGET_KEYS = (
    "original",
    "supplementary",
    "adopted",
    "carried_in_explicit",
    "carried_in_accident",
    "carried_in_continuing",
    "reserve",
    "transfers",
    "revenue_substitution",
    "available",
)
LEDGER_CLOSE_KEYS = ("carried_out_explicit", "carried_out_accident", "carried_out_continuing", "unused")


def ledger_cell(cell: LedgerCell, citations: dict[int, Citation]) -> dict:
    """One ledger cell (a fiscal year × funding source, or the year's total with funding_source
    None): 예산현액 and its parts, 원인행위액, 지출액, the rates, and what the close carried on or
    left unused (null until the year is closed)."""
    budget = cite(cell.budget_sources, citations)
    paid = cite(cell.execution_sources, citations)
    both = cite(cell.budget_sources | cell.execution_sources, citations)
    closed = budget if cell.closed else None
    return {
        "fiscal_year": cell.fiscal_year,
        "funding_source": cell.funding_source,
        "funding_source_display": str(FundingSource(cell.funding_source).label)
        if cell.funding_source
        else None,
        "supplementary_round": cell.supplementary_round,
        **{key: money(getattr(cell, key), budget) for key in LEDGER_BUDGET_KEYS},
        "committed": money(cell.committed, paid),
        "paid": money(cell.paid, paid),
        "execution_rate": rate(cell.execution_rate, both),
        "commitment_rate": rate(cell.commitment_rate, both),
        **{key: money(getattr(cell, key) if cell.closed else None, closed) for key in LEDGER_CLOSE_KEYS},
        "closed": cell.closed,
    }


def kpi_source(kpi, citations: dict[int, Citation]) -> str | None:
    """What a KPI's actual rests on: its latest reading's source, else the indicator's."""
    latest = kpi.readings[-1] if kpi.readings else None
    return cite([latest.source_id if latest else None], citations) or cite([kpi.source_id], citations)


def metric_source(kpis, metric: str, citations: dict[int, Citation]) -> str | None:
    """The sources of a metric total (firms, jobs, GPUs): those of the actuals added up."""
    counted = [kpi for kpi in kpis if kpi.metric == metric and kpi.actual is not None]
    return "; ".join(sorted({s for kpi in counted if (s := kpi_source(kpi, citations))})) or None
