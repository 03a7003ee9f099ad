"""Reading files: the row estimate that picks the request or a worker is cheap and close, and
row numbers are the ones Excel shows."""

import xlsxwriter

from imports.readers import estimate_rows, open_sheet
from tests.imports.conftest import write_csv, write_xlsx


def test_the_estimate_reads_excels_dimension_without_parsing_the_sheet(tmp_path):
    path = tmp_path / "excel.xlsx"
    book = xlsxwriter.Workbook(str(path))  # writes the <dimension> tag as Excel does
    sheet = book.add_worksheet()
    for row in range(3_000):
        sheet.write_row(row, 0, ["AX-VALLEY", row, "국비"])
    book.close()
    assert estimate_rows(path) == 3_000


def test_the_estimate_falls_back_on_the_sheet_size_and_on_lines(tmp_path):
    rows = [["AX-VALLEY", "2026-03-02", "시비", 1000 + n, f"설명 {n}", f"V-{n}"] for n in range(3_000)]
    estimate = estimate_rows(write_xlsx(tmp_path / "openpyxl.xlsx", rows))
    assert 1_500 <= estimate <= 6_000
    assert estimate_rows(write_csv(tmp_path / "rows.csv", rows)) == 3_000


def test_rows_are_numbered_as_excel_shows_them_blank_rows_included(tmp_path):
    path = write_xlsx(tmp_path / "gaps.xlsx", [["a"], [], ["b"], [None, None], ["c"]])
    with open_sheet(path) as sheet:
        assert [(row.number, row.values[0]) for row in sheet.rows] == [(1, "a"), (3, "b"), (5, "c")]
