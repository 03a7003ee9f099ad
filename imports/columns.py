"""Spreadsheet columns: a header in Korean (what templates and exports write), the English and
other names an import also reads, the cell parser, and the shared columns of several kinds."""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _
from import_export import fields

from imports.widgets import (
    AmountWidget,
    ChoiceWidget,
    DateWidget,
    IntegerWidget,
    LookupWidget,
    TextWidget,
    normalise,
)
from portfolio.models import FundingSource, Program, Source


class Column(fields.Field):
    """One spreadsheet column: its Korean header (what templates and exports write), the English
    and other names an import also accepts, its parser, and whether a row must fill it.

    `keep_when_empty`: an empty cell leaves the stored value alone (new rows get the default)
    instead of clearing it; for columns whose empty value is not a value (status, jobs).
    """

    def __init__(
        self,
        attribute: str,
        header: str,
        *,
        english: str,
        widget,
        required: bool = False,
        aliases: Iterable[str] = (),
        keep_when_empty: bool = False,
        number_format: str | None = None,
        width: int = 14,
    ):
        super().__init__(attribute=attribute, column_name=header, widget=widget)
        self.english = english
        self.required = required
        self.names = {normalise(name) for name in (header, english, attribute, *aliases)}
        self.keep_when_empty = keep_when_empty
        self.number_format = number_format
        self.width = width
        self.attname = attribute  # set to program_id etc. by the resource

    @property
    def header(self) -> str:
        return self.column_name

    @property
    def is_lookup(self) -> bool:
        return isinstance(self.widget, LookupWidget)


def program_column() -> Column:
    return Column(
        "program",
        "사업코드",
        english="program code",
        aliases=("사업 코드", "program", "사업"),
        required=True,
        widget=LookupWidget(
            Program, "code", unknown_message=_("There is no program with the code %(value)s.")
        ),
    )


def source_column() -> Column:
    return Column(
        "source",
        "출처",
        english="source",
        aliases=("출처 키", "source key"),
        widget=LookupWidget(Source, "key", unknown_message=_("There is no source with the key %(value)s.")),
    )


def note_column(width: int = 30) -> Column:
    return Column("note", "비고", english="note", widget=TextWidget(), width=width)


def amount_column() -> Column:
    return Column(
        "amount",
        "금액(원)",
        english="amount (won)",
        aliases=("금액", "amount", "amount won", "원"),
        required=True,
        widget=AmountWidget(),
        number_format="#,##0",
        width=20,
    )


def funding_source_column() -> Column:
    return Column(
        "funding_source",
        "재원",
        english="funding source",
        aliases=("재원구분", "재원 구분", "source of funds"),
        required=True,
        widget=ChoiceWidget(
            FundingSource,
            aliases={"국고": FundingSource.NATIONAL, "시비(자체)": FundingSource.CITY, "민간": "private"},
        ),
    )


def date_column(attribute: str, header: str, english: str, *, required: bool = False, **kwargs) -> Column:
    return Column(
        attribute,
        header,
        english=english,
        required=required,
        widget=DateWidget(),
        number_format="yyyy-mm-dd",
        width=13,
        **kwargs,
    )


def fiscal_year_column() -> Column:
    return Column(
        "fiscal_year",
        "회계연도",
        english="fiscal year",
        aliases=("연도", "year", "예산연도"),
        required=True,
        widget=IntegerWidget(suffixes=("년", "년도")),
        number_format="0",
        width=10,
    )
