"""Streaming .xlsx helpers on openpyxl's write-only mode: styled columns, safe text, progress.

Every sheet is write-only, so a sheet of 200,000 rows costs the memory of one row. Styled cells
are made once per column and reused for every row (openpyxl writes a row as soon as it is
appended), which is the cheapest way to give whole-won amounts their number format. Only
openpyxl's public API is used; text safety (formulas, control characters) is
`portfolio.spreadsheets`, which the imports share.
"""

import io
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
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from portfolio.spreadsheets import clean_text, has_illegal_characters, is_formula_like, quote, write_text

MONEY = "#,##0"  # whole won
EOK = "#,##0.0"  # 억원
PERCENT = "0.0%"
INTEGER = "#,##0"
DECIMAL = "#,##0.0###"
DATE = "yyyy-mm-dd"

SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
HEADER_BORDER = Border(bottom=Side(style="thin", color="7F8FA6"))
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
TITLE_FONT = Font(bold=True, size=16)
LABEL_FONT = Font(bold=True)

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
    "money" (whole won), "eok" (억원), "percent" (a fraction shown as %), "integer",
    "decimal" (KPI values: whole numbers without decimals, others with up to four), "date".
    """

    header: str
    width: float = 14
    kind: str = "code"


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
    """A write-only workbook whose sheets are added in order and saved once."""

    def __init__(self, progress: Progress | None = None):
        self.workbook = Workbook(write_only=True)
        self.progress = progress or Progress(0)

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


class Sheet:
    """One streamed sheet: header row, frozen panes, autofilter, widths and print set-up.

    Widths, the frozen header and the header row must be written before the first data row
    (write-only sheets are written top to bottom); the autofilter range is set on `close()`.
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
    ):
        self.book = book
        self.ws = book.workbook.create_sheet(title, index)
        self.columns = list(columns)
        self.rows_written = 0
        self.autofilter = autofilter and header and bool(self.columns)
        self._header_row = None
        self._conversions = [
            (index, convert)
            for index, convert in enumerate(self._converter(column) for column in self.columns)
            if convert is not None
        ]
        self._indent_cells: dict[int, Cell] = {}

        for index, column in enumerate(self.columns, 1):
            self.ws.column_dimensions[get_column_letter(index)].width = column.width
        if freeze and header and self.columns:
            self.ws.freeze_panes = freeze
        self._print_setup(landscape)
        if header and self.columns:
            self._header_row = 1
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
    ) -> Cell:
        """A one-off styled cell (for small sheets); long sheets reuse the column templates."""
        if isinstance(value, str):
            cell = write_text(WriteOnlyCell(self.ws), value)
        else:
            cell = WriteOnlyCell(self.ws, value=value)
        if number_format:
            cell.number_format = number_format
        if font:
            cell.font = font
        if alignment:
            cell.alignment = alignment
        if fill:
            cell.fill = fill
        return cell

    def header_cell(self, text: str) -> Cell:
        cell = self.cell(str(text), font=HEADER_FONT, alignment=HEADER_ALIGNMENT, fill=HEADER_FILL)
        cell.border = HEADER_BORDER
        return cell

    def _converter(self, column: Column) -> Callable | None:
        """How a value of this column becomes what openpyxl writes (None values stay empty);
        None for columns written as they are."""
        formats = {"money": MONEY, "eok": EOK, "percent": PERCENT, "integer": INTEGER, "date": DATE}
        if column.kind == "text":
            return self.text
        if column.kind == "decimal":
            return self.decimal
        if column.kind in formats:
            template = WriteOnlyCell(self.ws)
            template.number_format = formats[column.kind]

            def styled(value):
                if isinstance(value, Cell):
                    return value
                template.value = float(value) if isinstance(value, Decimal) else value
                return template

            return styled
        # "code": our own codes (slugs), labels and numbers. A slug holds no "=" and no control
        # characters, and labels are ours, so they are written as they are.
        return None

    def indented(self, text: str, depth: int) -> Cell | str:
        """Tree names: indentation as cell alignment, so the text itself stays clean for filters."""
        if depth <= 0:
            return self.text(text)
        cell = self._indent_cells.get(depth)
        if cell is None:
            cell = self._indent_cells[depth] = WriteOnlyCell(self.ws)
            cell.alignment = Alignment(horizontal="left", indent=min(depth, 15))
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
        row = list(values)
        for index, convert in self._conversions:
            value = row[index]
            if value is not None:
                row[index] = convert(value)
        self.ws.append(row)
        self.rows_written += 1
        self.book.progress.step()

    def append_raw(self, values: Sequence) -> None:
        """Write cells as given (cover and chart blocks), without counting them as progress."""
        self.ws.append(list(values))
        self.rows_written += 1

    def extend(self, rows: Iterable[Sequence]) -> None:
        for values in rows:
            self.append(values)

    def decimal(self, value):
        if value is None or isinstance(value, Cell):
            return value
        value = Decimal(value)
        cell = WriteOnlyCell(self.ws)
        if value == value.to_integral_value():
            cell.value = int(value)
            cell.number_format = INTEGER
        else:
            cell.value = float(value)
            cell.number_format = DECIMAL
        return cell

    # --- finishing -------------------------------------------------------------------------------

    def _print_setup(self, landscape: bool) -> None:
        setup = self.ws.page_setup
        setup.orientation = "landscape" if landscape else "portrait"
        setup.paperSize = 9  # A4
        setup.fitToWidth = 1
        setup.fitToHeight = 0  # as many pages down as needed
        self.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        self.ws.print_options.gridLines = False

    @property
    def last_column(self) -> str:
        return get_column_letter(max(1, len(self.columns)))

    def data_range(self, column_index: int) -> str:
        """A1 range of one column's data rows, e.g. "D2:D120"."""
        letter = get_column_letter(column_index)
        return f"{letter}2:{letter}{max(2, self.rows_written)}"

    def close(self) -> None:
        if self.autofilter:
            self.ws.auto_filter.ref = f"A1:{self.last_column}{max(1, self.rows_written)}"


class _Nowhere(io.RawIOBase):
    """A file that keeps nothing: where a failed build's workbook is saved to end its sheets."""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return len(data)
