"""The KPI workbook: every indicator's status with colours, each year's target and result (확정 or
잠정), its approved readings per period against the target line, and one chart per headline KPI.
Every figure comes from `portfolio.selectors`."""

import datetime
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl.chart import BarChart, LineChart, Reference

from portfolio import selectors
from portfolio.selectors import KpiProgress
from reports.builders.common import Cover, name, status_counts
from reports.builders.kpi_table import colour_statuses, kpi_table, unit, year_table
from reports.builders.portfolio import show_axes
from reports.builders.xlsx import (
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
CHART_ROWS = 18  # rows per chart block, so charts never overlap


class KpiReport:
    def __init__(self, *, as_of: datetime.date | None, root: str | None, language: str):
        self.as_of, self.language = as_of, language
        self.scope = selectors.load_scope(as_of=as_of, root=root)
        self.kpis = selectors.kpi_progress(as_of=as_of, root=root)
        self.programs = {node.id: name(node, language) for node in self.scope.nodes}

    def headline(self) -> list[KpiProgress]:
        """KPIs worth a chart: those with readings, the ones with a target first."""
        measured = [kpi for kpi in self.kpis if kpi.readings]
        measured.sort(key=lambda kpi: kpi.target is None)  # stable: tree order within each group
        return measured[:HEADLINE_CHARTS]

    def write(self, path: Path, progress: ProgressCallback) -> None:
        readings = sum(len(kpi.readings) for kpi in self.kpis)
        with Book(Progress(len(self.kpis) + readings, progress)) as book:
            self.cover(book)
            self.status_sheet(book)
            self.year_sheet(book)
            self.reading_sheet(book)
            self.chart_sheet(book)
            book.progress.finish()
            book.save(path)

    def cover(self, book: Book) -> None:
        cover = Cover(
            book, _("Gwangju AI KPI report"), as_of=self.as_of, scope=self.scope, language=self.language
        )
        cover.heading(_("KPIs by status"))
        for status, count in status_counts(self.kpis):
            cover.field(status, count)
        cover.field(_("All indicators"), len(self.kpis))
        cover.field(_("Figures"), str(selectors.finality(self.scope.today).label))
        cover.field(_("Readings awaiting approval (not counted)"), sum(kpi.pending for kpi in self.kpis))
        cover.line()
        cover.line(
            cover.sheet.cell(
                _(
                    "Achieved: actual minus baseline over target minus baseline. On track: at or above the "
                    "straight line from the baseline to the target year; at risk: below it, but at least "
                    "four fifths of the way."
                )
            )
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
                Column(_("Code"), 16),
                Column(_("Indicator"), 36, "text"),
                Column(_("Unit"), 8, "text"),
                Column(_("Period"), 12, "date"),
                Column(_("Value"), 14, "decimal"),
                Column(_("Target"), 14, "decimal"),
                Column(_("Target year"), 8),
                Column(_("Status"), 10),
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
            [Column("", 14), Column("", 14), Column("", 14)],
            header=False,
            freeze=None,
            autofilter=False,
        )
        headline = self.headline()
        if not headline:
            sheet.append_raw([_("No indicator has readings yet.")])
        for kpi in headline:
            first = sheet.rows_written + 1
            title = f"{name(kpi, self.language)} ({unit(kpi, self.language)})"
            sheet.append_raw([sheet.cell(title, font=LABEL_FONT)])
            sheet.append_raw([sheet.header_cell(_("Period")), sheet.header_cell(_("Actual")),
                              sheet.header_cell(_("Target"))])  # fmt: skip
            for reading in kpi.readings:
                day = sheet.cell(reading.period, number_format=DATE)
                sheet.append_raw([day, sheet.decimal(reading.value), sheet.decimal(kpi.target)])
            last = sheet.rows_written
            sheet.ws.add_chart(self.kpi_chart(sheet, kpi, title, first + 1, last), f"E{first}")
            while sheet.rows_written < first + CHART_ROWS - 1:
                sheet.append_raw([])
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
        bars.height, bars.width = 8, 16
        return bars


def build(
    path: Path,
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    language: str = "ko",
    progress: ProgressCallback = no_progress,
) -> None:
    """Write the KPI workbook to `path`."""
    with override(language):
        KpiReport(as_of=as_of, root=root or None, language=language).write(path, progress)
