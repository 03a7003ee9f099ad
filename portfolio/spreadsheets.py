"""Spreadsheet safety shared by the reports and the imports: text written to a workbook never
becomes a formula, and never holds characters a workbook cannot store.

Text that starts with =, +, -, @, a tab or a carriage return could be taken for a formula (or a
DDE call) by Excel; it is written as a string with Excel's quote prefix, so that editing the
cell later does not turn it into one either. Numbers, negative ones too, stay numbers.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

# Text starting with one of these could be taken for a formula (or DDE) by a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS)


def has_illegal_characters(value: str) -> bool:
    return ILLEGAL_CHARACTERS_RE.search(value) is not None


def clean_text(value: str) -> str:
    """Drop the control characters that a workbook cannot hold (openpyxl refuses them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def quote(cell: Cell) -> None:
    """Keep a cell's text as text: string type, plus Excel's quote prefix so that editing the cell
    later does not turn it into a formula either."""
    cell.data_type = "s"
    cell.quotePrefix = True


def write_text(cell: Cell, value: str) -> Cell:
    """Put user text in a cell: cleaned of control characters, and never a formula."""
    # Judged after cleaning: "\x01=HYPERLINK(…)" is a formula once the control character is gone.
    value = clean_text(value) if has_illegal_characters(value) else value
    cell.value = value
    if is_formula_like(value):
        quote(cell)
    return cell
