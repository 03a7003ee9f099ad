"""Reading files: every row is read whatever size a sheet declares, the row count that picks the
request or a worker is the real one, and row numbers are the ones Excel shows."""

import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from imports.packages import CHUNK, PackageRejected, check_package
from imports.readers import estimate_rows, open_sheet
from portfolio.models import BudgetLine
from tests.imports.conftest import BUDGET_HEADER, SHEET_XML, run, write_csv, write_xlsx


def declare_dimension(path: Path, ref: str) -> Path:
    """Rewrite the <dimension ref> of every sheet inside the package, as a careless writer might."""
    lied = path.with_name(f"lied-{path.name}")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(lied, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename.startswith("xl/worksheets/"):
                data, found = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
                assert found == 1
            target.writestr(entry, data)
    return lied


def ten_budget_lines(tmp_path: Path) -> Path:
    rows = [BUDGET_HEADER] + [
        ["AX-VALLEY", 2020 + n, "국비", "본예산", 1_000 * (n + 1), f"줄 {n + 1}"] for n in range(10)
    ]
    return declare_dimension(write_xlsx(tmp_path / "ten.xlsx", rows), "A1:G5")


@pytest.mark.django_db
def test_a_sheet_declaring_fewer_rows_than_it_holds_is_previewed_and_applied_whole(tmp_path, programs):
    path = ten_budget_lines(tmp_path)
    with zipfile.ZipFile(path) as package:  # the file says five rows (a header and four lines)
        assert b'<dimension ref="A1:G5"' in package.read("xl/worksheets/sheet1.xml")
    preview, results = run("budget-lines", path, dry_run=True)
    assert not preview.failed and preview.rows == 10
    assert [result.number for result in results] == list(range(2, 12))
    applied, _ = run("budget-lines", path)
    assert applied.written and applied.rows == 10
    assert sorted(BudgetLine.objects.values_list("fiscal_year", "amount", "note")) == [
        (2020 + n, 1_000 * (n + 1), f"줄 {n + 1}") for n in range(10)
    ]


def test_the_row_count_that_picks_a_worker_ignores_the_declared_dimension(tmp_path):
    assert estimate_rows(ten_budget_lines(tmp_path)) == 11
    with open_sheet(ten_budget_lines(tmp_path)) as sheet:
        assert sheet.estimated_rows == 11
        assert len(list(sheet.rows)) == 11


def test_columns_past_the_declared_dimension_are_read_too(tmp_path):
    path = declare_dimension(
        write_xlsx(tmp_path / "wide.xlsx", [["a", "b", "c", "d"], [1, 2, 3, 4]]), "A1:B2"
    )
    with open_sheet(path) as sheet:
        assert [row.values for row in sheet.rows] == [["a", "b", "c", "d"], [1, 2, 3, 4]]


def test_the_estimate_counts_the_rows_of_an_excel_file(tmp_path):
    path = tmp_path / "excel.xlsx"
    book = xlsxwriter.Workbook(str(path))  # writes the <dimension> tag as Excel does
    sheet = book.add_worksheet()
    for row in range(3_000):
        sheet.write_row(row, 0, ["AX-VALLEY", row, "국비"])
    book.close()
    assert estimate_rows(path) == 3_000


def test_the_estimate_counts_rows_where_the_writer_leaves_out_the_dimension_and_lines_of_a_csv(tmp_path):
    rows = [["AX-VALLEY", "2026-03-02", "시비", 1000 + n, f"설명 {n}", f"V-{n}"] for n in range(3_000)]
    assert estimate_rows(write_xlsx(tmp_path / "openpyxl.xlsx", rows)) == 3_000
    assert estimate_rows(write_csv(tmp_path / "rows.csv", rows)) == 3_000


def test_rows_are_numbered_as_excel_shows_them_blank_rows_included(tmp_path):
    path = write_xlsx(tmp_path / "gaps.xlsx", [["a"], [], ["b"], [None, None], ["c"]])
    with open_sheet(path) as sheet:
        assert [(row.number, row.values[0]) for row in sheet.rows] == [(1, "a"), (3, "b"), (5, "c")]


def test_rows_are_counted_exactly_across_the_chunks_a_sheet_is_read_in(tmp_path):
    path = tmp_path / "long.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for row in range(40_000):  # about 4 MB of sheet XML: four chunks
        sheet.write_row(row, 0, ["AX-VALLEY", row, "국비", "본예산"])
    book.close()
    assert check_package(path).rows == 40_000


def test_a_text_too_long_for_a_cell_is_found_where_it_straddles_two_chunks(tmp_path, settings):
    settings.IMPORT_MAX_CELL_CHARS = 1_000  # so 10,001 bytes without a tag are too long
    path = tmp_path / "straddle.xlsx"
    template = write_xlsx(tmp_path / "template.xlsx", [["x"]])
    filler = b'<row r="1"><c r="A1"><v>1</v></c></row>' * ((CHUNK - 6_000) // 39)
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                target.writestr(entry, source.read(entry))
        sheet = SHEET_XML + filler + b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        sheet += b"B" * 10_001 + b"</t></is></c></row></sheetData></worksheet>"
        assert len(sheet) - 10_001 < CHUNK < len(sheet)  # the text begins in one chunk and ends in the next
        target.writestr("xl/worksheets/sheet1.xml", sheet)
    with pytest.raises(PackageRejected, match="1,000"):
        check_package(path)
