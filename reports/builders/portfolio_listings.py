"""The portfolio workbook's listings: every budget line and execution of the city (streamed, the
long sheets), milestones, KPIs, firms and sources. A mixin of `PortfolioReport`, which reads the
rows; these methods only lay them out."""

from django.utils.translation import gettext as _

from portfolio.models import BudgetStage, ExecutionKind, FundingSource, Milestone
from reports.builders.common import label, yes_no
from reports.builders.kpi_table import kpi_table
from reports.builders.xlsx import Book, Column, Sheet, subtotal


class ListingSheets:
    """Sheets of one row per record. Expects the report's `lines`, `executions` and `firms`
    (streamed listings), `summary` (milestones, KPIs), `sources`, `names`, `source_keys` and
    `language`."""

    def budget_line_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Budget lines"),
            [
                Column(_("Program code"), 12, align="left"),
                Column(_("Program"), 30, "text"),
                Column(_("Fiscal year"), 7),
                Column(_("Funding source"), 7),
                Column(_("Stage"), 9),
                Column(_("Amount"), None, "money"),
                Column(_("Note"), 30, "text"),
                Column(_("Source"), 7),
            ],
        )
        names, keys = self.names, self.source_keys
        source_label = {value: label(FundingSource, value) for value in FundingSource.values}
        stage_label = {value: label(BudgetStage, value) for value in BudgetStage.values}
        for program_id, year, source, stage, amount, note, source_id in self.lines.rows:
            code, program = names.get(program_id, ("", ""))
            sheet.append(
                [
                    code,
                    program,
                    year,
                    source_label.get(source, source),
                    stage_label.get(stage, stage),
                    amount,
                    note,
                    keys.get(source_id),
                ]
            )
        # Each stage row holds the whole amount at that stage: the total is meant to be read with
        # the filter set (one stage, one year), which SUBTOTAL follows.
        filtered_total(sheet, 5, _("Total of the rows shown (filter one stage at a time)"))
        sheet.close()

    def execution_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Executions"),
            [
                Column(_("Executed on"), 10, "date"),
                Column(_("Program code"), 12, align="left"),
                Column(_("Program"), 26, "text"),
                Column(_("Funding source"), 7),
                Column(_("Kind"), 8),
                Column(_("Amount"), None, "money"),
                Column(_("Details"), 30, "text"),
                Column(_("Reference"), 12, "text"),
                Column(_("Source"), 7),
            ],
        )
        names, keys = self.names, self.source_keys
        source_label = {value: label(FundingSource, value) for value in FundingSource.values}
        kind_label = {value: label(ExecutionKind, value) for value in ExecutionKind.values}
        for day, program_id, source, amount, description, reference, source_id, kind in self.executions.rows:
            code, program = names.get(program_id, ("", ""))
            sheet.append(
                [
                    day,
                    code,
                    program,
                    source_label.get(source, source),
                    kind_label.get(kind, kind),
                    amount,
                    description,
                    reference,
                    keys.get(source_id),
                ]
            )
        # 원인행위, 지출 and 반납 are listed alike: the total is read with the kind filtered.
        filtered_total(sheet, 5, _("Total of the rows shown (filter one kind at a time)"))
        sheet.close()

    def milestone_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Milestones"),
            [
                Column(_("Planned date"), 10, "date"),
                Column(_("Date precision"), 7),
                Column(_("Program code"), 12, align="left"),
                Column(_("Milestone"), 40, "text"),
                Column(_("Actual date"), 10, "date"),
                Column(_("Status"), 9),
                Column(_("Slippage (days)"), 8, "integer"),
                Column(_("Overdue"), 6),
                Column(_("Due within 90 days"), 8),
                Column(_("Source"), 7),
            ],
        )
        for row in self.summary.milestones:
            title = row.title_en if self.language == "en" and row.title_en else row.title_ko
            sheet.append(
                [
                    row.planned_date,
                    label(Milestone.Precision, row.date_precision),
                    row.program_code,
                    title,
                    row.actual_date,
                    row.get_status_display(),
                    row.slippage_days,
                    yes_no(row.is_overdue),
                    yes_no(row.is_due_soon),
                    self.source_keys.get(row.source_id),
                ]
            )
        sheet.close()

    def kpi_sheet(self, book: Book) -> None:
        kpis = self.summary.kpis
        kpi_table(book, _("KPIs"), kpis, language=self.language, source_keys=self.source_keys, details=True)

    def firm_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Firms"),
            [
                Column(_("Firm"), 26, "text"),
                Column(_("Program code"), 12, align="left"),
                Column(_("Program"), 30, "text"),
                Column(_("Attracted on"), 10, "date"),
                Column(_("Jobs"), 7, "integer"),
                Column(_("Note"), 30, "text"),
                Column(_("Source"), 7),
            ],
        )
        for firm, program_id, day, jobs, note, source_id in self.firms.rows:
            code, program = self.names.get(program_id, ("", ""))
            sheet.append([firm, code, program, day, jobs, note, self.source_keys.get(source_id)])
        filtered_total(sheet, 4, _("Total of the rows shown"))
        sheet.close()

    def source_sheet(self, book: Book) -> None:
        """Publisher, date, title and link of every source cited, as a reader checks them; the
        office's own file references stay in the admin."""
        sheet = book.sheet(
            _("Sources"),
            [
                Column(_("Key"), 7),
                Column(_("Publisher"), 16, "text"),
                Column(_("Published on"), 10, "date"),
                Column(_("Title"), 46, "text"),
                Column(_("Link"), 40, "text"),
            ],
        )
        for _id, key, publisher, published_on, title, url, _reference in self.sources:
            sheet.append([key, publisher, published_on, title, url])
        sheet.close()


def filtered_total(sheet: Sheet, column: int, text: str) -> None:
    """Below a filtered listing: its label and the SUBTOTAL of one column over the rows shown."""
    last = sheet.end_data()
    if last > 1:
        sheet.total_row({1: text}, {column: subtotal(column, 2, last)})
