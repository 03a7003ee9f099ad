"""Evidence files: which kinds are accepted, and checking that a file is what its name says.

A name can lie, so the first bytes decide: a PDF starts with %PDF-, a PNG and a JPEG with their
signatures, an HWP or an .xls is an OLE container holding the streams of its kind, an HWPX or an
.xlsx is a zip holding the parts of its kind, and a CSV is text (UTF-8 or CP949, no NUL bytes).
The extension must name the kind the content shows. Size is limited by EVIDENCE_MAX_UPLOAD_MB.
"""

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

import olefile
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _

SNIFF_BYTES = 8192  # enough for every signature and for judging a CSV's text
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HWP_SIGNATURE = b"HWP Document File"
HWPX_MIMETYPE = b"application/hwp+zip"


@dataclass(frozen=True)
class Kind:
    key: str
    extensions: tuple[str, ...]
    content_type: str


PDF = Kind("pdf", (".pdf",), "application/pdf")
HWP = Kind("hwp", (".hwp",), "application/x-hwp")
HWPX = Kind("hwpx", (".hwpx",), "application/hwp+zip")
PNG = Kind("png", (".png",), "image/png")
JPEG = Kind("jpeg", (".jpg", ".jpeg"), "image/jpeg")
XLSX = Kind("xlsx", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
XLS = Kind("xls", (".xls",), "application/vnd.ms-excel")
CSV = Kind("csv", (".csv",), "text/csv")
KINDS = (PDF, HWP, HWPX, PNG, JPEG, XLSX, XLS, CSV)
BY_EXTENSION = {extension: kind for kind in KINDS for extension in kind.extensions}
ACCEPTED = ", ".join(extension for kind in KINDS for extension in kind.extensions)


def max_bytes() -> int:
    return settings.EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024


def extension(name: str) -> str:
    return PurePath(name).suffix.lower()


def _rewind(handle: IO[bytes]) -> None:
    handle.seek(0)


def sniff(handle: IO[bytes]) -> Kind | None:
    """The kind the content shows, or None when it is none of the accepted kinds."""
    _rewind(handle)
    head = handle.read(SNIFF_BYTES)
    _rewind(handle)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(handle)
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(handle)
    if _is_text(head):
        return CSV
    return None


def _sniff_ole(handle: IO[bytes]) -> Kind | None:
    try:
        with olefile.OleFileIO(handle) as ole:
            if ole.exists("FileHeader") and ole.openstream("FileHeader").read(32).startswith(HWP_SIGNATURE):
                return HWP
            if ole.exists("Workbook") or ole.exists("Book"):
                return XLS
    except OSError:
        pass
    finally:
        _rewind(handle)
    return None


def _sniff_zip(handle: IO[bytes]) -> Kind | None:
    try:
        with zipfile.ZipFile(handle) as package:
            names = set(package.namelist())
            # Read only a small mimetype entry: a large one could be a zip bomb.
            if "mimetype" in names and package.getinfo("mimetype").file_size <= 100:
                if package.read("mimetype").strip() == HWPX_MIMETYPE:
                    return HWPX
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return XLSX
    except (zipfile.BadZipFile, OSError, KeyError):
        pass
    finally:
        _rewind(handle)
    return None


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    # The sample may end in the middle of a character: judge the text before its last few bytes.
    sample = head if len(head) < SNIFF_BYTES else head[:-4]
    for encoding in ("utf-8-sig", "cp949"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def validate_evidence_file(file: File) -> None:
    """Refuse a file that is too large, empty, of a kind not accepted, or whose content is not
    what its extension says. Raises ValidationError with a Korean message."""
    name = PurePath(file.name or "").name
    if file.size is not None and file.size > max_bytes():
        raise ValidationError(
            _("The file %(name)s is %(size).1f MB; evidence files may be up to %(limit)s MB."),
            code="too_large",
            params={"name": name, "size": file.size / 1024 / 1024, "limit": settings.EVIDENCE_MAX_UPLOAD_MB},
        )
    if not file.size:
        raise ValidationError(_("The file %(name)s is empty."), code="empty", params={"name": name})
    expected = BY_EXTENSION.get(extension(name))
    if expected is None:
        raise ValidationError(
            _("%(name)s is not a kind of file kept as evidence. Accepted: %(accepted)s."),
            code="kind",
            params={"name": name, "accepted": ACCEPTED},
        )
    file.open("rb")
    found = sniff(file)
    if found != expected:
        raise ValidationError(
            _(
                "The content of %(name)s is not a %(extension)s file. Upload the document itself, "
                "saved in its own format."
            ),
            code="content",
            params={"name": name, "extension": extension(name)},
        )


def kind_of(name: str) -> Kind:
    """The accepted kind a (validated) file name names."""
    return BY_EXTENSION[extension(name)]
