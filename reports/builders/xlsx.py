"""Streaming .xlsx helpers on openpyxl's write-only mode: styled columns, safe text, progress.

Every sheet is write-only, so a sheet of 200,000 rows costs the memory of one row. Styled cells
are made once per column and reused for every row (openpyxl writes a row as soon as it is
appended), which is the cheapest way to give whole-won amounts their number format. Only
openpyxl's public API is used; text safety (formulas, control characters) is
`portfolio.spreadsheets`, which the imports share.
"""

import datetime
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from portfolio.spreadsheets import clean_text, has_illegal_characters, is_formula_like, quote, write_text

# Amounts in the workbook's unit, no decimals (the values keep them, so sums are exact); zero as
# "-", as a budget book prints it.
MONEY = '#,##0;-#,##0;"-"'
PERCENT = "0.0%"
INTEGER = "#,##0"
DECIMAL = "#,##0.0###"
DATE = "yyyy-mm-dd"

SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

# 맑은 고딕 is Windows' Korean UI font; where it is missing (LibreOffice here) fontconfig gives
# Noto Sans CJK KR in its place. Tables are 9 pt and printed at 100 %, never shrunk below that.
FONT_NAME = "맑은 고딕"
BODY_SIZE = 9
BODY_FONT = Font(name=FONT_NAME, size=BODY_SIZE)
HEADER_FONT = Font(name=FONT_NAME, size=BODY_SIZE, bold=True)
TOTAL_FONT = Font(name=FONT_NAME, size=BODY_SIZE, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
LABEL_FONT = Font(name=FONT_NAME, size=10, bold=True)
PLAIN_FONT = Font(name=FONT_NAME, size=10)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
SUBTOTAL_FILL = PatternFill("solid", fgColor="F8F8F8")
THIN = Side(style="thin", color="7F7F7F")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOTAL_BORDER = Border(left=THIN, right=THIN, top=Side(style="double", color="404040"), bottom=THIN)
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center")
LEFT = Alignment(horizontal="left", vertical="center")
RIGHT = Alignment(horizontal="right", vertical="center")

# Printable width of A4 in column-width units: 297 mm (landscape) or 210 mm (portrait) less
# 2 × 12.7 mm margins, at 100 %. A unit is a digit of the workbook's standard font: 7 px at 96 dpi
# in Excel (Calibri), 8.2 px in LibreOffice with Noto Sans CJK KR; the wider one is planned for.
PX_PER_WIDTH_UNIT = 8.2
A4_WIDTH = {
    True: (297 - 25.4) / 25.4 * 96 / PX_PER_WIDTH_UNIT,
    False: (210 - 25.4) / 25.4 * 96 / PX_PER_WIDTH_UNIT,
}
MARGIN_INCHES = 0.5

ProgressCallback = Callable[[int, int], None]


@contextmanager
def sheet_files_in(folder: Path) -> Iterator[None]:
    """Kept so that callers need not change; it places nothing. openpyxl keeps each write-only
    sheet's XML in a file of the process's temporary folder (tempfile's default) and has no public
    way to choose another per workbook: setting tempfile.tempdir would move every temporary file
    of the process, other threads' too. openpyxl deletes those files when the workbook is saved or
    discarded, and at the process's exit; a build killed by SIGKILL leaves them to the system's
    temporary-folder cleaning."""
    yield


def no_progress(done: int, total: int) -> None:
    """The default progress callback: report nothing."""


@dataclass(frozen=True)
class Column:
    """One column: its header, width in characters, and kind of value.

    Kinds: "text" (user text: cleaned, never a formula), "code" (our own codes and labels),
    "money" (whole won, written in the workbook's unit, which its header states), "percent" (a
    fraction shown as %), "integer", "decimal" (KPI values: whole numbers without decimals, others
    with up to four), "date". A money column's width is the unit's (see `Unit.width`) unless given.
    """

    header: str
    width: float | None = 14
    kind: str = "code"
    align: str | None = None  # "left" for codes of varying length; default: by kind


@dataclass(frozen=True)
class Unit:
    """The money unit of a workbook: amounts are whole won divided by `divisor`."""

    divisor: int = 1_000
    label: str = "천원"

    @property
    def width(self) -> float:
        """Wide enough for 10조 in the unit at 9 pt ("10,100,000,000" in 천원)."""
        return {1: 15, 1_000: 12, 1_000_000: 10}.get(self.divisor, 8)

    def of(self, amount):
        """A whole-won amount in this unit (unrounded, so the workbook's sums are exact)."""
        if amount is None or self.divisor == 1:
            return amount
        return amount / self.divisor


@dataclass(frozen=True)
class Page:
    """What the header and footer of every printed page say."""

    title: str = ""
    day: str = ""  # "기준일 2026-12-03"


class Progress:
    """Counts rows written across the workbook and calls `callback(done, total)` every `every` rows."""

    def __init__(self, total: int, callback: ProgressCallback = no_progress, every: int = 500):
        self.total, self.callback, self.every = total, callback, every
        self.done = 0
        self._next = every
        callback(0, total)

    def step(self, rows: int = 1) -> None:
        self.done += rows
        if self.done >= self._next:
            self._next = self.done + self.every
            self.callback(min(self.done, self.total), self.total)

    def finish(self) -> None:
        self.done = max(self.done, self.total)
        self.callback(self.done, self.total)


class Book:
    """A write-only workbook whose sheets are added in order and saved once, in one money unit,
    each page headed by `page`."""

    def __init__(
        self, progress: Progress | None = None, *, unit: Unit | None = None, page: Page | None = None
    ):
        self.workbook = Workbook(write_only=True)
        self.progress = progress or Progress(0)
        self.unit = unit or Unit()
        self.page = page or Page()

    def describe(self, *, title: str, creator: str, subject: str, day: datetime.date | None) -> None:
        """The file's properties (File → Info in Excel)."""
        properties = self.workbook.properties
        properties.title, properties.creator, properties.lastModifiedBy = title, creator, creator
        properties.subject = subject
        properties.description = self.page.day
        properties.keywords = self.page.day
        properties.language = "ko-KR"
        if day is not None:
            properties.created = datetime.datetime.combine(day, datetime.time())

    def sheet(self, title: str, columns: Sequence[Column] = (), **options) -> "Sheet":
        return Sheet(self, sheet_title(title), columns, **options)

    def save(self, path: Path) -> None:
        self.workbook.save(path)

    def __enter__(self) -> "Book":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if error is not None:
            self.discard()

    def discard(self) -> None:
        """After a failed build: delete the sheets' temporary files, which openpyxl would otherwise
        keep until the process exits (and a worker lives for days). Saving is openpyxl's public way
        to end the sheets and delete their files, so the workbook is saved into nothing. A sheet
        broken inside openpyxl itself may stop that save; its files then go at the process's exit."""
        with suppress(Exception):  # a failed build is already being reported; this only tidies up
            self.workbook.save(_Nowhere())


def sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return SHEET_TITLE_FORBIDDEN.sub(" ", str(title))[:31]


def styled(template: Cell, *, font: Font, border: Border | None, alignment: Alignment | None,
           number_format: str | None = None, fill: PatternFill | None = None) -> Cell:  # fmt: skip
    template.font = font
    if border is not None:
        template.border = border
    if alignment is not None:
        template.alignment = alignment
    if number_format:
        template.number_format = number_format
    if fill is not None:
        template.fill = fill
    return template


NUMBER_FORMATS = {"money": MONEY, "percent": PERCENT, "integer": INTEGER, "date": DATE}


class Sheet:
    """One streamed sheet: header row, frozen panes, autofilter, widths, borders and print set-up.

    Widths, the frozen header and the header row must be written before the first data row
    (write-only sheets are written top to bottom); the autofilter range is set on `close()`.
    Every cell of a table is styled (font, border, number format) from one template cell per
    column, reused for every row: openpyxl writes a row as soon as it is appended.
    """

    def __init__(
        self,
        book: Book,
        title: str,
        columns: Sequence[Column],
        *,
        header: bool = True,
        freeze: str | None = "A2",
        autofilter: bool = True,
        landscape: bool = True,
        index: int | None = None,
        title_columns: str | None = None,
        column_breaks: Sequence[int] = (),
    ):
        self.book = book
        self.unit = book.unit
        self.landscape = landscape
        self.ws = book.workbook.create_sheet(title, index)
        self.columns = [
            Column(
                money_header(column.header, self.unit) if column.kind == "money" else column.header,
                column.width or self.unit.width,
                column.kind,
                column.align,
            )
            for column in columns
        ]
        self.rows_written = 0
        self.autofilter = autofilter and header and bool(self.columns)
        self.data_end: int | None = None  # last row the autofilter covers (totals go below it)
        self._header_row = None
        self._converters = [self._converter(column) for column in self.columns]
        self._indent_cells: dict[int, Cell] = {}
        self._total_cells: dict[tuple, Cell] = {}

        for index, column in enumerate(self.columns, 1):
            self.ws.column_dimensions[get_column_letter(index)].width = column.width
        if freeze and header and self.columns:
            self.ws.freeze_panes = freeze
        self._print_setup(landscape, title_columns, column_breaks or self.page_columns(title_columns))
        if header and self.columns:
            self._header_row = 1
            self.ws.row_dimensions[1].height = header_height(self.columns)
            self.ws.append([self.header_cell(column.header) for column in self.columns])
            self.rows_written = 1
            self.ws.print_title_rows = "1:1"

    # --- cells -----------------------------------------------------------------------------------

    def cell(
        self,
        value=None,
        *,
        number_format: str | None = None,
        font: Font | None = None,
        alignment: Alignment | None = None,
        fill: PatternFill | None = None,
        border: Border | None = None,
    ) -> Cell:
        """A one-off styled cell (for small sheets); long sheets reuse the column templates."""
        if isinstance(value, str):
            cell = write_text(WriteOnlyCell(self.ws), value)
        else:
            cell = WriteOnlyCell(self.ws, value=value)
        return styled(cell, font=font or PLAIN_FONT, border=border, alignment=alignment,
                      number_format=number_format, fill=fill)  # fmt: skip

    def formula(self, formula: str, **style) -> Cell:
        """A formula cell ("=SUM(B3:B7)"); `cell()` would write the text as text, which it must be
        for anything a user typed."""
        cell = WriteOnlyCell(self.ws, value=formula)
        return styled(cell, font=style.pop("font", BODY_FONT), border=style.pop("border", None),
                      alignment=style.pop("alignment", None), **style)  # fmt: skip

    def header_cell(self, text: str) -> Cell:
        return self.cell(
            str(text), font=HEADER_FONT, alignment=HEADER_ALIGNMENT, fill=HEADER_FILL, border=BOX
        )

    def money(self, amount, **style) -> Cell:
        """One money cell in the workbook's unit (cover and summary blocks)."""
        return self.cell(self.unit.of(amount), number_format=MONEY, font=style.pop("font", BODY_FONT),
                         border=style.pop("border", BOX), alignment=RIGHT, **style)  # fmt: skip

    def _template(self, number_format: str | None = None, alignment: Alignment | None = None) -> Cell:
        return styled(WriteOnlyCell(self.ws), font=BODY_FONT, border=BOX, alignment=alignment,
                      number_format=number_format)  # fmt: skip

    def _converter(self, column: Column) -> Callable:
        """How a value of this column becomes the styled cell openpyxl writes."""
        if column.kind == "text":
            template = self._template(alignment=LEFT)

            def text(value):
                if isinstance(value, Cell):
                    return value
                value = self.text(value)
                if isinstance(value, Cell):  # formula-like text, quoted
                    return styled(value, font=BODY_FONT, border=BOX, alignment=LEFT)
                template.value = value
                return template

            return text
        if column.kind == "decimal":
            empty, whole, fraction = (
                self._template(),
                self._template(INTEGER, RIGHT),
                self._template(DECIMAL, RIGHT),
            )

            def decimal(value):
                if value is None:
                    return empty
                if isinstance(value, Cell):  # made by the caller: styled as the column's cells
                    return styled(value, font=BODY_FONT, border=BOX, alignment=RIGHT)
                number, number_format = decimal_number(value)
                cell = whole if number_format == INTEGER else fraction
                cell.value = number
                return cell

            return decimal
        if column.kind == "money" and self.unit.divisor != 1:
            template = self._template(MONEY, RIGHT)
            divisor = self.unit.divisor

            def money(value):
                if isinstance(value, Cell):
                    return value
                template.value = None if value is None else value / divisor
                return template

            return money
        if column.align == "left":
            alignment = LEFT
        else:
            alignment = RIGHT if column.kind in NUMBER_FORMATS else CENTER if column.kind == "code" else None
        template = self._template(NUMBER_FORMATS.get(column.kind), alignment)

        def plain(value):
            # "code": our own codes (slugs), labels and numbers. A slug holds no "=" and no control
            # characters, and labels are ours, so they are written as they are.
            if isinstance(value, Cell):
                return value
            template.value = float(value) if isinstance(value, Decimal) else value
            return template

        return plain

    def indented(self, text: str, depth: int) -> Cell:
        """Tree names: indentation as cell alignment, so the text itself stays clean for filters."""
        cell = self._indent_cells.get(depth)
        if cell is None:
            cell = self._indent_cells[depth] = WriteOnlyCell(self.ws)
            indent = Alignment(horizontal="left", vertical="center", indent=min(max(depth, 0), 15))
            styled(cell, font=BODY_FONT, border=BOX, alignment=indent)
        value = clean_text(text or "")
        cell.value = value
        cell.data_type = "s"  # set after the value: an indented name is never a formula
        cell.quotePrefix = is_formula_like(value)
        return cell

    def text(self, value: str | None):
        """User text: cleaned of control characters, and never a formula."""
        if not value:
            return None
        if not isinstance(value, str):
            return value
        value = clean_text(value) if has_illegal_characters(value) else value
        if is_formula_like(value):
            cell = WriteOnlyCell(self.ws)
            cell.value = value
            quote(cell)
            return cell
        return value

    # --- rows ------------------------------------------------------------------------------------

    def append(self, values: Sequence) -> None:
        """Write a row of plain values, formatting each by its column's kind. The hot loop of
        every long sheet, so it does no more than it must."""
        if len(values) != len(self.columns):
            raise ValueError(f"{len(values)} values for {len(self.columns)} columns in {self.ws.title!r}")
        self.ws.append([convert(value) for convert, value in zip(self._converters, values, strict=True)])
        self.rows_written += 1
        self.book.progress.step()

    def append_raw(self, values: Sequence) -> None:
        """Write cells as given (cover and chart blocks), without counting them as progress."""
        self.ws.append(list(values))
        self.rows_written += 1

    def extend(self, rows: Iterable[Sequence]) -> None:
        for values in rows:
            self.append(values)

    def total_row(
        self, labels: dict[int, str | int], formulas: dict[int, str], *, subtotal: bool = False
    ) -> int:
        """A 합계 (or 소계) row: label cells by column index (0-based), and formulas (written as
        they are, e.g. "=SUBTOTAL(9,F2:F90)") in the columns' number formats; returns its row."""
        fill, border = (SUBTOTAL_FILL, BOX) if subtotal else (TOTAL_FILL, TOTAL_BORDER)
        cells = []
        for index, column in enumerate(self.columns):
            if index in formulas:
                number_format, alignment = NUMBER_FORMATS.get(column.kind), RIGHT
            else:
                label = labels.get(index)
                short = label is not None and len(str(label)) <= 8
                number_format, alignment = None, CENTER if short else LEFT
            # Styling a cell is the slow part of openpyxl (each style is looked up by its hash):
            # each column's total cells are styled once and reused, as the data rows' are.
            key = (index, subtotal, number_format, alignment)
            cell = self._total_cells.get(key)
            if cell is None:
                cell = self._total_cells[key] = styled(
                    WriteOnlyCell(self.ws), font=TOTAL_FONT, border=border, alignment=alignment,
                    number_format=number_format, fill=fill,
                )  # fmt: skip
            if index in formulas:
                cell.value = formulas[index]
            elif isinstance(label, str):
                cell.quotePrefix = False
                write_text(cell, label)
            else:
                cell.value = label  # a year
            cells.append(cell)
        self.append_raw(cells)
        return self.rows_written

    def decimal(self, value):
        if value is None or isinstance(value, Cell):
            return value
        cell = WriteOnlyCell(self.ws)
        cell.value, cell.number_format = decimal_number(value)
        return cell

    # --- finishing -------------------------------------------------------------------------------

    def _print_setup(self, landscape: bool, title_columns: str | None, column_breaks: Sequence[int]) -> None:
        """A4 at 100 %: a sheet wider than the page prints across pages (`column_breaks` choose
        where), repeating `title_columns`, rather than shrinking its text below 9 pt."""
        setup = self.ws.page_setup
        setup.orientation = "landscape" if landscape else "portrait"
        setup.paperSize = Worksheet.PAPERSIZE_A4
        setup.scale = 100
        setup.pageOrder = "overThenDown"
        self.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
        margins = self.ws.page_margins
        margins.left = margins.right = MARGIN_INCHES
        margins.top = margins.bottom = 0.75
        margins.header = margins.footer = 0.3
        self.ws.print_options.gridLines = False
        self.ws.print_options.horizontalCentered = True
        if title_columns:
            self.ws.print_title_cols = title_columns
        for column in column_breaks:
            self.ws.col_breaks.append(Break(id=column))
        page = self.book.page
        for part, text in ((self.ws.oddHeader.left, page.title), (self.ws.oddHeader.right, page.day)):
            part.text, part.size, part.font = text, 8, FONT_NAME
        self.ws.oddFooter.center.text = PAGE_NUMBERS
        self.ws.oddFooter.center.size, self.ws.oddFooter.center.font = 8, FONT_NAME

    def page_columns(self, title_columns: str | None) -> list[int]:
        """Where a sheet wider than A4 breaks across pages (after which columns), each page
        holding the repeated `title_columns` and as many columns as fit at 100 %."""
        widths = [column.width or 0 for column in self.columns]
        room = A4_WIDTH[self.landscape]
        if sum(widths) <= room:
            return []
        repeated = title_width(title_columns, widths)
        breaks, used = [], sum(widths[: title_count(title_columns)])
        for index in range(title_count(title_columns), len(widths)):
            if used + widths[index] > room and used > repeated:
                breaks.append(index)  # a break after column `index` (1-based: the one before)
                used = repeated
            used += widths[index]
        return breaks

    def page_break_before(self, row: int) -> None:
        """Start a new printed page at `row` (so a chart below a table is never cut)."""
        self.ws.row_breaks.append(Break(id=row - 1))

    @property
    def last_column(self) -> str:
        return get_column_letter(max(1, len(self.columns)))

    def data_range(self, column_index: int) -> str:
        """A1 range of one column's data rows, e.g. "D2:D120"."""
        letter = get_column_letter(column_index)
        return f"{letter}2:{letter}{max(2, self.data_end or self.rows_written)}"

    def end_data(self) -> int:
        """Mark the data rows' end, before total rows go below; returns the last data row."""
        self.data_end = self.rows_written
        return self.data_end

    def close(self) -> None:
        if self.autofilter:
            self.ws.auto_filter.ref = f"A1:{self.last_column}{max(1, self.data_end or self.rows_written)}"


PAGE_NUMBERS = "&P / &N 쪽"


def decimal_number(value) -> tuple[int | float, str]:
    """A KPI value as written and its format: whole numbers without decimals, others with up to
    four."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value), INTEGER
    return float(value), DECIMAL


def header_height(columns: Sequence[Column]) -> float:
    """Points for a header row tall enough for its longest wrapped header (a Hangul syllable is
    two digits wide)."""
    lines = 1
    for column in columns:
        wide = sum(2 if ord(char) >= 0x1100 else 1 for char in column.header)
        lines = max(lines, math.ceil(wide / max(1.0, (column.width or 1) - 1)))
    return 4 + 12 * min(lines, 4)


def title_count(title_columns: str | None) -> int:
    """How many columns "A:C" repeats (3); titles always start at column A here."""
    if not title_columns:
        return 0
    return column_index_from_string(title_columns.split(":")[-1])


def title_width(title_columns: str | None, widths: Sequence[float]) -> float:
    return sum(widths[: title_count(title_columns)])


def money_header(text: str, unit: Unit) -> str:
    """Every money header states the unit: "예산현액 (천원)"."""
    return f"{text} ({unit.label})"


def subtotal(column_index: int, first: int, last: int) -> str:
    """=SUBTOTAL(9, …) over a column's rows: a sum that follows the autofilter."""
    letter = get_column_letter(column_index + 1)
    return f"=SUBTOTAL(9,{letter}{first}:{letter}{max(first, last)})"


def sum_of(column_index: int, rows: Sequence[int]) -> str:
    """=SUM of chosen rows of a column (a total of the top programs, or of 소계 rows)."""
    letter = get_column_letter(column_index + 1)
    if not rows:
        return "=0"
    return "=SUM(" + ",".join(f"{letter}{row}" for row in rows) + ")"


class _Nowhere(io.RawIOBase):
    """A file that keeps nothing: where a failed build's workbook is saved to end its sheets."""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return len(data)
