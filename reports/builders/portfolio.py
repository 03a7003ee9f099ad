"""The portfolio workbook: cover, programs, budget by year and source, budget lines, executions,
milestones, KPIs, firms and sources, with native charts. Every figure comes from
`portfolio.selectors`; this module reads them and lays out the summary sheets, and
`portfolio_listings` the sheets of one row per record."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl.chart import BarChart, LineChart, Reference

from portfolio import selectors
from portfolio.display import eok
from portfolio.models import FundingSource
from reports.builders.common import Cover, label, name, program_names, rate, status_counts, yes_no
from reports.builders.ledger_sheet import write_ledger_sheet
from reports.builders.overlap import Later
from reports.builders.portfolio_listings import ListingSheets
from reports.builders.xlsx import (
    EOK,
    MONEY,
    PERCENT,
    Book,
    Column,
    Progress,
    ProgressCallback,
    no_progress,
)

KPI_CHART_LIMIT = 30  # bars on the KPI progress chart; the KPI sheet lists them all


@dataclass
class Summary:
    """The short figures: every one straight from a selector."""

    headline: selectors.Totals
    programs: list[selectors.ProgramTotals]
    years: list[selectors.BudgetSum]  # key: the fiscal year
    cells: list[selectors.BudgetCell]
    kpis: list[selectors.KpiProgress]
    milestones: list[selectors.MilestoneRow]
    firm_check: selectors.FirmCheck

    @property
    def rows(self) -> int:
        return sum(map(len, (self.programs, self.years, self.cells, self.kpis, self.milestones)))


def read_summary(as_of: datetime.date | None, root: str | None) -> Summary:
    read = {"as_of": as_of, "root": root}
    # The ledger is read once, national-context items included (the program sheet lists them);
    # the city's figures (headline, budget sheets) are the same sums over the city's programs.
    scope = selectors.load_scope(**read)
    book = selectors.ledger_for_scope(scope)
    cells, headline = _city_money(selectors.load_scope(**read, include_national=False), book)
    return Summary(
        headline=headline,
        programs=selectors.totals_for_scope(scope, book=book),
        years=selectors.sum_cells(cells, by="fiscal_year"),
        cells=cells,
        kpis=selectors.kpi_progress(**read),
        milestones=selectors.milestone_schedule(**read),
        firm_check=selectors.firm_check(**read),
    )


def _city_money(
    city: selectors.Scope, book: selectors.Ledger
) -> tuple[list[selectors.BudgetCell], selectors.Totals]:
    """The city's budget cells and headline from the sums of `book`; the cells made for them go
    when this returns, before the program sheet's are made (a lower peak of memory)."""
    city_book = book.narrowed(city)
    cells = selectors.budget_for_scope(city, book=city_book)
    return cells, selectors.portfolio_totals_for_scope(city, selectors.totals_for_scope(city, book=city_book))


# Sheet positions: the ledgers are written first (while the summary is read in another thread)
# and the summary sheets are put in front of them afterwards.
COVER, PROGRAMS, YEARS, CELLS, KPI_CHART, LEDGER = range(6)


class PortfolioReport(ListingSheets):
    def __init__(
        self, *, as_of: datetime.date | None, root: str | None, language: str, fiscal_year: int | None = None
    ):
        self.as_of, self.root, self.language = as_of, root, language
        read = {"as_of": as_of, "root": root}
        self.scope = selectors.load_scope(**read)  # every program, national context included
        self.fiscal_year = fiscal_year or self.scope.today.year  # of the 세출 집행 현황 sheet
        self.city_scope = selectors.load_scope(**read, include_national=False)
        # The summary figures are read in a second thread while the ledgers are written.
        self._summary = Later(lambda: read_summary(as_of, root))
        # Long listings of the city's money, streamed (national-context items left out, as in
        # the headline and the budget sheets).
        self.lines = selectors.budget_lines_for_scope(self.city_scope)
        self.executions = selectors.executions_for_scope(self.city_scope)
        self.firms = selectors.firms_for_scope(self.scope)
        self.names = program_names(self.scope.nodes, language)
        self.sources = list(selectors.sources_for_scope(self.scope).rows)
        self.source_keys = {row[0]: row[1] for row in self.sources}

    @property
    def summary(self) -> Summary:
        """The short figures; the first use waits for the thread reading them."""
        return self._summary.get()

    def write(self, path: Path, progress: ProgressCallback) -> None:
        counter = Progress(self.lines.count + self.executions.count + self.firms.count, progress)
        with Book(counter) as book:
            self.budget_line_sheet(book)
            self.execution_sheet(book)
            counter.total += self.summary.rows + len(self.sources)
            self.cover(book)
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

    def cover(self, book: Book) -> None:
        cover = Cover(
            book,
            _("Gwangju AI portfolio report"),
            as_of=self.as_of,
            scope=self.scope,
            language=self.language,
            index=COVER,
        )
        cover.heading(_("Headline (city programs; national-context items left out)"))
        cover.line(None, cover.sheet.cell(_("won")), cover.sheet.cell(_("KRW 100M")))
        money = self.summary.headline
        for text, amount in [
            (_("Total cost"), money.total_cost),
            (_("Planned amount"), money.planned),
            (_("Current budget"), money.budget),
            (_("Executed"), money.executed),
        ]:
            cover.field(text, amount, MONEY, cover.sheet.cell(eok(amount), number_format=EOK))
        cover.field(_("Execution rate"), rate(money.execution_rate), PERCENT)
        cover.field(_("Fiscal year of the expenditure execution sheet"), self.fiscal_year)
        cover.line()
        cover.heading(_("KPIs by status"))
        for status, count in status_counts(self.summary.kpis):
            cover.field(status, count)
        cover.line()
        cover.heading(_("Milestones"))
        cover.field(_("Overdue"), len(selectors.overdue(self.summary.milestones)))
        cover.field(_("Due within 90 days"), len(selectors.due_soon(self.summary.milestones)))
        cover.line()
        check = self.summary.firm_check
        cover.heading(_("Firms and jobs: reported by the KPIs and on record"))
        cover.field(_("Firms reported"), check.reported_firms)
        cover.field(_("Firms on record"), check.firms_on_record)
        cover.field(_("Jobs reported"), check.reported_jobs)
        cover.field(_("Jobs on record"), check.jobs_on_record)
        cover.line()
        cover.line(
            cover.sheet.cell(
                _(
                    "Amounts are whole won. The program sheet also lists national-context items "
                    "(tracked for reference, marked); the budget, budget line and execution sheets "
                    "hold the city's money only."
                )
            )
        )
        cover.close()

    def program_sheet(self, book: Book) -> None:
        kpi_text = self._kpi_status_by_program()
        sheet = book.sheet(
            _("Programs"),
            [
                Column(_("Code"), 18),
                Column(_("Program"), 44, "text"),
                Column(_("Level"), 10),
                Column(_("Status"), 12),
                Column(_("Period"), 12),
                Column(_("National context"), 10),
                Column(_("Total cost (won)"), 20, "money"),
                Column(_("Total cost (KRW 100M)"), 12, "eok"),
                Column(_("Planned (won)"), 20, "money"),
                Column(_("Current budget (won)"), 20, "money"),
                Column(_("Current budget (KRW 100M)"), 12, "eok"),
                Column(_("Executed (won)"), 20, "money"),
                Column(_("Execution rate"), 10, "percent"),
                Column(_("KPI status"), 24),
            ],
            freeze="C2",
            index=PROGRAMS,
        )
        for item in self.summary.programs:
            node, money = item.program, item.totals
            sheet.append(
                [
                    node.code,
                    sheet.indented(name(node, self.language), node.depth),
                    node.get_kind_display(),
                    node.get_status_display(),
                    period(node.start_year, node.end_year),
                    yes_no(node.is_national_context),
                    money.total_cost,
                    eok(money.total_cost),
                    money.planned,
                    money.budget,
                    eok(money.budget),
                    money.executed,
                    rate(money.execution_rate),
                    kpi_text.get(node.id, ""),
                ]
            )
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
                Column(_("Fiscal year"), 10),
                *(Column(eok_header(label(FundingSource, s)), 12, "eok") for s in sources),
                Column(_("Current budget (won)"), 20, "money"),
                Column(_("Current budget (KRW 100M)"), 12, "eok"),
                Column(_("Planned (won)"), 20, "money"),
                Column(_("Executed (won)"), 20, "money"),
                Column(_("Execution rate"), 10, "percent"),
            ],
            index=YEARS,
        )
        budget = {(cell.fiscal_year, cell.funding_source): cell.budget for cell in self.summary.cells}
        for year in self.summary.years:
            sheet.append(
                [
                    year.key,
                    *(eok(budget.get((year.key, s), 0)) for s in sources),
                    year.budget,
                    eok(year.budget),
                    year.planned,
                    year.executed,
                    rate(year.execution_rate),
                ]
            )
        if not self.summary.years:
            sheet.append_raw([_("No budget lines for the city's programs yet.")])
        else:
            chart = BarChart()
            chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
            chart.title = _("Current budget by fiscal year and funding source (KRW 100M)")
            chart.y_axis.title = _("KRW 100M")
            chart.y_axis.numFmt = "#,##0"
            show_axes(chart)
            chart.height, chart.width = 9, 18
            last = len(self.summary.years) + 1
            chart.add_data(
                Reference(sheet.ws, min_col=2, max_col=1 + len(sources), min_row=1, max_row=last),
                titles_from_data=True,
            )
            chart.set_categories(Reference(sheet.ws, min_col=1, min_row=2, max_row=last))
            sheet.ws.add_chart(chart, below(last))
        sheet.close()

    def cell_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Budget by year and source"),
            [
                Column(_("Fiscal year"), 10),
                Column(_("Funding source"), 12),
                Column(_("Planned (won)"), 20, "money"),
                Column(_("Current budget (won)"), 20, "money"),
                Column(_("Current budget (KRW 100M)"), 12, "eok"),
                Column(_("Executed (won)"), 20, "money"),
                Column(_("Execution rate"), 10, "percent"),
            ],
            index=CELLS,
        )
        for cell in self.summary.cells:
            sheet.append(
                [
                    cell.fiscal_year,
                    cell.get_funding_source_display(),
                    cell.planned,
                    cell.budget,
                    eok(cell.budget),
                    cell.executed,
                    rate(cell.execution_rate),
                ]
            )
        sheet.close()

    def kpi_chart_sheet(self, book: Book) -> None:
        measured = [kpi for kpi in self.summary.kpis if kpi.achievement_pct is not None][:KPI_CHART_LIMIT]
        sheet = book.sheet(
            _("KPI progress"),
            [
                Column(_("Indicator"), 40, "text"),
                Column(_("Program code"), 16),
                Column(_("Achievement"), 10, "percent"),
                Column(_("Target"), 10, "percent"),
            ],
            autofilter=False,
            index=KPI_CHART,
        )
        for kpi in measured:
            sheet.ws.append([sheet.text(name(kpi, self.language)), kpi.program_code,
                             sheet.cell(rate(kpi.achievement_pct), number_format=PERCENT),
                             sheet.cell(1, number_format=PERCENT)])  # fmt: skip
            sheet.rows_written += 1
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
            sheet.ws.add_chart(bars, below(last))
        sheet.close()


def eok_header(text: str) -> str:
    return _("%(name)s (KRW 100M)") % {"name": text}


def below(last_row: int) -> str:
    """Where a chart goes: under its table, after one empty row. Beside it, the chart would widen
    what prints one page wide and shrink the table with it."""
    return f"A{last_row + 2}"


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
    progress: ProgressCallback = no_progress,
) -> None:
    """Write the portfolio workbook to `path`; its 세출 집행 현황 sheet is for `fiscal_year`
    (default: the year of the as-of day)."""
    with override(language):
        report = PortfolioReport(as_of=as_of, root=root or None, language=language, fiscal_year=fiscal_year)
        report.write(path, progress)
