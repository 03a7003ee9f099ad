"""Pieces both workbooks share: the report's options, the cover sheet, names in the report's
language, labels."""

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.selectors import KpiProgress, KpiStatus, ProgramNode, Scope
from reports.builders.xlsx import (
    BODY_FONT,
    BOX,
    CENTER,
    DATE,
    HEADER_ALIGNMENT,
    HEADER_FILL,
    HEADER_FONT,
    LABEL_FONT,
    LEFT,
    MONEY,
    PERCENT,
    PLAIN_FONT,
    RIGHT,
    TITLE_FONT,
    TOTAL_BORDER,
    TOTAL_FILL,
    TOTAL_FONT,
    Book,
    Column,
    Page,
    Progress,
    Unit,
)

DATETIME = "yyyy-mm-dd hh:mm"
OFFICE = "광주광역시 인공지능산업실"  # the workbook's author, in every language


@dataclass(frozen=True)
class Options:
    """What a report was asked for with, as the builders use it."""

    as_of: datetime.date | None
    root: str | None
    language: str
    fiscal_year: int
    unit: Unit
    requested_by: str = ""

    @classmethod
    def asked(
        cls, as_of, root, language: str, fiscal_year: int | None, unit: str, requested_by: str
    ) -> "Options":
        """The options of a build as a builder's keyword arguments give them (fiscal year: the
        as-of day's year unless asked; unit: a ReportUnit value)."""
        year = fiscal_year or (as_of or timezone.localdate()).year
        return cls(as_of, root or None, language, year, unit_of(unit), requested_by)

    @property
    def day(self) -> datetime.date:
        """The 기준일: the as-of day, or today for live data."""
        return self.as_of or timezone.localdate()

    def day_text(self) -> str:
        """ "기준일 2026-12-03", with "(실시간)" in words beside it when the data is live."""
        text = _("As of %(day)s") % {"day": f"{self.day:%Y-%m-%d}"}
        if self.as_of:
            return text
        live = _("live data")
        return f"{text} ({live})"

    def book(self, title: str, progress: Progress, *, subject: str) -> Book:
        book = Book(progress, unit=self.unit, page=Page(title=title, day=self.day_text()))
        book.describe(title=title, creator=OFFICE, subject=subject, day=self.day)
        return book


def unit_of(unit: str) -> Unit:
    """The builders' Unit for a ReportUnit value (won, thousand, million, eok)."""
    from reports.models import ReportUnit

    choice = ReportUnit(unit)
    return Unit(divisor=choice.divisor, label=str(choice.label))


def name(node_or_kpi, language: str) -> str:
    """The English name when the report is in English and one is kept, else the Korean one."""
    if language == "en" and node_or_kpi.name_en:
        return node_or_kpi.name_en
    return node_or_kpi.name_ko


def rate(value) -> float | None:
    """Execution rate and % achieved come from the selectors in percent; Excel wants a fraction."""
    return None if value is None else float(value) / 100


def label(choices, value) -> str:
    return str(choices(value).label)


def yes_no(flag: bool) -> str:
    return _("Yes") if flag else ""


def scope_label(scope: Scope, language: str) -> str:
    if scope.root is None:
        return _("All programs")
    return f"{scope.root.code} {name(scope.root, language)}"


def program_names(nodes: Sequence[ProgramNode], language: str) -> dict[int, tuple[str, str]]:
    """Program id → (code, name) for the ledgers, which store only the program id."""
    return {node.id: (node.code, name(node, language)) for node in nodes}


def status_counts(kpis: Sequence[KpiProgress]) -> list[tuple[str, int]]:
    """(status label, count) in the fixed order of KpiStatus, leaving out statuses with none."""
    counts = Counter(kpi.status for kpi in kpis)
    return [(str(status.label), counts[status]) for status in KpiStatus if counts[status]]


class Cover:
    """A portrait cover: the title, the office, the report's particulars, then small tables of
    the summary (each with its 합계 as a formula), fitting one printed page."""

    WIDTHS = (20, 16, 16, 10, 20)  # 82 units: within A4 portrait

    def __init__(self, book: Book, title: str, *, options: Options, scope: Scope, index: int | None = None):
        self.book = book
        self.sheet = book.sheet(
            _("Cover"),
            [Column("", width) for width in self.WIDTHS],
            header=False,
            freeze=None,
            autofilter=False,
            landscape=False,
            index=index,
        )
        self.line(self.sheet.cell(title, font=TITLE_FONT))
        self.line(self.sheet.cell(OFFICE, font=PLAIN_FONT))
        self.line()
        generated = timezone.localtime().replace(tzinfo=None, microsecond=0)
        live = (
            None
            if options.as_of
            else self.sheet.cell(_("live data (as it stood when built)"), font=PLAIN_FONT)
        )
        self.field(_("As of"), options.day, DATE, live)
        self.field(_("Fiscal year"), _("FY%(year)s") % {"year": options.fiscal_year})
        self.field(_("Scope"), scope_label(scope, options.language))
        self.field(_("Requested by"), options.requested_by or "–")
        self.field(_("Generated at (Korea time)"), generated, DATETIME)
        self.field(_("Money unit"), book.unit.label)
        self.line()

    def line(self, *cells) -> None:
        self.sheet.append_raw(cells)

    def heading(self, text: str) -> None:
        self.line(self.sheet.cell(text, font=LABEL_FONT))

    def field(self, label: str, value, number_format: str | None = None, *extra) -> None:
        """A label, its value with a number format, and optional further cells (a note)."""
        value_cell = None
        if value is not None:
            value_cell = self.sheet.cell(value, number_format=number_format, alignment=LEFT)
        self.line(self.sheet.cell(str(label), font=LABEL_FONT), value_cell, *extra)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence], kinds: Sequence[str],
              totals: dict[int, str] | None = None) -> None:  # fmt: skip
        """A small bordered table: `kinds` per column ("text", "money", "integer", "percent");
        `totals` (column index → formula template with {first} and {last} rows, {row} for the
        total's own row) adds a 합계 row."""
        sheet = self.sheet
        self.line(*(sheet.cell(str(text), font=HEADER_FONT, alignment=HEADER_ALIGNMENT, fill=HEADER_FILL,
                               border=BOX) for text in headers))  # fmt: skip
        first = sheet.rows_written + 1
        for values in rows:
            self.line(*(self._cell(value, kind) for value, kind in zip(values, kinds, strict=True)))
        if totals is not None:
            last, row = sheet.rows_written, sheet.rows_written + 1
            cells = [
                sheet.cell(
                    _("Total"), font=TOTAL_FONT, alignment=CENTER, fill=TOTAL_FILL, border=TOTAL_BORDER
                )
            ]
            for index, kind in enumerate(kinds[1:], 1):
                formula = totals.get(index)
                value = formula.format(first=first, last=max(first, last), row=row) if formula else None
                style = {"font": TOTAL_FONT, "alignment": RIGHT, "fill": TOTAL_FILL, "border": TOTAL_BORDER}
                cells.append(sheet.formula(value, number_format=FORMATS.get(kind), **style) if value else
                             sheet.cell(None, **style))  # fmt: skip
            self.line(*cells)

    def _cell(self, value, kind: str):
        if kind == "money":
            return self.sheet.money(value)
        if kind == "text":
            return self.sheet.cell(value, font=BODY_FONT, alignment=LEFT, border=BOX)
        return self.sheet.cell(
            value, number_format=FORMATS.get(kind), font=BODY_FONT, alignment=RIGHT, border=BOX
        )

    def note(self, *sentences: str) -> None:
        """Notes under the tables, a line each (a line holds about 90 characters of the page)."""
        for text in sentences:
            self.line(self.sheet.cell(text, font=BODY_FONT))

    def close(self) -> None:
        self.sheet.close()


FORMATS = {"money": MONEY, "integer": "#,##0", "percent": PERCENT, "date": DATE}
