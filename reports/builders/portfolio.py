"""The portfolio workbook: cover, programs, budget by year and source, budget lines, executions,
milestones, KPIs, firms and sources, with native charts. Every figure comes from
`portfolio.selectors`; this module reads them and lays out the summary sheets, and
`portfolio_listings` the sheets of one row per record."""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.utils import get_column_letter

from portfolio import selectors
from portfolio.models import FundingSource
from reports.builders.common import Cover, Options, label, name, program_names, rate, status_counts
from reports.builders.ledger_sheet import write_ledger_sheet
from reports.builders.portfolio_listings import ListingSheets
from reports.builders.xlsx import (
    LABEL_FONT,
    Book,
    Column,
    Progress,
    ProgressCallback,
    money_header,
    no_progress,
    subtotal,
)

KPI_CHART_LIMIT = 30  # bars on the KPI progress chart; the KPI sheet lists them all


@dataclass
class Summary:
    """The short figures: every one straight from a selector."""

    headline: selectors.Totals  # the city's money of the fiscal year
    programs: list[selectors.ProgramTotals]  # the city's programs, tree order
    national: list[selectors.ProgramTotals]  # national-context items, kept apart
    years: list[selectors.BudgetSum]  # key: the fiscal year
    cells: list[selectors.BudgetCell]
    kpis: list[selectors.KpiProgress]
    milestones: list[selectors.MilestoneRow]
    firm_check: selectors.FirmCheck

    @property
    def rows(self) -> int:
        parts = (self.programs, self.national, self.years, self.cells, self.kpis, self.milestones)
        return sum(map(len, parts))


def read_summary(as_of: datetime.date | None, root: str | None, fiscal_year: int) -> Summary:
    """The figures of `budget_by_year_and_source`, `program_totals` and `portfolio_totals`, read
    from the city's ledger one fiscal year at a time: the whole ledger of a large portfolio, held
    at once, was most of the report's memory and grew with the data."""
    read = {"as_of": as_of, "root": root}
    city = selectors.load_scope(**read, include_national=False)
    programs, cells = selectors.totals_year_by_year(city, fiscal_year=fiscal_year)
    every = selectors.load_scope(**read, include_national=True)
    return Summary(
        headline=selectors.portfolio_totals_for_scope(city, programs, fiscal_year=fiscal_year),
        programs=programs,
        national=selectors.totals_for_scope(selectors.national_scope(every), fiscal_year=fiscal_year),
        years=selectors.sum_cells(cells, by="fiscal_year"),
        cells=cells,
        kpis=selectors.kpi_progress(**read),
        milestones=selectors.milestone_schedule(**read),
        firm_check=selectors.firm_check(**read),
    )


# Sheet positions: the long listings are written first, so the progress bar moves from the start,
# and the summary sheets are put in front of them afterwards.
COVER, PROGRAMS, YEARS, CELLS, KPI_CHART, LEDGER = range(6)
OVERDUE_ON_COVER = 5  # overdue milestones named on the cover; the milestone sheet lists them all


class PortfolioReport(ListingSheets):
    def __init__(self, options: Options):
        self.options = options
        self.as_of, self.root, self.language = options.as_of, options.root, options.language
        self.fiscal_year = options.fiscal_year
        read = {"as_of": self.as_of, "root": self.root}
        self.scope = selectors.load_scope(**read)  # every program, national context included
        self.city_scope = selectors.load_scope(**read, include_national=False)
        # Long listings of the city's money, streamed (national-context items left out, as in
        # the headline and the budget sheets).
        self.lines = selectors.budget_lines_for_scope(self.city_scope)
        self.executions = selectors.executions_for_scope(self.city_scope)
        self.firms = selectors.firms_for_scope(self.scope)
        self.names = program_names(self.scope.nodes, self.language)
        self.sources = list(selectors.sources_for_scope(self.scope).rows)
        self.source_keys = {row[0]: row[1] for row in self.sources}

    @functools.cached_property
    def summary(self) -> Summary:
        """The short figures, read when first needed. (Reading them in a second thread while the
        listings were written was slower on two cores: the threads took turns at the GIL.)"""
        return read_summary(self.as_of, self.root, self.fiscal_year)

    def write(self, path: Path, progress: ProgressCallback) -> None:
        counter = Progress(self.lines.count + self.executions.count + self.firms.count, progress)
        title = _("Gwangju AI portfolio report")
        with self.options.book(title, counter, subject=_("Portfolio report")) as book:
            self.budget_line_sheet(book)
            self.execution_sheet(book)
            counter.total += self.summary.rows + len(self.sources)
            self.cover(book, title)
            self.program_sheet(book)
            self.year_sheet(book)
            self.cell_sheet(book)
            self.kpi_chart_sheet(book)
            write_ledger_sheet(
                book, scope=self.scope, fiscal_year=self.fiscal_year, language=self.language, index=LEDGER
            )
            self.milestone_sheet(book)
            self.kpi_sheet(book)
            self.firm_sheet(book)
            self.source_sheet(book)
            counter.finish()
            book.save(path)

    # --- sheets --------------------------------------------------------------------------------

    def cover(self, book: Book, title: str) -> None:
        cover = Cover(book, title, options=self.options, scope=self.scope, index=COVER)
        year = self.fiscal_year
        cover.heading(
            _("1. Budget and spending of FY%(year)s by funding source (city programs)") % {"year": year}
        )
        cells = [cell for cell in self.summary.cells if cell.fiscal_year == year]
        cover.table(
            [_("Funding source"), money_header(_("Available budget"), book.unit),
             money_header(_("Paid"), book.unit), _("Execution rate")],
            [(cell.get_funding_source_display(), cell.budget, cell.executed, rate(cell.execution_rate))
             for cell in cells],
            ["text", "money", "money", "percent"],
            totals={1: "=SUM(B{first}:B{last})", 2: "=SUM(C{first}:C{last})",
                    3: '=IF(B{row}=0,"",C{row}/B{row})'},
        )  # fmt: skip
        cover.line()
        cover.heading(_("2. KPIs by status"))
        counts = status_counts(self.summary.kpis)
        cover.table(
            [_("Status"), _("Indicators")],
            counts,
            ["text", "integer"],
            totals={1: "=SUM(B{first}:B{last})"},
        )
        # 확정 when the day's reporting period is locked (its readings can no longer change).
        cover.field(_("Figures"), str(selectors.finality(self.scope.today).label))
        cover.line()
        cover.heading(_("3. Milestones"))
        late = selectors.overdue(self.summary.milestones)
        soon = selectors.due_soon(self.summary.milestones)
        cover.table(
            [_("Milestones"), _("Count")],
            [(_("Overdue"), len(late)), (_("Due within 90 days"), len(soon))],
            ["text", "integer"],
        )
        if late:
            cover.line()
            cover.table(
                [_("Overdue milestone"), _("Program code"), _("Planned date")],
                [(row.title_en if self.language == "en" and row.title_en else row.title_ko, row.program_code,
                  row.planned_date) for row in late[:OVERDUE_ON_COVER]],
                ["text", "text", "date"],
            )  # fmt: skip
        cover.line()
        cover.note(
            _("Amounts are in %(unit)s; totals are formulas over the rows above them.")
            % {"unit": book.unit.label},
            _("National-context items (tracked for reference) are listed apart with their own total,"),
            _("and never added to the city's sums."),
        )
        cover.close()

    def program_sheet(self, book: Book) -> None:
        """The program tree for the fiscal year: each row is a program with everything under it,
        so the 합계 adds up the top level only (SUMIF on the level column)."""
        kpi_text = self._kpi_status_by_program()
        sheet = book.sheet(
            _("Programs"),
            [
                Column(_("Code"), 14, align="left"),
                Column(_("Program"), 23, "text"),
                Column(_("Tree level"), 4),
                Column(_("Status"), 7),
                Column(_("Period"), 9),
                Column(_("Total cost"), None, "money"),
                Column(_("Planned"), None, "money"),
                Column(_("Available budget"), None, "money"),
                Column(_("Paid"), None, "money"),
                Column(_("Execution rate"), 7, "percent"),
                Column(_("KPI status"), 12),
            ],
            freeze="C2",
            autofilter=False,
            title_columns="A:B",
            index=PROGRAMS,
        )
        money = range(5, 9)

        def section(items: list) -> tuple[int, int]:
            first = sheet.rows_written + 1
            top = min((item.program.depth for item in items), default=0)
            for item in items:
                node, totals = item.program, item.totals
                sheet.append(
                    [
                        node.code,
                        sheet.indented(name(node, self.language), node.depth - top),
                        node.depth - top + 1,
                        node.get_status_display(),
                        period(node.start_year, node.end_year),
                        totals.total_cost,
                        totals.planned,
                        totals.available,
                        totals.paid,
                        rate(totals.execution_rate),
                        kpi_text.get(node.id, ""),
                    ]
                )
            return first, sheet.rows_written

        def total(label_text: str, first: int, last: int) -> None:
            row = sheet.rows_written + 1
            formulas = {i: top_level_sum(i, first, last) for i in money}
            formulas[9] = f'=IF(H{row}=0,"",I{row}/H{row})'
            sheet.total_row({1: label_text}, formulas)

        first, last = section(self.summary.programs)
        total(_("Total of the city's programs (FY%(year)s)") % {"year": self.fiscal_year}, first, last)
        if self.summary.national:
            sheet.append_raw([])
            apart = _("National-context items (for reference; not in the total above)")
            sheet.append_raw([None, sheet.cell(apart, font=LABEL_FONT)])
            first, last = section(self.summary.national)
            total(_("Total of the national-context items"), first, last)
        sheet.close()

    def _kpi_status_by_program(self) -> dict[int, str]:
        by_program = defaultdict(list)
        for kpi in self.summary.kpis:
            by_program[kpi.program_id].append(kpi)
        return {
            program_id: " · ".join(f"{status} {count}" for status, count in status_counts(kpis))
            for program_id, kpis in by_program.items()
        }

    def year_sheet(self, book: Book) -> None:
        sources = FundingSource.values
        sheet = book.sheet(
            _("Budget by year"),
            [
                Column(_("Fiscal year"), 8),
                *(Column(label(FundingSource, s), None, "money") for s in sources),
                Column(_("Available budget"), None, "money"),
                Column(_("Planned"), None, "money"),
                Column(_("Paid"), None, "money"),
                Column(_("Execution rate"), 7, "percent"),
            ],
            autofilter=False,
            title_columns="A:A",
            index=YEARS,
        )
        budget = {(cell.fiscal_year, cell.funding_source): cell.budget for cell in self.summary.cells}
        for year in self.summary.years:
            sheet.append(
                [
                    year.key,
                    *(budget.get((year.key, s), 0) for s in sources),
                    year.budget,
                    year.planned,
                    year.executed,
                    rate(year.execution_rate),
                ]
            )
        last = sheet.rows_written
        if not self.summary.years:
            sheet.append_raw([_("No budget lines for the city's programs yet.")])
        else:
            # Money over several years may be added up; a rate may not (it is one year's).
            count = len(sources) + 3
            sheet.total_row(
                {0: _("All years")}, {i: f"=SUM({col(i)}2:{col(i)}{last})" for i in range(1, count + 1)}
            )
            chart = BarChart()
            chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
            chart.title = _("Available budget by fiscal year and funding source (%(unit)s)") % {
                "unit": book.unit.label
            }
            chart.y_axis.title = book.unit.label
            chart.y_axis.numFmt = "#,##0"
            show_axes(chart)
            chart.height, chart.width = 9, 18
            chart.add_data(
                Reference(sheet.ws, min_col=2, max_col=1 + len(sources), min_row=1, max_row=last),
                titles_from_data=True,
            )
            chart.set_categories(Reference(sheet.ws, min_col=1, min_row=2, max_row=last))
            anchor = sheet.rows_written + 2
            sheet.page_break_before(anchor)  # the chart starts a page: never cut
            sheet.ws.add_chart(chart, f"A{anchor}")
        sheet.close()

    def cell_sheet(self, book: Book) -> None:
        """Each year's sources with the year's 소계 (SUBTOTAL, which the 합계 below skips)."""
        sheet = book.sheet(
            _("Budget by year and source"),
            [
                Column(_("Fiscal year"), 8),
                Column(_("Funding source"), 10),
                Column(_("Planned"), None, "money"),
                Column(_("Available budget"), None, "money"),
                Column(_("Paid"), None, "money"),
                Column(_("Execution rate"), 7, "percent"),
            ],
            autofilter=False,
            index=CELLS,
        )

        def sums(first: int, last: int, cells: list) -> dict[int, str]:
            """The 소계 formulas of the rows first..last, which hold `cells`. A column none of whose
            cells is known (no plan, nothing executed) stays empty: unknown is not zero."""
            row = sheet.rows_written + 1
            formulas = {2: subtotal(2, first, last), 3: subtotal(3, first, last), 4: subtotal(4, first, last),
                        5: f'=IF(D{row}=0,"",E{row}/D{row})'}  # fmt: skip
            for index, figure in ((2, "planned"), (4, "executed")):
                if all(getattr(cell, figure) is None for cell in cells):
                    del formulas[index]
            if 4 not in formulas:
                del formulas[5]
            return formulas

        first_of_all = sheet.rows_written + 1
        every_cell = []
        for year in self.summary.years:
            first = sheet.rows_written + 1
            year_cells = [c for c in self.summary.cells if c.fiscal_year == year.key]
            every_cell += year_cells
            for cell in year_cells:
                sheet.append(
                    [
                        cell.fiscal_year,
                        cell.get_funding_source_display(),
                        cell.planned,
                        cell.budget,
                        cell.executed,
                        rate(cell.execution_rate),
                    ]
                )
            sheet.total_row(
                {0: year.key, 1: _("Subtotal")}, sums(first, sheet.rows_written, year_cells), subtotal=True
            )
        if self.summary.years:
            all_years = sums(first_of_all, sheet.rows_written, every_cell)
            all_years.pop(5, None)  # no rate over summed years
            sheet.total_row({0: _("All years"), 1: _("Total")}, all_years)
        sheet.close()

    def kpi_chart_sheet(self, book: Book) -> None:
        measured = [kpi for kpi in self.summary.kpis if kpi.achievement_pct is not None][:KPI_CHART_LIMIT]
        sheet = book.sheet(
            _("KPI progress"),
            [
                Column(_("Indicator"), 40, "text"),
                Column(_("Program code"), 14, align="left"),
                Column(_("Achievement"), 10, "percent"),
                Column(_("Target"), 10, "percent"),
            ],
            autofilter=False,
            index=KPI_CHART,
        )
        book.progress.total += len(measured)
        for kpi in measured:
            sheet.append([name(kpi, self.language), kpi.program_code, rate(kpi.achievement_pct), 1])
        if not measured:
            sheet.append_raw([_("No indicator has both a target and a reading yet.")])
        else:
            last = len(measured) + 1
            bars = BarChart()
            bars.type = "col"
            bars.title = _("KPI progress against target (% achieved)")
            bars.add_data(Reference(sheet.ws, min_col=3, min_row=1, max_row=last), titles_from_data=True)
            bars.set_categories(Reference(sheet.ws, min_col=1, min_row=2, max_row=last))
            bars.y_axis.numFmt = "0%"
            target = LineChart()
            target.add_data(Reference(sheet.ws, min_col=4, min_row=1, max_row=last), titles_from_data=True)
            bars += target
            show_axes(bars)
            bars.height, bars.width = 10, 22
            anchor = last + 2
            sheet.page_break_before(anchor)
            sheet.ws.add_chart(bars, f"A{anchor}")
        sheet.close()


def col(index: int) -> str:
    """The letter of a 0-based column index."""
    return get_column_letter(index + 1)


def top_level_sum(index: int, first: int, last: int) -> str:
    """The top programs' figures added up (each row holds its whole subtree): level column C."""
    letter = col(index)
    return f"=SUMIF(C{first}:C{last},1,{letter}{first}:{letter}{last})"


def show_axes(chart) -> None:
    """openpyxl 3.1 leaves axes hidden in current Excel unless told otherwise."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def period(start: int | None, end: int | None) -> str:
    if start or end:
        return f"{start or ''}–{end or ''}"
    return ""


def build(
    path: Path,
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    language: str = "ko",
    fiscal_year: int | None = None,
    unit: str = "thousand",
    requested_by: str = "",
    progress: ProgressCallback = no_progress,
) -> None:
    """Write the portfolio workbook to `path`: money of `fiscal_year` (default: the year of the
    as-of day) in `unit` (won, thousand, million, eok)."""
    with override(language):
        options = Options.asked(as_of, root, language, fiscal_year, unit, requested_by)
        PortfolioReport(options).write(path, progress)
