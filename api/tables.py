"""The list endpoints' rows as plain dicts, built once per data version and day from the
selectors (kept by api.caching), then filtered, ordered and paged per request in Python.
Rows hold no translated text; `with_labels` adds the `*_display` labels in the request's language.
"""

import datetime
from dataclasses import dataclass, field

from api import figures
from portfolio import selectors


@dataclass(frozen=True)
class Tables:
    day: datetime.date
    programs: list[dict]  # tree order, money of `fiscal_year`
    milestones: list[dict]  # by planned date
    indicators: list[dict]  # tree order, then code
    lineage: dict[str, frozenset[str]]  # program code → itself and its ancestors' codes
    fiscal_year: int  # the year of the programs' money unless another is asked for: the day's
    # program code → (its subtree's total cost, its subtree's ledger one cell per year, the
    # citation of its money): what the rows of another fiscal year are made from
    money: dict[str, tuple[int | None, list[selectors.LedgerCell], str | None]] = field(default_factory=dict)

    def code(self, given: str) -> str:
        """The program code `given` names, matched case-insensitively (an exact match first);
        `given` itself when none matches."""
        if given in self.lineage:
            return given
        wanted = given.casefold()
        return next((code for code in self.lineage if code.casefold() == wanted), given)

    def programs_for(self, fiscal_year: int | None) -> list[dict]:
        """The program rows with the money of `fiscal_year` (default: the table's own year)."""
        if fiscal_year is None or fiscal_year == self.fiscal_year:
            return self.programs
        return [row | money_figures(*self.money[row["code"]], fiscal_year) for row in self.programs]


def money_figures(
    total_cost: int | None, cells: list[selectors.LedgerCell], source: str | None, fiscal_year: int
) -> dict:
    """A program row's money for one fiscal year: its 예산현액 ("budget"), 지출액 ("executed") and
    집행률 of that year, and, across years, 총사업비 대비 누적집행률 (all 지출 up to the year ÷
    총사업비)."""
    totals = selectors.totals_of(cells, fiscal_year=fiscal_year, total_cost=total_cost)
    return {
        "fiscal_year": fiscal_year,
        "total_cost": figures.money(totals.total_cost, source),
        "planned": figures.money(totals.planned, source),
        "budget": figures.money(totals.available, source),
        "committed": figures.money(totals.committed, source),
        "executed": figures.money(totals.paid, source),
        "execution_rate": figures.rate(totals.execution_rate, source),
        "executed_to_date": figures.money(totals.paid_to_date, source),
        "cumulative_execution_rate": figures.rate(totals.cumulative_rate, source),
    }


def build(day: datetime.date) -> Tables:
    """Every program, milestone and indicator (national context included), the programs' money
    for the fiscal year of `day`. Fourteen queries."""
    scope = selectors.load_scope(include_national=True)
    citations = selectors.citations()
    book = selectors.ledger_for_scope(scope)
    sources = selectors.money_sources(scope, book=book)
    code_of = {node.id: node.code for node in scope.nodes}
    lineage: dict[str, frozenset[str]] = {}
    for node in scope.nodes:  # parents come first
        parent = code_of.get(node.parent_id)
        lineage[node.code] = frozenset({node.code}) | (lineage[parent] if parent else frozenset())

    fiscal_year = day.year
    programs, money = [], {}
    for item in selectors.totals_for_scope(scope, fiscal_year=fiscal_year, book=book):
        node = item.program
        source = figures.cite(sources[node.id], citations)
        money[node.code] = (
            item.totals.total_cost,
            selectors.year_totals(book.program_cells(node.id)),
            source,
        )
        programs.append(
            {
                "code": node.code,
                "parent": code_of.get(node.parent_id),
                "level": node.kind,
                "depth": node.depth,
                "name_ko": node.name_ko,
                "name_en": node.name_en,
                "status": node.status,
                "is_national_context": node.is_national_context,
                "period": {"start_year": node.start_year, "end_year": node.end_year},
                **money_figures(*money[node.code], fiscal_year),
            }
        )
    milestones = [milestone_row(row, citations) for row in selectors.schedule_for_scope(scope)]
    kpis = selectors.progress_for_scope(scope, breakdowns=True)
    indicators = [indicator_row(kpi, citations, scope.today) for kpi in kpis]
    return Tables(scope.today, programs, milestones, indicators, lineage, fiscal_year, money)


def milestone_row(row: selectors.MilestoneRow, citations) -> dict:
    return {
        "id": row.id,
        "program": row.program_code,
        "title_ko": row.title_ko,
        "title_en": row.title_en,
        "planned_date": row.planned_date.isoformat(),
        "actual_date": row.actual_date.isoformat() if row.actual_date else None,
        "date_precision": row.date_precision,
        "status": row.status,
        "slippage_days": row.slippage_days,
        "is_overdue": row.is_overdue,
        "is_due_soon": row.is_due_soon,
        "source": figures.cite([row.source_id], citations),
    }


def indicator_row(kpi: selectors.KpiProgress, citations, today) -> dict:
    unit, unit_en = kpi.unit, kpi.unit_en
    indicator_source = figures.cite([kpi.source_id], citations)
    latest = kpi.readings[-1] if kpi.readings else None
    actual_source = figures.cite([latest.source_id], citations) if latest else None
    return {
        "code": kpi.code,
        "program": kpi.program_code,
        "name_ko": kpi.name_ko,
        "name_en": kpi.name_en,
        "metric": kpi.metric,
        "direction": kpi.direction,
        "is_cumulative": kpi.is_cumulative,
        "status": kpi.status,
        "baseline": figures.quantity(kpi.baseline, unit, unit_en, indicator_source),
        "baseline_year": kpi.baseline_year,
        "target": figures.quantity(kpi.target, unit, unit_en, indicator_source),
        "target_year": kpi.target_year,
        "actual": figures.quantity(kpi.actual, unit, unit_en, actual_source or indicator_source),
        "achievement_pct": figures.rate(kpi.achievement_pct, actual_source or indicator_source),
        "expected": figures.quantity(kpi.expected, unit, unit_en),
        "latest_period": kpi.latest_period.isoformat() if kpi.latest_period else None,
        "readings": [
            {
                "period": reading.period.isoformat(),
                **figures.quantity(
                    reading.value, unit, unit_en, figures.cite([reading.source_id], citations)
                ),
            }
            for reading in kpi.readings
        ],
        "breakdown": breakdown(kpi, actual_source or indicator_source),
        "pending": kpi.pending,
        "weight": figures.number(kpi.weight),
        "yearly": [year_row(kpi, year, citations) for year in kpi.years(today)],
        "source": indicator_source,
    }


def breakdown(kpi: selectors.KpiProgress, source: str | None) -> dict | None:
    """The latest reading's parts (세부 구분), each a figure in the indicator's unit; None when
    that reading is not split."""
    if not kpi.breakdown:
        return None
    return {
        "period": kpi.latest_period.isoformat() if kpi.latest_period else None,
        "parts": [
            {"name_ko": part.name_ko, "name_en": part.name_en}
            | figures.quantity(part.value, kpi.unit, kpi.unit_en, source)
            for part in kpi.breakdown
        ],
    }


def year_row(kpi: selectors.KpiProgress, year, citations) -> dict:
    unit, unit_en = kpi.unit, kpi.unit_en
    target_source = figures.cite([year.target.source_id], citations) if year.target else None
    return {
        "fiscal_year": year.fiscal_year,
        "target": figures.quantity(year.target.value if year.target else None, unit, unit_en, target_source),
        "basis": year.target.basis if year.target else "",
        "result": figures.quantity(year.result, unit, unit_en),
        "achievement_pct": figures.rate(year.achievement_pct),
        "status": year.status,
    }


def pick(row: dict, field: str):
    """The plain value of `field` in a row: a figure's value, a period's year, or the field."""
    if field in ("start_year", "end_year"):
        return row["period"][field]
    value = row[field]
    return value.get("value") if isinstance(value, dict) else value


def ordered(rows: list[dict], ordering: str | None) -> list[dict]:
    """Rows sorted by `ordering` ("field" or "-field"), rows without a value last either way;
    the given order when `ordering` is empty."""
    if not ordering:
        return rows
    field = ordering.lstrip("-")
    present = [row for row in rows if pick(row, field) is not None]
    missing = [row for row in rows if pick(row, field) is None]
    present.sort(key=lambda row: pick(row, field), reverse=ordering.startswith("-"))
    return present + missing


def labels(choices) -> dict[str, str]:
    """value → label in the request's language."""
    return {value: str(label) for value, label in choices.choices}


def with_labels(row: dict, displays: dict) -> dict:
    """The row with a `<field>_display` label for each field → choices of `displays`."""
    return row | {f"{name}_display": labels(choices)[row[name]] for name, choices in displays.items()}
