"""The 세출 집행 현황 sheet of the portfolio report: one fiscal year's ledger by program and funding
source in the official column order (지방재정 세출 집행현황), with each program's 계, the city's 합계
by funding source and in all, and national-context items listed apart with their own total, all
as formulas. Every figure comes from
`portfolio.selectors.ledger`."""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from portfolio.models import FundingSource
from portfolio.selectors import Scope
from portfolio.selectors.ledger import LedgerCell, ledger_for_scope
from reports.builders.common import label, name, rate
from reports.builders.xlsx import LABEL_FONT, Book, Column, subtotal

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
    """Two printed pages across (the code, name and source repeated on both): how 예산현액 is
    made, then what was committed and paid against it and what the close left."""
    return [
        Column(_("Program code"), 13, align="left"),
        Column(_("Program"), 20, "text"),
        Column(_("Funding source"), 7),
        Column(_("Original budget"), None, "money"),
        Column(_("Supplementary budget"), None, "money"),
        Column(_("Carried in from last year"), None, "money"),
        Column(_("Reserve fund"), None, "money"),
        Column(_("Transfers"), None, "money"),
        Column(_("Revenue-substitution expenses"), None, "money"),
        Column(_("Available budget"), None, "money"),
        Column(_("Committed"), None, "money"),
        Column(_("Paid"), None, "money"),
        Column(_("Execution rate"), 7, "percent"),
        Column(_("Carried to next year"), None, "money"),
        Column(_("Unused"), None, "money"),
    ]


AVAILABLE, COMMITTED, PAID, RATE, CARRIED_OUT, UNUSED = 9, 10, 11, 12, 13, 14
MONEY_COLUMNS = [3, 4, 5, 6, 7, 8, AVAILABLE, COMMITTED, PAID]
CLOSE_COLUMNS = [CARRIED_OUT, UNUSED]  # known once the year is closed


def ledger_values(cell: LedgerCell, *, any_round: bool) -> list:
    """The money columns of one row. Carry-overs and 불용액 are known only once the year is
    closed: empty before, not 0, so an open year never reads as nothing left unspent. When the
    year had a 추경 round anywhere, a row without one shows its 본예산 in the 추경 column, as a
    budget book's 추경 column does (and as the ledger adds 추경 up), so the column's sums hold."""
    supplementary = cell.supplementary
    if supplementary is None and any_round:
        supplementary = cell.adopted
    return [
        cell.original,
        supplementary,
        cell.carried_in,
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


def total_columns(cells: list[LedgerCell]) -> list[int]:
    """The columns a total over `cells` has formulas in: carry-overs and 불용액 only when every
    cell's year is closed, 원인행위액 and 지출액 only when some cell has them (nothing executed is
    unknown, not 0: the total stays empty as its rows do)."""
    closed = all(cell.closed for cell in cells)
    unknown = {COMMITTED: "committed", PAID: "paid"}
    return [
        i
        for i in MONEY_COLUMNS + CLOSE_COLUMNS
        if (closed or i not in CLOSE_COLUMNS)
        and (i not in unknown or any(getattr(cell, unknown[i]) is not None for cell in cells))
    ]


def write_ledger_sheet(
    book: Book, *, scope: Scope, fiscal_year: int, language: str, index: int | None = None
) -> None:
    """Write the sheet for `fiscal_year` over `scope`: each program's rows by funding source and
    its 계 (SUBTOTAL), the city's 합계 by funding source (SUMIF) and in all (SUBTOTAL, which skips
    the programs' 계 rows); national-context items after it, with their own total. Four queries,
    however many programs."""
    book_ledger = ledger_for_scope(scope, fiscal_year=fiscal_year)
    source_label = {value: label(FundingSource, value) for value in FundingSource.values}

    def program_cells(nodes: Iterable) -> list[tuple]:
        rows = []
        for node in nodes:
            cells = [c for c in book_ledger.own.get(node.id, []) if c.fiscal_year == fiscal_year]
            cells = [c for c in cells if c.closed or any(getattr(c, name) for name in SHOWN_MONEY)]
            if cells:
                rows.append((node, cells))
        return rows

    city = program_cells(node for node in scope.nodes if not node.is_national_context)
    national = program_cells(node for node in scope.nodes if node.is_national_context)
    book.progress.total += sum(len(cells) for _node, cells in city + national)  # totals are formulas

    sheet = book.sheet(
        _("Expenditure execution"),
        ledger_columns(),
        freeze="D2",
        autofilter=False,
        title_columns="A:C",
        index=index,
    )

    def rate_of(row: int, columns: list[int]) -> dict[int, str]:
        return {RATE: f'=IF(J{row}=0,"",L{row}/J{row})'} if PAID in columns else {}

    def write(programs: list[tuple]) -> tuple[int, list[LedgerCell]]:
        first, written = sheet.rows_written + 1, []
        any_round = any(cell.supplementary is not None for _node, cells in programs for cell in cells)
        for node, cells in programs:
            start = sheet.rows_written + 1
            title = sheet.indented(name(node, language), node.depth)
            for cell in cells:
                values = ledger_values(cell, any_round=any_round)
                sheet.append([node.code, title, source_label.get(cell.funding_source), *values])
            written.extend(cells)
            if len(cells) > 1:
                row = sheet.rows_written + 1
                columns = total_columns(cells)
                formulas = {i: subtotal(i, start, row - 1) for i in columns} | rate_of(row, columns)
                sheet.total_row({0: node.code, 2: _("Subtotal")}, formulas, subtotal=True)
        return first, written

    first, city_cells = write(city)
    last = sheet.rows_written
    if city_cells:
        heading = _("Total of the city's programs")
        for value in FundingSource.values:
            of_source = [cell for cell in city_cells if cell.funding_source == value]
            if not of_source:
                continue
            row = sheet.rows_written + 1
            columns = total_columns(of_source)
            formulas = {
                i: f'=SUMIF(C{first}:C{last},"{source_label[value]}",{col(i)}{first}:{col(i)}{last})'
                for i in columns
            } | rate_of(row, columns)
            sheet.total_row({1: heading, 2: source_label[value]}, formulas, subtotal=True)
        row = sheet.rows_written + 1
        columns = total_columns(city_cells)
        formulas = {i: subtotal(i, first, last) for i in columns} | rate_of(row, columns)
        sheet.total_row({1: heading, 2: _("Total")}, formulas)
    else:
        empty = _("No budget for the city's programs in fiscal year %(year)s.") % {"year": fiscal_year}
        sheet.append_raw([None, sheet.cell(empty)])
    if national:
        sheet.append_raw([])
        apart = _("National-context items (for reference; not in the total above)")
        sheet.append_raw([None, sheet.cell(apart, font=LABEL_FONT)])
        first, national_cells = write(national)
        row = sheet.rows_written + 1
        columns = total_columns(national_cells)
        formulas = {i: subtotal(i, first, row - 1) for i in columns} | rate_of(row, columns)
        sheet.total_row({1: _("Total of the national-context items"), 2: _("Total")}, formulas)
    sheet.close()


def col(index: int) -> str:
    return get_column_letter(index + 1)
