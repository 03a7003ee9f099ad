"""The portfolio workbook's listings: every budget line and execution of the city (streamed, the
long sheets), milestones, KPIs, firms and sources. A mixin of `PortfolioReport`, which reads the
rows; these methods only lay them out."""

from django.utils.translation import gettext as _

from portfolio.models import BudgetStage, FundingSource, Milestone
from reports.builders.common import label, yes_no
from reports.builders.kpi_table import kpi_table
from reports.builders.overlap import read_ahead
from reports.builders.xlsx import Book, Column


class ListingSheets:
    """Sheets of one row per record. Expects the report's `lines`, `executions` and `firms`
    (streamed listings), `summary` (milestones, KPIs), `sources`, `names`, `source_keys` and
    `language`."""

    def budget_line_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Budget lines"),
            [
                Column(_("Program code"), 16),
                Column(_("Program"), 36, "text"),
                Column(_("Fiscal year"), 10),
                Column(_("Funding source"), 12),
                Column(_("Stage"), 14),
                Column(_("Amount (won)"), 20, "money"),
                Column(_("Note"), 30, "text"),
                Column(_("Source"), 10),
            ],
        )
        names, keys = self.names, self.source_keys
        source_label = {value: label(FundingSource, value) for value in FundingSource.values}
        stage_label = {value: label(BudgetStage, value) for value in BudgetStage.values}
        for program_id, year, source, stage, amount, note, source_id in read_ahead(self.lines.rows):
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
        sheet.close()

    def execution_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Executions"),
            [
                Column(_("Executed on"), 12, "date"),
                Column(_("Program code"), 16),
                Column(_("Program"), 36, "text"),
                Column(_("Funding source"), 12),
                Column(_("Amount (won)"), 20, "money"),
                Column(_("Details"), 36, "text"),
                Column(_("Reference"), 16, "text"),
                Column(_("Source"), 10),
            ],
        )
        names, keys = self.names, self.source_keys
        source_label = {value: label(FundingSource, value) for value in FundingSource.values}
        for day, program_id, source, amount, description, reference, source_id in read_ahead(
            self.executions.rows
        ):
            code, program = names.get(program_id, ("", ""))
            sheet.append(
                [
                    day,
                    code,
                    program,
                    source_label.get(source, source),
                    amount,
                    description,
                    reference,
                    keys.get(source_id),
                ]
            )
        sheet.close()

    def milestone_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Milestones"),
            [
                Column(_("Planned date"), 12, "date"),
                Column(_("Date precision"), 10),
                Column(_("Program code"), 16),
                Column(_("Milestone"), 50, "text"),
                Column(_("Actual date"), 12, "date"),
                Column(_("Status"), 12),
                Column(_("Slippage (days)"), 10, "integer"),
                Column(_("Overdue"), 8),
                Column(_("Due within 90 days"), 10),
                Column(_("Source"), 10),
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
                Column(_("Firm"), 30, "text"),
                Column(_("Program code"), 16),
                Column(_("Program"), 36, "text"),
                Column(_("Attracted on"), 12, "date"),
                Column(_("Jobs"), 8, "integer"),
                Column(_("Note"), 30, "text"),
                Column(_("Source"), 10),
            ],
        )
        for firm, program_id, day, jobs, note, source_id in self.firms.rows:
            code, program = self.names.get(program_id, ("", ""))
            sheet.append([firm, code, program, day, jobs, note, self.source_keys.get(source_id)])
        sheet.close()

    def source_sheet(self, book: Book) -> None:
        sheet = book.sheet(
            _("Sources"),
            [
                Column(_("Key"), 8),
                Column(_("Publisher"), 16, "text"),
                Column(_("Published on"), 12, "date"),
                Column(_("Title"), 60, "text"),
                Column(_("Reference"), 28, "text"),
                Column(_("URL"), 40, "text"),
            ],
        )
        for _id, key, publisher, published_on, title, url, reference in self.sources:
            sheet.append([key, publisher, published_on, title, reference, url])
        sheet.close()
