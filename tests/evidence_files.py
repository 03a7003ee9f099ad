"""Small but real files of each kind kept as evidence, made in memory for the tests."""

import io
import struct
import zipfile

from openpyxl import Workbook
from PIL import Image

END_OF_CHAIN, FREE, FAT_SECTOR, NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR = 512


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, kind)
    return out.getvalue()


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["증빙", 1])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def hwpx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", "application/hwp+zip")
        package.writestr("Contents/section0.xml", "<hs:sec/>")
    return out.getvalue()


def _directory_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NO_STREAM, NO_STREAM, child)
        + b"\0" * 16  # class id
        + b"\0" * 4  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)
    )


def ole(stream_name: str, data: bytes) -> bytes:
    """A compound file (the container of .hwp and .xls) holding one stream. The stream is padded
    to 4,096 bytes so that it lives in ordinary sectors, which keeps the writer short."""
    data = data.ljust(4096, b"\0")
    data_sectors = len(data) // SECTOR
    fat = [FAT_SECTOR, END_OF_CHAIN] + [2 + i + 1 for i in range(data_sectors - 1)] + [END_OF_CHAIN]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREE) * 108
    )
    directory = (
        _directory_entry("Root Entry", 5, 1, END_OF_CHAIN, 0)
        + _directory_entry(stream_name, 2, NO_STREAM, 2, len(data))
        + _directory_entry("", 0, NO_STREAM, 0, 0) * 2
    )
    return header + struct.pack(f"<{SECTOR // 4}I", *fat) + directory + data


def hwp() -> bytes:
    return ole("FileHeader", b"HWP Document File".ljust(32, b"\0") + b"\x00\x05\x00\x05")


def xls() -> bytes:
    return ole("Workbook", b"\x09\x08\x10\x00\x00\x06\x05\x00")


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 200 + b"PE\0\0"
