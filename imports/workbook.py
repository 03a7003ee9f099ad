"""Excel files the import reads back: the downloadable template of each kind and the admin's
export. Headers as the import expects them, dropdowns for codes, number and date formats, an
instructions sheet, and (templates only) two rows of clearly marked example data.

Written with openpyxl in write-only mode, so an export of 100,000 rows streams. Text is always
written as text by the rule the reports follow (`portfolio.spreadsheets`): one that starts with
=, +, -, @, a tab or a carriage return is a string with Excel's quote prefix, so it becomes a
formula neither here nor when the cell is edited later, and control characters a workbook cannot
hold are dropped. Numbers, negative ones too, stay numbers.
"""

import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from import_export.formats import base_formats
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from imports.columns import Column
from imports.resources import SpreadsheetResource
from imports.widgets import ChoiceWidget, LookupWidget
from portfolio.spreadsheets import write_text

EXAMPLE_PROGRAM = "예시-사업"  # not a valid program code (codes are Latin), so it can never be imported
EXAMPLE_INDICATOR = "예시-지표"
VALIDATED_ROWS = 5_000  # dropdowns reach this far below the last row
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
KEY_FILL = PatternFill("solid", fgColor="833C0B")
EXAMPLE_FONT = Font(italic=True, color="7F7F7F")


def example_rows(resource: SpreadsheetResource) -> list[dict]:
    """Two rows showing the formats; every one names a program or indicator that cannot exist."""
    note = _("Example row: delete it before importing.")
    examples = {
        "budget-lines": [
            {"program": EXAMPLE_PROGRAM, "fiscal_year": 2026, "funding_source": "national", "stage": 2,
             "amount": 1_200_000_000, "note": note},
            {"program": EXAMPLE_PROGRAM, "fiscal_year": 2026, "funding_source": "city", "stage": 3,
             "amount": 350_000_000, "note": note},
        ],
        "budget-adjustments": [
            {"program": EXAMPLE_PROGRAM, "fiscal_year": 2026, "funding_source": "national",
             "kind": "reserve", "amount": 200_000_000, "adjusted_on": datetime.date(2026, 5, 1),
             "basis": "예비비 사용 승인 제12호", "note": note},
            {"program": EXAMPLE_PROGRAM, "fiscal_year": 2026, "funding_source": "national",
             "kind": "transfer_subitem", "amount": -100_000_000, "adjusted_on": datetime.date(2026, 6, 1),
             "basis": "전용 승인 제3호", "note": note},
        ],
        "executions": [
            {"program": EXAMPLE_PROGRAM, "executed_on": datetime.date(2026, 3, 31),
             "funding_source": "national", "kind": "commitment", "amount": 45_000_000,
             "description": note, "reference": "EX-2026-001"},
            {"program": EXAMPLE_PROGRAM, "executed_on": datetime.date(2027, 2, 5),
             "funding_source": "city", "kind": "payment", "fiscal_year": 2026, "amount": 12_500_000,
             "description": note, "reference": ""},
        ],
        "year-end-closes": [
            {"program": EXAMPLE_PROGRAM, "fiscal_year": 2026, "funding_source": "national",
             "carried_out_explicit": 2_000_000_000, "carried_out_accident": 600_000_000,
             "carried_out_continuing": 0},
            {"program": EXAMPLE_PROGRAM, "fiscal_year": 2026, "funding_source": "city",
             "carried_out_explicit": 0, "carried_out_accident": 0, "carried_out_continuing": 0},
        ],
        "milestones": [
            {"program": EXAMPLE_PROGRAM, "title_ko": note, "planned_date": datetime.date(2026, 6, 30),
             "date_precision": "day", "status": "planned"},
            {"program": EXAMPLE_PROGRAM, "title_ko": _("Example row: a milestone known only by its year"),
             "planned_date": datetime.date(2027, 12, 31), "date_precision": "year", "status": "planned"},
        ],
        "indicator-readings": [
            {"indicator": EXAMPLE_INDICATOR, "period": datetime.date(2026, 6, 30), "value": Decimal(12),
             "note": note},
            {"indicator": EXAMPLE_INDICATOR, "period": datetime.date(2026, 12, 31), "value": Decimal("27.5"),
             "note": note},
        ],
        "firms": [
            {"program": EXAMPLE_PROGRAM, "name": _("Example Ltd. (example row)"),
             "attracted_on": datetime.date(2026, 5, 20), "jobs": 15, "note": note},
            {"program": EXAMPLE_PROGRAM, "name": _("Sample AI Inc. (example row)"),
             "attracted_on": datetime.date(2026, 9, 1), "jobs": 0, "note": note},
        ],
    }  # fmt: skip
    rows = []
    for example in examples[resource.kind]:
        row = []
        for column in resource.columns():
            value = example.get(column.attribute)
            if isinstance(column.widget, LookupWidget) or value is None:
                row.append(value or "")
            else:
                row.append(column.widget.render(value))
        rows.append(row)
    return rows


def template_workbook(resource: SpreadsheetResource) -> bytes:
    return build_workbook(
        resource, [c.header for c in resource.columns()], example_rows(resource), examples=True
    )


def build_workbook(
    resource: SpreadsheetResource,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    examples: bool = False,
) -> bytes:
    """A workbook with the data sheet first (the one the import reads), then instructions and
    the codes the dropdowns offer."""
    by_header = {column.header: column for column in resource.columns()}
    columns: list[Column | None] = [by_header.get(header) for header in headers]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(resource.title)[:31])
    codes_sheet_name = _("Codes")
    lists = _code_lists(resource)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width if column else 14
        if column and column.number_format:
            sheet.column_dimensions[letter].number_format = column.number_format
    sheet.freeze_panes = "A2"

    header_cells = []
    for header, column in zip(headers, columns, strict=True):
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = HEADER_FONT
        cell.fill = KEY_FILL if column and column.attribute in resource.key else HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        header_cells.append(cell)
    sheet.append(header_cells)

    written = 0
    for row in rows:
        sheet.append(
            [_cell(sheet, value, column, examples) for value, column in zip(row, columns, strict=False)]
        )
        written += 1

    last = written + 1 + VALIDATED_ROWS
    for index, column in enumerate(columns, start=1):
        validation = _validation(column, lists, codes_sheet_name)
        if validation:
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{last}")
            sheet.data_validations.append(validation)

    _instructions(book.create_sheet(_("Instructions")), resource)
    codes = book.create_sheet(codes_sheet_name)
    codes.sheet_state = "hidden"
    titles = list(lists)
    codes.append(titles)
    for values in _zip_longest(*lists.values()):
        codes.append(values)

    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _cell(sheet, value, column: Column | None, example: bool):
    if isinstance(value, str):
        cell = write_text(WriteOnlyCell(sheet), value)
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if column and column.number_format and not isinstance(value, str):
        cell.number_format = column.number_format
    if example:
        cell.font = EXAMPLE_FONT
    return cell


def _code_lists(resource: SpreadsheetResource) -> dict[str, list[str]]:
    lists = {}
    for column in resource.columns():
        if isinstance(column.widget, LookupWidget):
            widget = column.widget
            lists[column.header] = list(
                widget.model._default_manager.order_by(widget.field).values_list(widget.field, flat=True)
            )
    return lists


def _validation(
    column: Column | None, lists: dict[str, list[str]], codes_sheet: str
) -> DataValidation | None:
    if column is None:
        return None
    if isinstance(column.widget, ChoiceWidget):
        formula = '"' + ",".join(column.widget.labels()) + '"'
    elif lists.get(column.header):
        position = list(lists).index(column.header) + 1
        letter = get_column_letter(position)
        formula = f"{quote_sheetname(codes_sheet)}!${letter}$2:${letter}${len(lists[column.header]) + 1}"
    else:
        return None
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=not column.required,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=column.header,
        error=column.widget.describe(),
    )


def _instructions(sheet, resource: SpreadsheetResource) -> None:
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["C"].width = 10
    sheet.column_dimensions["D"].width = 90
    bold = Font(bold=True)
    title = WriteOnlyCell(sheet, value=_("How to fill in this sheet: %(kind)s") % {"kind": resource.title})
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    for line in _rules(resource):
        sheet.append([None, None, None, line])
    sheet.append([])
    sheet.append([WriteOnlyCell(sheet, value=text) for text in (_("Column"), _("Also read as"), _("Required"),
                                                                 _("What it holds"))])  # fmt: skip
    for column in resource.columns():
        name = WriteOnlyCell(sheet, value=column.header)
        name.font = bold
        needed = _("key") if column.attribute in resource.key else (_("yes") if column.required else "")
        sheet.append([name, column.english, needed, column.widget.describe()])


def _rules(resource: SpreadsheetResource) -> list[str]:
    rules = [
        _("The first row holds the column names; columns may come in any order, and English names work too."),
        _("A row whose key columns (brown) match a stored row changes that row; otherwise it is added."),
        _("Formulas are refused: the value Excel computed is not trusted. Paste figures as values."),
        _("Upload the file for a preview first; if any row has an error, nothing is saved."),
        _("Delete the two grey example rows before importing: their codes do not exist."),
    ]
    if resource.kind == "executions":
        rules.append(
            _(
                "Executions with a reference (문서 번호) are matched by it. A row without one matches a "
                "stored execution without a reference whose values are all the same, and is otherwise "
                "added: to correct an amount by import, give executions a reference."
            )
        )
    if resource.kind == "budget-adjustments":
        rules.append(
            _(
                "구분: 명시이월, 사고이월, 계속비이월 (carried in from the year before), 예비비, 이용, 전용, "
                "이체, 수입대체경비. Money moved out by 이용, 전용 or 이체 is negative; every other kind "
                "is positive. A row is matched by 사업코드, 회계연도, 재원, 구분, 일자 and 근거 together."
            )
        )
    if resource.kind == "executions":
        rules.append(
            _(
                "구분: 원인행위, 지출 or 반납 (empty: 지출). 회계연도: empty means the year of the date; a "
                "payment or return made in the closing period (up to 10 February) may name the year before."
            )
        )
    if resource.kind == "year-end-closes":
        rules.append(
            _(
                "Each row closes one program, fiscal year and funding source, as the admin's 연도 마감 "
                "does: the carry-overs go into the next year and 불용액 is worked out (the preview "
                "shows it). A year already closed with the same amounts is left as it is; to change "
                "a close, reopen it in the admin first. Close one year per file."
            )
        )
    return rules


def _zip_longest(*lists: list[str]):
    length = max((len(values) for values in lists), default=0)
    for index in range(length):
        yield [values[index] if index < len(values) else None for values in lists]


class ImportReadyXLSX(base_formats.XLSX):
    """django-import-export's Excel export, written as the import reads it (see build_workbook)."""

    resource_class: type[SpreadsheetResource] | None = None

    @classmethod
    def for_resource(cls, resource_class: type[SpreadsheetResource]) -> type["ImportReadyXLSX"]:
        return type(f"ImportReadyXLSX_{resource_class.__name__}", (cls,), {"resource_class": resource_class})

    def can_import(self) -> bool:
        return False  # imports go through the preview of the imports app

    def export_data(self, dataset, **kwargs) -> bytes:
        return build_workbook(self.resource_class(), dataset.headers, dataset)
