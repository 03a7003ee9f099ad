"""The KPI workbook: every indicator's status with colours, each year's target and result (확정 or
잠정), its approved readings per period against the target line, one chart per headline KPI, and
the readings split by their breakdown (세부 구분). Every figure comes from `portfolio.selectors`."""

import datetime
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl.chart import BarChart, LineChart, Reference

from portfolio import selectors
from portfolio.selectors import KpiProgress
from reports.builders.common import Cover, Options, name, status_counts
from reports.builders.kpi_table import colour_statuses, kpi_table, unit, year_table
from reports.builders.portfolio import show_axes
from reports.builders.xlsx import (
    BODY_FONT,
    BOX,
    DATE,
    LABEL_FONT,
    Book,
    Column,
    Progress,
    ProgressCallback,
    Sheet,
    no_progress,
)

HEADLINE_CHARTS = 12  # charts on the charts sheet; every KPI is in the tables
CHART_ROWS = 14  # rows (15 pt each) per chart block, so charts never overlap
# Two blocks (420 pt) fit the printable height of A4 landscape: 595 pt less the margins and the
# header and footer (LibreOffice takes these from the body too, leaving about 450 pt).
BLOCKS_PER_PAGE = 2
ROW_HEIGHT = 15


class KpiReport:
    def __init__(self, options: Options):
        self.options = options
        as_of, root = options.as_of, options.root
        self.as_of, self.language = as_of, options.language
        self.scope = selectors.load_scope(as_of=as_of, root=root)
        self.kpis = selectors.kpi_progress(as_of=as_of, root=root, breakdowns=True)
        self.programs = {node.id: name(node, self.language) for node in self.scope.nodes}

    def headline(self) -> list[KpiProgress]:
        """KPIs worth a chart: those with readings, the ones with a target first."""
        measured = [kpi for kpi in self.kpis if kpi.readings]
        measured.sort(key=lambda kpi: kpi.target is None)  # stable: tree order within each group
        return measured[:HEADLINE_CHARTS]

    def write(self, path: Path, progress: ProgressCallback) -> None:
        readings = sum(len(kpi.readings) for kpi in self.kpis)
        parts = sum(len(reading.parts) for kpi in self.kpis for reading in kpi.readings)
        title = _("Gwangju AI KPI report")
        with self.options.book(
            title, Progress(len(self.kpis) + readings + parts, progress), subject=_("KPI report")
        ) as book:
            self.cover(book, title)
            self.status_sheet(book)
            self.year_sheet(book)
            self.reading_sheet(book)
            self.chart_sheet(book)
            self.breakdown_sheet(book)
            book.progress.finish()
            book.save(path)

    def cover(self, book: Book, title: str) -> None:
        cover = Cover(book, title, options=self.options, scope=self.scope)
        cover.heading(_("1. KPIs by status"))
        cover.table(
            [_("Status"), _("Indicators")],
            status_counts(self.kpis),
            ["text", "integer"],
            totals={1: "=SUM(B{first}:B{last})"},
        )
        cover.field(_("Figures"), str(selectors.finality(self.scope.today).label))
        cover.field(_("Readings awaiting approval (not counted)"), sum(kpi.pending for kpi in self.kpis))
        cover.line()
        cover.note(
            _("Achieved: actual minus baseline over target minus baseline."),
            _("On track: at or above the straight line from the baseline to the target year;"),
            _("at risk: below it, but at least four fifths of the way."),
        )
        cover.close()

    def status_sheet(self, book: Book) -> None:
        kpi_table(book, _("KPI status"), self.kpis, language=self.language, programs=self.programs)

    def year_sheet(self, book: Book) -> None:
        year_table(book, _("KPIs by year"), self.kpis, language=self.language, today=self.scope.today)

    def reading_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Readings"),
            [
                Column(_("Code"), 12, align="left"),
                Column(_("Indicator"), 30, "text"),
                Column(_("Unit"), 6, "text"),
                Column(_("Period"), 10, "date"),
                Column(_("Value"), 11, "decimal"),
                Column(_("Target"), 11, "decimal"),
                Column(_("Target year"), 7),
                Column(_("Status"), 8),
            ],
        )
        for kpi in self.kpis:
            for reading in kpi.readings:
                sheet.append(
                    [
                        kpi.code,
                        name(kpi, self.language),
                        unit(kpi, self.language),
                        reading.period,
                        reading.value,
                        kpi.target,
                        kpi.target_year,
                        kpi.get_status_display(),
                    ]
                )
        if sheet.rows_written > 1:
            colour_statuses(sheet, 8)
        sheet.close()

    def chart_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Charts"),
            [Column("", 12), Column("", 12), Column("", 12)],
            header=False,
            freeze=None,
            autofilter=False,
        )
        # Fixed row heights, so a block of CHART_ROWS rows is as tall on paper as planned.
        sheet.ws.sheet_format.defaultRowHeight = ROW_HEIGHT
        sheet.ws.sheet_format.customHeight = True
        headline = self.headline()
        if not headline:
            sheet.append_raw([_("No indicator has readings yet.")])
        for number, kpi in enumerate(headline):
            first = sheet.rows_written + 1
            if number and number % BLOCKS_PER_PAGE == 0:
                sheet.page_break_before(first)  # a page holds whole blocks: no chart is cut
            title = f"{name(kpi, self.language)} ({unit(kpi, self.language)})"
            sheet.append_raw([sheet.cell(title, font=LABEL_FONT)])
            sheet.append_raw([sheet.header_cell(_("Period")), sheet.header_cell(_("Actual")),
                              sheet.header_cell(_("Target"))])  # fmt: skip
            for reading in kpi.readings[-(CHART_ROWS - 3) :]:
                day = sheet.cell(reading.period, number_format=DATE, border=BOX)
                sheet.append_raw([day, styled_number(sheet, reading.value), styled_number(sheet, kpi.target)])
            last = sheet.rows_written
            sheet.ws.add_chart(self.kpi_chart(sheet, kpi, title, first + 1, last), f"E{first}")
            while sheet.rows_written < first + CHART_ROWS - 1:
                sheet.append_raw([])
        # The charts end inside column L: printing up to it keeps each page one page wide.
        sheet.ws.print_area = f"A1:L{max(1, sheet.rows_written)}"
        sheet.close()

    def breakdown_sheet(self, book: Book) -> None:
        """One row per part of every split reading, with its share of the reading."""
        sheet = book.sheet(
            _("Breakdowns"),
            [
                Column(_("Code"), 16),
                Column(_("Indicator"), 36, "text"),
                Column(_("Unit"), 8, "text"),
                Column(_("Period"), 12, "date"),
                Column(_("Part"), 16, "text"),
                Column(_("Value"), 14, "decimal"),
                Column(_("Share of the reading"), 12, "percent"),
                Column(_("Reading"), 14, "decimal"),
            ],
        )
        for kpi in self.kpis:
            for reading in kpi.readings:
                for part in reading.parts:
                    share = part.value / reading.value if reading.value else None
                    sheet.append(
                        [
                            kpi.code,
                            name(kpi, self.language),
                            unit(kpi, self.language),
                            reading.period,
                            name(part, self.language),
                            part.value,
                            share,
                            reading.value,
                        ]
                    )
        sheet.close()

    def kpi_chart(self, sheet: Sheet, kpi: KpiProgress, title: str, header: int, last: int) -> BarChart:
        """Readings as columns, the target as a line across them."""
        bars = BarChart()
        bars.type = "col"
        bars.title = title
        bars.add_data(Reference(sheet.ws, min_col=2, min_row=header, max_row=last), titles_from_data=True)
        bars.set_categories(Reference(sheet.ws, min_col=1, min_row=header + 1, max_row=last))
        bars.x_axis.number_format = "yyyy-mm"
        if kpi.target is not None:
            target = LineChart()
            target.add_data(
                Reference(sheet.ws, min_col=3, min_row=header, max_row=last), titles_from_data=True
            )
            bars += target
        show_axes(bars)
        # 6 cm: within the block's 14 rows of 15 pt; 14 cm: beside the table, within A4's width.
        bars.height, bars.width = 6, 14
        return bars


def styled_number(sheet: Sheet, value):
    cell = sheet.decimal(value)
    if cell is None:
        return sheet.cell(None, border=BOX)
    cell.font, cell.border = BODY_FONT, BOX
    return cell


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
    """Write the KPI workbook to `path` (it holds no money: `unit` only names itself on the cover)."""
    with override(language):
        options = Options.asked(as_of, root, language, fiscal_year, unit, requested_by)
        KpiReport(options).write(path, progress)
