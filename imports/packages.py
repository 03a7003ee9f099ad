"""Checking an .xlsx package (a zip of XML files) before openpyxl opens it: what it unpacks to,
how many rows its sheet really holds, and that no text in it is longer than a cell may be.

A small upload can unpack to gigabytes (a zip bomb), and openpyxl would read a shared string or
an inline one whole into memory: the sizes the zip's directory declares are checked first, then
the XML is streamed through once, a megabyte at a time, before openpyxl sees any of it. Python's
zipfile never unpacks an entry past the size its directory declares (it stops with a CRC error),
so the declared sizes bound what reading can cost. The rows are counted here, not taken from the
`<dimension>` a sheet declares, which any program writing the file may get wrong.
"""

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

CHUNK = 1 << 20
TAIL = 64  # longer than any row tag
RATIO_FLOOR = 10 * 1024 * 1024  # smaller contents cost little to unpack, however well they pack
ROW = re.compile(rb"<(?:\w+:)?row[\s/>]")
SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s/>]")
# openpyxl holds every shared string in memory; a file within the row limit has at most a few
# distinct texts per row, while a crafted one packs millions of tiny ones into few megabytes.
SHARED_STRINGS_PER_ROW = 4
FIRST_SHEET = re.compile(rb"<(?:\w+:)?sheet\s[^>]*?\w+:id=\"([^\"]+)\"")
RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")
ID = re.compile(rb"\sId=\"([^\"]+)\"")
TARGET = re.compile(rb"\sTarget=\"([^\"]+)\"")
SHARED_STRINGS = "xl/sharedStrings.xml"
# openpyxl reads the workbook's other parts (styles, themes, properties) into memory whole, as
# trees of objects many times their size; Excel's own stay well under this.
OTHER_PART_BYTES = 10 * 1024 * 1024
SMALL_PART = 1 << 20  # workbook.xml and its relationships are a few kB; larger ones are not read
# XML writes a character in at most 10 bytes (&#x10FFFF;), so a stretch of text longer than this
# many bytes times the limit certainly holds more characters than a cell may.
BYTES_PER_CHARACTER = 10


class PackageRejected(Exception):
    """The package as a whole cannot be imported; the message (translated) says why."""


@dataclass(frozen=True)
class Package:
    rows: int  # <row> elements in the first sheet, whatever its <dimension> says


def check_package(path: Path) -> Package:
    """Refuse a package too large unpacked, packed suspiciously tight, or holding a text longer
    than a cell may be; count the first sheet's rows. Raises PackageRejected, or zipfile's
    BadZipFile for a damaged file."""
    with zipfile.ZipFile(path) as package:
        entries = package.infolist()
        _check_sizes(entries)
        sheets = sorted(
            (entry for entry in entries if _is_sheet(entry)), key=lambda entry: _natural(entry.filename)
        )
        if not sheets:
            return Package(rows=0)  # openpyxl will say the file is damaged
        first = _first_sheet(package, {entry.filename for entry in sheets}) or sheets[0].filename
        rows = 0
        for entry in entries:
            if _is_sheet(entry) or entry.filename == SHARED_STRINGS:
                counted = _scan(package, entry, SHARED_STRING if entry.filename == SHARED_STRINGS else ROW)
                rows = counted if entry.filename == first else rows
                if entry.filename == SHARED_STRINGS:
                    _check_shared_strings(counted)
            elif entry.filename.endswith((".xml", ".rels")) and entry.file_size > OTHER_PART_BYTES:
                raise PackageRejected(
                    _(
                        "The workbook's part %(part)s unpacks to %(size)s MB; a workbook's settings and "
                        "styles are far smaller. Save the file again from Excel."
                    )
                    % {"part": entry.filename[:80], "size": f"{entry.file_size / 1024 / 1024:,.0f}"}
                )
    return Package(rows=rows)


def _check_sizes(entries: list[zipfile.ZipInfo]) -> None:
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    limit = settings.IMPORT_MAX_UNZIPPED_MB
    if unpacked > limit * 1024 * 1024:
        raise PackageRejected(
            _(
                "The workbook unpacks to %(size)s MB; workbooks that unpack to at most %(limit)s MB "
                "can be imported (IMPORT_MAX_UNZIPPED_MB). Split it into smaller files."
            )
            % {"size": f"{unpacked / 1024 / 1024:,.0f}", "limit": f"{limit:,}"}
        )
    ratio = settings.IMPORT_MAX_ZIP_RATIO
    if unpacked > RATIO_FLOOR and unpacked > packed * ratio:
        raise PackageRejected(
            _(
                "The workbook unpacks to %(times)s times its size; at most %(limit)s times is accepted "
                "(IMPORT_MAX_ZIP_RATIO). Spreadsheets do not pack that tightly: save it again from Excel."
            )
            % {"times": f"{unpacked // max(packed, 1):,}", "limit": f"{ratio:,}"}
        )


def _is_sheet(entry: zipfile.ZipInfo) -> bool:
    return entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")


def _natural(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _first_sheet(package: zipfile.ZipFile, sheets: set[str]) -> str | None:
    """The part of the workbook's first sheet, the one openpyxl reads, from workbook.xml and its
    relationships; None when they cannot say (the sheets' names then decide)."""
    try:
        book, rels = package.getinfo("xl/workbook.xml"), package.getinfo("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    if book.file_size > SMALL_PART or rels.file_size > SMALL_PART:
        return None
    first = FIRST_SHEET.search(package.read(book))
    if not first:
        return None
    for element in RELATIONSHIP.finditer(package.read(rels)):
        name, target = ID.search(element.group(0)), TARGET.search(element.group(0))
        if name and target and name.group(1) == first.group(1):
            target_path = target.group(1).decode("utf-8", "replace")
            if target_path.startswith("/"):
                part = target_path.lstrip("/")
            else:
                part = str(PurePosixPath("xl") / target_path)
            return part if part in sheets else None
    return None


def _check_shared_strings(count: int) -> None:
    limit = settings.IMPORT_MAX_ROWS * SHARED_STRINGS_PER_ROW
    if count > limit:
        raise PackageRejected(
            _(
                "The workbook holds %(count)s distinct texts; a file of at most %(rows)s rows "
                "(IMPORT_MAX_ROWS) needs at most %(limit)s. Save it again from Excel, or split it."
            )
            % {"count": f"{count:,}", "rows": f"{settings.IMPORT_MAX_ROWS:,}", "limit": f"{limit:,}"}
        )


def _scan(package: zipfile.ZipFile, entry: zipfile.ZipInfo, element: re.Pattern) -> int:
    """Stream one part: count its `element`s (rows, shared strings), and refuse it when a stretch
    of text in it is longer than a cell may hold (openpyxl would read that text whole)."""
    longest = settings.IMPORT_MAX_CELL_CHARS * BYTES_PER_CHARACTER
    too_long = re.compile(rb"[^<>]{%d}" % (longest + 1))
    count, tail, run = 0, b"", 0  # run: bytes since the last < or >, across chunks
    with package.open(entry) as part:
        while chunk := part.read(CHUNK):
            brackets = [index for index in (chunk.find(b"<"), chunk.find(b">")) if index >= 0]
            if not brackets:
                run += len(chunk)
            else:
                run += min(brackets)
                if run > longest or too_long.search(chunk):
                    raise _too_long()
                run = len(chunk) - 1 - max(chunk.rfind(b"<"), chunk.rfind(b">"))
            if run > longest:
                raise _too_long()
            # A row tag may straddle two chunks: count those that start before the last TAIL
            # bytes, and carry those bytes on to the next chunk.
            text = tail + chunk
            cut = len(text) - TAIL
            count += sum(1 for match in element.finditer(text) if match.start() < cut)
            tail = text[max(cut, 0) :]
    return count + len(element.findall(tail))


def _too_long() -> PackageRejected:
    return PackageRejected(
        _("A cell holds more than %(limit)s characters, more than a cell may hold (IMPORT_MAX_CELL_CHARS).")
        % {"limit": f"{settings.IMPORT_MAX_CELL_CHARS:,}"}
    )
