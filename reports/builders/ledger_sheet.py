"""The 세출 집행 현황 sheet of the portfolio report: one fiscal year's ledger by program and funding
source in the official column order (지방재정 세출 집행현황), with each program's total, the grand
total of the city's programs, and national-context items listed apart. Every figure comes from
`portfolio.selectors.ledger`."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from portfolio.models import FundingSource
from portfolio.selectors import Scope
from portfolio.selectors.ledger import LedgerCell, ledger_for_scope, sum_cells, with_year_totals
from reports.builders.common import label, name, rate
from reports.builders.xlsx import LABEL_FONT, Book, Column

# A cell with none of these (a plan only, 계획) has nothing to show on the sheet.
SHOWN_MONEY = (
    "original",
    "adopted",
    "carried_in_explicit",
    "carried_in_accident",
    "carried_in_continuing",
    "reserve",
    "transfers",
    "revenue_substitution",
    "committed",
    "paid",
)


def ledger_columns() -> list[Column]:
    return [
        Column(_("Program code"), 16),
        Column(_("Program"), 36, "text"),
        Column(_("Funding source"), 10),
        Column(_("Original budget (won)"), 18, "money"),
        Column(_("Supplementary budget (won)"), 18, "money"),
        Column(_("Carried in: explicit (won)"), 16, "money"),
        Column(_("Carried in: accident (won)"), 16, "money"),
        Column(_("Carried in: continuing expense (won)"), 16, "money"),
        Column(_("Reserve fund (won)"), 16, "money"),
        Column(_("Transfers (won)"), 16, "money"),
        Column(_("Revenue-substitution expenses (won)"), 16, "money"),
        Column(_("Available budget (won)"), 18, "money"),
        Column(_("Committed (won)"), 18, "money"),
        Column(_("Paid (won)"), 18, "money"),
        Column(_("Execution rate"), 10, "percent"),
        Column(_("Carried to next year (won)"), 18, "money"),
        Column(_("Unused (won)"), 18, "money"),
    ]


def ledger_values(cell: LedgerCell) -> list:
    """The money columns of one row. Carry-overs and 불용액 are known only once the year is
    closed: empty before, not 0, so an open year never reads as nothing left unspent."""
    return [
        cell.original,
        cell.supplementary,
        cell.carried_in_explicit,
        cell.carried_in_accident,
        cell.carried_in_continuing,
        cell.reserve,
        cell.transfers,
        cell.revenue_substitution,
        cell.available,
        cell.committed,
        cell.paid,
        rate(cell.execution_rate),
        cell.carried_out if cell.closed else None,
        cell.unused,
    ]


def write_ledger_sheet(
    book: Book, *, scope: Scope, fiscal_year: int, language: str, index: int | None = None
) -> None:
    """Write the sheet for `fiscal_year` over `scope` (national-context items included in the
    scope are listed apart, out of the total). Four queries, however many programs."""
    book_ledger = ledger_for_scope(scope, fiscal_year=fiscal_year)
    source_label = {value: label(FundingSource, value) for value in FundingSource.values}
    all_sources = _("All sources")

    def program_rows(nodes: Iterable) -> tuple[list[tuple], list[LedgerCell]]:
        rows, cells_written = [], []
        for node in nodes:
            cells = [c for c in book_ledger.own.get(node.id, []) if c.fiscal_year == fiscal_year]
            cells = [c for c in cells if c.closed or any(getattr(c, name) for name in SHOWN_MONEY)]
            for cell in cells:
                rows.append((node, source_label.get(cell.funding_source), cell))
            if len(cells) > 1:
                rows.append((node, all_sources, sum_cells(cells, fiscal_year=fiscal_year)))
            cells_written.extend(cells)
        return rows, cells_written

    city_rows, city_cells = program_rows(node for node in scope.nodes if not node.is_national_context)
    national_rows, _cells = program_rows(node for node in scope.nodes if node.is_national_context)
    totals = with_year_totals(_by_source(city_cells, fiscal_year)) if city_cells else []
    book.progress.total += len(city_rows) + len(totals) + len(national_rows)

    sheet = book.sheet(_("Expenditure execution"), ledger_columns(), freeze="D2", index=index)

    def write(rows: list[tuple]) -> None:
        for node, source, cell in rows:
            title = sheet.indented(name(node, language), node.depth)
            sheet.append([node.code, title, source, *ledger_values(cell)])

    write(city_rows)
    heading = _("Total of the city's programs")
    for cell in totals:
        sheet.append(["", heading, source_label.get(cell.funding_source, all_sources), *ledger_values(cell)])
    if not city_cells:
        empty = _("No budget for the city's programs in fiscal year %(year)s.") % {"year": fiscal_year}
        sheet.append_raw([None, empty])
    if national_rows:
        sheet.append_raw([])
        apart = _("National-context items (for reference; not in the total above)")
        sheet.append_raw([None, sheet.cell(apart, font=LABEL_FONT)])
        write(national_rows)
    sheet.close()


def _by_source(cells: list[LedgerCell], fiscal_year: int) -> list[LedgerCell]:
    """The programs' cells added up per funding source."""
    sources: dict[str | None, list[LedgerCell]] = {}
    for cell in cells:
        sources.setdefault(cell.funding_source, []).append(cell)
    return [
        sum_cells(group, fiscal_year=fiscal_year, funding_source=source) for source, group in sources.items()
    ]
