"""Pieces both workbooks share: the cover sheet, names in the report's language, labels."""

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.selectors import KpiProgress, KpiStatus, ProgramNode, Scope
from reports.builders.xlsx import DATE, LABEL_FONT, TITLE_FONT, Book, Column

DATETIME = "yyyy-mm-dd hh:mm"


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


def program_names(nodes: Iterable[ProgramNode], language: str) -> dict[int, tuple[str, str]]:
    """Program id → (code, name) for the ledgers, which store only the program id."""
    return {node.id: (node.code, name(node, language)) for node in nodes}


def status_counts(kpis: Sequence[KpiProgress]) -> list[tuple[str, int]]:
    """(status label, count) in the fixed order of KpiStatus, leaving out statuses with none."""
    counts = Counter(kpi.status for kpi in kpis)
    return [(str(status.label), counts[status]) for status in KpiStatus if counts[status]]


class Cover:
    """A two-column cover: a title, then label/value lines in blocks."""

    def __init__(
        self,
        book: Book,
        title: str,
        *,
        as_of: datetime.date | None,
        scope: Scope,
        language: str,
        index: int | None = None,
    ):
        self.sheet = book.sheet(
            _("Cover"),
            [Column("", 34), Column("", 26), Column("", 18), Column("", 40)],
            header=False,
            freeze=None,
            autofilter=False,
            landscape=False,
            index=index,
        )
        self.line(self.sheet.cell(title, font=TITLE_FONT))
        self.line()
        generated = timezone.localtime().replace(tzinfo=None, microsecond=0)
        self.field(_("As of"), as_of or _("Now (live data)"), DATE if as_of else None)
        self.field(_("Generated at (Korea time)"), generated, DATETIME)
        self.field(_("Scope"), scope_label(scope, language))
        self.line()

    def line(self, *cells) -> None:
        self.sheet.append_raw(cells)

    def heading(self, text: str) -> None:
        self.line(self.sheet.cell(text, font=LABEL_FONT))

    def field(self, label: str, value, number_format: str | None = None, *extra) -> None:
        """A label, its value with a number format, and optional further cells (a 억원 figure, a note)."""
        self.line(
            self.sheet.cell(str(label), font=LABEL_FONT),
            self.sheet.cell(value, number_format=number_format) if value is not None else None,
            *extra,
        )

    def close(self) -> None:
        self.sheet.close()
