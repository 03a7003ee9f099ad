"""Opening an uploaded spreadsheet safely, then reading it row by row.

Checks come first and refuse the whole file with a plain message: too large, password-protected,
an old .xls, corrupt, a workbook that unpacks to too much (see `packages`), or a text file in
neither UTF-8 nor CP949. Rows are then streamed (openpyxl read-only, csv) so memory does not grow
with the file, and every row is read whatever size the sheet declares. A cell longer than
IMPORT_MAX_CELL_CHARS refuses the file, naming the cell. Formulas are read as formulas, not as
the value Excel last computed, so the importer can refuse them.
"""

import codecs
import csv
import io
import logging
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import olefile
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from imports.packages import PackageRejected, check_package

logger = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT_ENCODINGS = ("utf-8-sig", "cp949")  # what Korean Excel writes for "CSV UTF-8" and "CSV"
BLANK = (None, "")


class FileRejected(Exception):
    """The file as a whole cannot be imported; the message (translated) says why."""


@dataclass(slots=True)
class SheetRow:
    number: int  # as Excel or a text editor shows it: the header is usually row 1
    values: list
    formulas: tuple[int, ...] = ()  # positions of cells holding a formula (or its error)


@dataclass
class Sheet:
    """The rows of a file, streamed; `estimated_rows` is known without reading them all."""

    rows: Iterator[SheetRow]
    estimated_rows: int | None
    closers: list = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()

    def __enter__(self) -> "Sheet":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def max_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024


def too_large_message(size: int) -> str:
    return _("The file is %(size).1f MB; files up to %(limit)s MB can be imported.") % {
        "size": size / 1024 / 1024,
        "limit": settings.IMPORT_MAX_UPLOAD_MB,
    }


def open_sheet(path: str | os.PathLike) -> Sheet:
    """Check the file and return its rows; raises FileRejected with the reason."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise FileRejected(_("There is no file %(name)s.") % {"name": path.name}) from None
    except OSError:  # a folder, or a file this process may not read
        raise FileRejected(
            _("The file %(name)s cannot be opened: it is a folder, or reading it is not allowed.")
            % {"name": path.name}
        ) from None
    if size > max_bytes():
        raise FileRejected(too_large_message(size))
    if size == 0:
        raise FileRejected(_("The file is empty."))
    if head.startswith(ZIP_MAGIC):
        return _open_xlsx(path)
    if head == OLE_MAGIC:
        raise FileRejected(_ole_reason(path))
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        raise FileRejected(_("The file is damaged or is not an Excel workbook (.xlsx)."))
    return _open_csv(path)


def _ole_reason(path: Path) -> str:
    """Excel wraps a password-protected .xlsx in the same container as an old .xls."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            encrypted = ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage")
    except OSError:
        return _("The file is damaged or is not an Excel workbook (.xlsx).")
    if encrypted:
        return _(
            "The file is protected by a password. Open it in Excel, remove the password "
            "(File → Info → Protect Workbook) and upload it again."
        )
    return _("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) and upload it again.")


def estimate_rows(path: str | os.PathLike) -> int | None:
    """How many rows a file has, to decide between the request and a worker: the rows a
    workbook's first sheet really holds (never the size it declares), the lines of a CSV. None
    when the file will be refused anyway; the import then says why."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
        if head.startswith(ZIP_MAGIC):
            return check_package(path).rows
        if head == OLE_MAGIC:
            return None
        return _count_lines(path)
    except (OSError, zipfile.BadZipFile, PackageRejected):
        return None


def max_cell_chars() -> int:
    return settings.IMPORT_MAX_CELL_CHARS


def cell_too_long(*, row: int, column: int, length: int) -> FileRejected:
    return FileRejected(
        _(
            "Cell %(cell)s (row %(row)s, column %(column)s) holds %(length)s characters; a cell may hold "
            "at most %(limit)s (IMPORT_MAX_CELL_CHARS)."
        )
        % {
            "cell": f"{get_column_letter(column)}{row}",
            "row": row,
            "column": get_column_letter(column),
            "length": f"{length:,}",
            "limit": f"{max_cell_chars():,}",
        }
    )


def _open_xlsx(path: Path) -> Sheet:
    try:
        package = check_package(path)  # before openpyxl reads anything into memory
    except PackageRejected as error:
        raise FileRejected(str(error)) from None
    except zipfile.BadZipFile as error:
        raise FileRejected(_("The file is damaged or is not an Excel workbook (.xlsx).")) from error
    try:
        # data_only=False: a formula arrives as its text, so it can be refused rather than
        # silently replaced by whatever Excel computed when the file was last saved.
        workbook = load_workbook(path, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        # The <dimension> a sheet declares is whatever the program that wrote it said; read-only
        # openpyxl would stop at its last row and column, so every row is read instead.
        sheet.reset_dimensions()
    except Exception as error:  # openpyxl raises many kinds on a broken package
        logger.info("Unreadable workbook %s: %r", path.name, error)
        raise FileRejected(_("The file is damaged or is not an Excel workbook (.xlsx).")) from error
    return Sheet(rows=_xlsx_rows(sheet), estimated_rows=package.rows, closers=[workbook.close])


def _xlsx_rows(sheet) -> Iterator[SheetRow]:
    number = 0
    limit = max_cell_chars()
    try:
        # Missing rows come through as empty ones, so counting gives the row number Excel shows.
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = [cell.value for cell in cells]
            if all(value in BLANK for value in values):
                continue
            for index, value in enumerate(values):
                if isinstance(value, str) and len(value) > limit:
                    raise cell_too_long(row=number, column=index + 1, length=len(value))
            formulas = tuple(
                index for index, cell in enumerate(cells) if cell.data_type in ("f", "e") and cell.value
            )
            yield SheetRow(number=number, values=values, formulas=formulas)
    except FileRejected:
        raise
    except Exception as error:
        logger.info("Workbook broke at row %s: %r", number, error)
        raise FileRejected(
            _("The file is damaged after row %(row)s and cannot be read.") % {"row": number}
        ) from error


def _detect_encoding(path: Path) -> str:
    for encoding in TEXT_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    if b"\x00" in chunk:
                        raise FileRejected(_("The file is not a spreadsheet (.xlsx) or a CSV text file."))
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected(
        _("The CSV file is in neither UTF-8 nor CP949 (EUC-KR). Save it from Excel as “CSV UTF-8”.")
    )


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines


def _open_csv(path: Path) -> Sheet:
    encoding = _detect_encoding(path)
    handle = path.open("r", encoding=encoding, newline="")
    sample = handle.read(64 * 1024)
    handle.seek(0)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    # Only the delimiter is guessed; quoting stays Excel's, which the sniffer sometimes misreads.
    dialect = type("SheetDialect", (csv.excel,), {"delimiter": delimiter})
    return Sheet(rows=_csv_rows(handle, dialect), estimated_rows=_count_lines(path), closers=[handle.close])


def _csv_rows(handle: io.TextIOBase, dialect) -> Iterator[SheetRow]:
    reader = csv.reader(handle, dialect)
    limit = max_cell_chars()
    try:
        for values in reader:
            if all(value.strip() == "" for value in values):
                continue
            for index, value in enumerate(values):
                if len(value) > limit:
                    raise cell_too_long(row=reader.line_num, column=index + 1, length=len(value))
            # A CSV holds no formulas, but a cell written as one would become one when the file
            # is opened in Excel again: refuse it like a formula in a workbook.
            formulas = tuple(
                index for index, value in enumerate(values) if value.startswith("=") and len(value) > 1
            )
            yield SheetRow(number=reader.line_num, values=values, formulas=formulas)
    except csv.Error as error:
        if "field limit" in str(error):  # the csv module's own cap (131,072), far above ours
            raise FileRejected(
                _(
                    "A cell near line %(row)s holds more than %(limit)s characters, more than a cell may "
                    "hold (IMPORT_MAX_CELL_CHARS)."
                )
                % {"row": reader.line_num, "limit": f"{max_cell_chars():,}"}
            ) from error
        raise FileRejected(
            _("The CSV file cannot be read near line %(row)s: %(error)s")
            % {"row": reader.line_num, "error": error}
        ) from error
