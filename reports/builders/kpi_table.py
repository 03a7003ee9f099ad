"""The KPI table both workbooks hold (the KPI report's status sheet, the portfolio report's KPI
sheet): one row per indicator with baseline, target, actual, % achieved, the straight-line
expectation and the status, coloured by conditional formatting. One builder, so the two
workbooks cannot drift apart."""

import datetime
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl.formatting.rule import CellIsRule, DataBarRule
from openpyxl.styles import Font, PatternFill

from portfolio import selectors
from portfolio.models import Indicator
from portfolio.selectors import KpiProgress, KpiStatus
from reports.builders.common import label, name, rate
from reports.builders.xlsx import Book, Column, Sheet

# Status colours (fill, font), as Excel's own "good / neutral / bad" cell styles.
STATUS_COLOURS = {
    KpiStatus.ACHIEVED: ("C6EFCE", "006100"),
    KpiStatus.ON_TRACK: ("DDEBF7", "1F4E78"),
    KpiStatus.AT_RISK: ("FFEB9C", "9C5700"),
    KpiStatus.OFF_TRACK: ("FFC7CE", "9C0006"),
    KpiStatus.NO_TARGET: ("EDEDED", "595959"),
    KpiStatus.NO_DATA: ("EDEDED", "595959"),
}


def colour_statuses(sheet: Sheet, column_index: int) -> None:
    """Conditional formatting: each status label gets its colour, whatever order rows are sorted in."""
    cells = sheet.data_range(column_index)
    for status, (fill, font) in STATUS_COLOURS.items():
        text = str(status.label).replace('"', '""')
        sheet.ws.conditional_formatting.add(
            cells,
            CellIsRule(
                operator="equal",
                formula=[f'"{text}"'],
                fill=PatternFill("solid", start_color=fill, end_color=fill),
                font=Font(color=font),
            ),
        )


def unit(kpi: KpiProgress, language: str) -> str:
    return kpi.unit_en if language == "en" and kpi.unit_en else kpi.unit


def kpi_table(
    book: Book,
    title: str,
    kpis: Sequence[KpiProgress],
    *,
    language: str,
    programs: dict[int, str] | None = None,
    source_keys: dict[int, str] | None = None,
    details: bool = False,
) -> Sheet:
    """Write the table as a sheet of `book`. `programs` (id → name) adds the program's name,
    `details` the metric and the baseline year, `source_keys` (id → key) the cited source."""
    columns = [
        (Column(_("Code"), 12, align="left"), lambda kpi: kpi.code),
        (Column(_("Indicator"), 28, "text"), lambda kpi: name(kpi, language)),
        (Column(_("Program code"), 12, align="left"), lambda kpi: kpi.program_code),
    ]
    if programs is not None:
        columns.append((Column(_("Program"), 24, "text"), lambda kpi: programs.get(kpi.program_id, "")))
    if details:
        columns.append((Column(_("Metric"), 9), lambda kpi: label(Indicator.Metric, kpi.metric)))
    columns += [
        (Column(_("Unit"), 6, "text"), lambda kpi: unit(kpi, language)),
        (Column(_("Baseline"), 9, "decimal"), lambda kpi: kpi.baseline),
    ]
    if details:
        columns.append((Column(_("Baseline year"), 7), lambda kpi: kpi.baseline_year))
    columns += [
        (Column(_("Target"), 9, "decimal"), lambda kpi: kpi.target),
        (Column(_("Target year"), 7), lambda kpi: kpi.target_year),
        (Column(_("Actual"), 9, "decimal"), lambda kpi: kpi.actual),
        (Column(_("Latest reading"), 10, "date"), lambda kpi: kpi.latest_period),
        (Column(_("Achievement"), 9, "percent"), lambda kpi: rate(kpi.achievement_pct)),
        (Column(_("Expected by now"), 9, "decimal"), lambda kpi: kpi.expected),
        (Column(_("Status"), 8), lambda kpi: kpi.get_status_display()),
    ]
    if source_keys is not None:
        columns.append((Column(_("Source"), 7), lambda kpi: source_keys.get(kpi.source_id)))

    sheet = book.sheet(title, [column for column, _value in columns], freeze="C2", title_columns="A:B")
    values = [value for _column, value in columns]
    for kpi in kpis:
        sheet.append([value(kpi) for value in values])
    if kpis:
        headers = [column.header for column, _value in columns]
        colour_statuses(sheet, headers.index(_("Status")) + 1)
        sheet.ws.conditional_formatting.add(
            sheet.data_range(headers.index(_("Achievement")) + 1),
            DataBarRule(start_type="num", start_value=0, end_type="num", end_value=1, color="5B9BD5"),
        )
    sheet.close()
    return sheet


def year_table(
    book: Book,
    title: str,
    kpis: Sequence[KpiProgress],
    *,
    language: str,
    today: datetime.date,
) -> Sheet:
    """One row per indicator and fiscal year: that year's target, result, achievement and status,
    and whether the year's figures are final (확정: the whole year locked) or provisional (잠정)."""
    sheet = book.sheet(
        title,
        [
            Column(_("Code"), 16),
            Column(_("Indicator"), 36, "text"),
            Column(_("Unit"), 8, "text"),
            Column(_("Fiscal year"), 8),
            Column(_("Target"), 12, "decimal"),
            Column(_("Basis"), 24, "text"),
            Column(_("Result"), 12, "decimal"),
            Column(_("Achievement"), 12, "percent"),
            Column(_("Status"), 10),
            Column(_("Figures"), 8),
            Column(_("Weight"), 8, "decimal"),
        ],
        freeze="C2",
    )
    years = [(kpi, year) for kpi in kpis for year in kpi.years(today)]
    finality = selectors.year_finality({year.fiscal_year for _kpi, year in years})
    for kpi, year in years:
        sheet.append(
            [
                kpi.code,
                name(kpi, language),
                unit(kpi, language),
                year.fiscal_year,
                year.target.value if year.target else None,
                year.target.basis if year.target else "",
                year.result,
                rate(year.achievement_pct),
                label(KpiStatus, year.status),
                str(finality[year.fiscal_year].label),
                kpi.weight,
            ]
        )
    if years:
        colour_statuses(sheet, 9)
    sheet.close()
    return sheet
