"""Cell parsers for spreadsheet imports, as django-import-export widgets.

Forgiving where the meaning is unambiguous (thousands separators, 원, Excel dates, 2026.01.31,
Korean or English codes), strict where a guess could put a wrong figure in the books. `clean`
raises CellError with a message naming the rule; `render` writes the value back the way the
import reads it, so an exported sheet is itself a valid import.
"""

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from import_export import widgets
from openpyxl.utils.datetime import from_excel

from portfolio.amounts import parse_won, validate_within_ceiling

# Excel serial numbers of 2000-01-01 and 2100-12-31: a bare number outside this range in a date
# column is far more likely a mistake (an amount, a year) than a date.
EXCEL_SERIAL_RANGE = (36526, 73415)
DATE_TEXT = re.compile(
    r"(?P<y>\d{4})\s*(?:[-./]|년)\s*(?P<m>\d{1,2})\s*(?:[-./]|월)\s*(?P<d>\d{1,2})\s*(?:\.|일)?"
    r"(?:\s*[T ]\s*0{1,2}:00(?::00(?:\.0+)?)?)?"
)
DATE_DIGITS = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
WHOLE_NUMBER = re.compile(r"[+-]?\d+")
DECIMAL_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
GROUPED_DIGITS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
SPACES = re.compile(r"[\s\u00a0\u3000]+")


class CellError(ValueError):
    """A cell that cannot be read; the message (already translated) says which rule it breaks."""


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: object) -> str:
    """The value as the user typed it, short enough to quote in a message."""
    text = str(value).strip()
    return text if len(text) <= 30 else text[:29] + "…"


def normalise(text: str) -> str:
    """Compare codes and headers without case, spaces, underscores, hyphens or brackets."""
    return re.sub(r"[\s\u00a0\u3000_\-()\[\]{}·.:/]+", "", str(text)).casefold()


def _without_separators(value: object, *, suffixes: Iterable[str] = (), prefixes: Iterable[str] = ()) -> str:
    text = SPACES.sub("", str(value))
    for prefix in prefixes:
        text = text.removeprefix(prefix)
    for suffix in suffixes:
        text = text.removesuffix(suffix)
    if "," in text:
        if GROUPED_DIGITS.fullmatch(text):
            return text.replace(",", "")
        if DECIMAL_NUMBER.fullmatch(text.replace(",", "")):
            # Commas only as thousands separators: "1,5" or "12,34,567" are not numbers to trust.
            raise CellError(_("%(value)s is not a number.") % {"value": shown(value)})
    return text


class TextWidget(widgets.Widget):
    """Text, trimmed; a whole number typed into a text column (a voucher number) stays `123`."""

    def clean(self, value, row=None, **kwargs) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.datetime):
            value = value.date()
        return str(value).strip()

    def describe(self) -> str:
        return _("Text.")

    def render(self, value, obj=None, **kwargs):
        return value or ""


class AmountWidget(widgets.Widget):
    """Whole won, never negative, read as the admin reads it (portfolio.amounts): 1500000,
    1,500,000, 1,500,000원, ₩1,500,000, 5억, 1조 2,000억원, 3천만원."""

    def clean(self, value, row=None, **kwargs) -> int | None:
        if is_empty(value):
            return None
        if isinstance(value, bool):
            raise CellError(_("%(value)s is not an amount of won.") % {"value": shown(value)})
        if isinstance(value, int):
            number = value
        elif isinstance(value, float | Decimal):
            if value != int(value):
                raise CellError(_("Amounts are whole won, without decimals: %(value)s.") % {"value": value})
            number = int(value)
        else:
            try:
                return parse_won(str(value))
            except ValidationError as error:
                if error.code == "negative":  # the cell quoted, as for a negative number
                    message = _("Amount must not be negative: %(value)s.") % {"value": shown(value)}
                    raise CellError(message) from None
                raise CellError(" ".join(error.messages)) from None
        if number < 0:
            raise CellError(_("Amount must not be negative: %(value)s.") % {"value": shown(value)})
        try:
            validate_within_ceiling(number)
        except ValidationError as error:
            raise CellError(" ".join(error.messages)) from None
        return number

    def describe(self) -> str:
        return _("Whole won, not negative; 1,500,000, 1,500,000원 and 5억 are read too.")

    def render(self, value, obj=None, **kwargs):
        return value


class SignedAmountWidget(AmountWidget):
    """Whole won that may be negative (money moved out by 이용·전용·이체): -100,000,000, and the
    minus signs △ and ▲ that Korean budget documents write."""

    def clean(self, value, row=None, **kwargs) -> int | None:
        if isinstance(value, str):
            text = SPACES.sub("", value)
            for sign in ("△", "▲", "-", "−"):
                if text.startswith(sign):
                    number = super().clean(text[len(sign) :], row, **kwargs)
                    return None if number is None else -number
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value < 0:
            number = super().clean(-value, row, **kwargs)
            return None if number is None else -number
        return super().clean(value, row, **kwargs)

    def describe(self) -> str:
        return _("Whole won; negative (-100,000,000 or △100,000,000) for money moved out.")


class ZeroWhenEmptyAmountWidget(AmountWidget):
    """Whole won where an empty cell means none (a carry-over of nothing), not a missing value."""

    def clean(self, value, row=None, **kwargs) -> int:
        number = super().clean(value, row, **kwargs)
        return 0 if number is None else number

    def describe(self) -> str:
        return _("Whole won, not negative; empty means 0.")


class IntegerWidget(widgets.Widget):
    """A whole number, not negative (jobs, years): 650, 1,200, 650명, 2026년."""

    def __init__(self, *, suffixes: tuple[str, ...] = ()):
        super().__init__(coerce_to_string=False)
        self.suffixes = suffixes

    def clean(self, value, row=None, **kwargs) -> int | None:
        if is_empty(value):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float | Decimal) and value == int(value):
            number = int(value)
        else:
            text = _without_separators(value, suffixes=self.suffixes) if isinstance(value, str) else ""
            if not WHOLE_NUMBER.fullmatch(text):
                raise CellError(_("%(value)s is not a whole number.") % {"value": shown(value)})
            number = int(text)
        if number < 0:
            raise CellError(_("Must not be negative: %(value)s.") % {"value": shown(value)})
        return number

    def describe(self) -> str:
        return _("A whole number, not negative.")

    def render(self, value, obj=None, **kwargs):
        return value


class DecimalWidget(widgets.Widget):
    """A figure such as a KPI reading: 650, 1,234.5, 0.25; Excel's floats kept as written."""

    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        if is_empty(value):
            return None
        if isinstance(value, bool):
            raise CellError(_("%(value)s is not a number.") % {"value": shown(value)})
        if isinstance(value, int | Decimal):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))  # 0.1 stays 0.1, not 0.1000000000000000055…
        text = _without_separators(value)
        if not DECIMAL_NUMBER.fullmatch(text):
            raise CellError(_("%(value)s is not a number.") % {"value": shown(value)})
        try:
            return Decimal(text)
        except InvalidOperation:
            raise CellError(_("%(value)s is not a number.") % {"value": shown(value)}) from None

    def describe(self) -> str:
        return _("A number; 1,234.5 is read too.")

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        # Whole figures as integers and others without trailing zeros, as a person would type them.
        value = value.normalize()
        return int(value) if value == value.to_integral_value() else value


class DateWidget(widgets.Widget):
    """A day: an Excel date, 2026-01-31, 2026.01.31, 2026/1/31, 2026. 1. 31., 2026년 1월 31일, 20260131."""

    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        if is_empty(value):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            if EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1] and float(value).is_integer():
                return from_excel(value).date()
            raise CellError(_("%(value)s is not a date.") % {"value": shown(value)})
        text = str(value).strip()
        match = DATE_TEXT.fullmatch(text) or DATE_DIGITS.fullmatch(text)
        if not match:
            raise CellError(
                _("%(value)s is not a date; write it as 2026-01-31, 2026.01.31 or 2026/1/31.")
                % {"value": shown(value)}
            )
        try:
            return datetime.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            raise CellError(_("%(value)s is not a day in the calendar.") % {"value": shown(value)}) from None

    def describe(self) -> str:
        return _("A date: an Excel date, 2026-01-31, 2026.01.31 or 2026/1/31.")

    def render(self, value, obj=None, **kwargs):
        return value


class ChoiceWidget(widgets.Widget):
    """One of a model's choices, by its code or its Korean or English name (국비, national, National)."""

    def __init__(
        self,
        choices: type[models.Choices],
        *,
        aliases: dict[str, object] | None = None,
        names_ko: dict[object, str] | None = None,
    ):
        super().__init__(coerce_to_string=False)
        self.choices = choices
        self.aliases = aliases or {}
        # The Korean name of each value, where the office's word is not the label's translation
        # (명시이월, 원인행위, 2차 추경): what templates offer and exports write.
        self.names_ko = names_ko or {}

    @cached_property
    def lookup(self) -> dict[str, object]:
        # Built on first use: translations are not ready while modules load.
        lookup: dict[str, object] = {}
        for member in self.choices:
            names = [str(member.value), member.name]
            for language in ("ko", "en"):
                with translation.override(language):
                    names.append(str(member.label))
            for name in names:
                lookup[normalise(name)] = member.value
        for value, name in self.names_ko.items():
            lookup[normalise(name)] = value
        for alias, value in self.aliases.items():
            lookup[normalise(alias)] = value
        return lookup

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        found = self.lookup.get(normalise(value))
        if found is None:
            raise CellError(
                _("%(value)s is not one of: %(allowed)s.")
                % {"value": shown(value), "allowed": self.allowed()}
            )
        return found

    def labels(self) -> list[str]:
        """The names the template's dropdown offers: the Korean labels."""
        with translation.override("ko"):
            return [self.names_ko.get(member.value) or str(member.label) for member in self.choices]

    def allowed(self) -> str:
        return ", ".join(self.labels())

    def describe(self) -> str:
        return _("One of: %(allowed)s (the English codes work too).") % {"allowed": self.allowed()}

    def render(self, value, obj=None, **kwargs):
        if value in (None, ""):
            return ""
        if value in self.names_ko:
            return self.names_ko[value]
        with translation.override("ko"):
            return str(self.choices(value).label)


class StageWidget(ChoiceWidget):
    """Budget stages (계획, 본예산, 1차 추경 … 20차 추경): a message names the first few and the
    last, not all twenty-two; the template's dropdown still offers them all."""

    def allowed(self) -> str:
        labels = self.labels()
        if len(labels) <= 6:
            return ", ".join(labels)
        return ", ".join(labels[:4]) + ", …, " + labels[-1]


class LookupWidget(widgets.Widget):
    """A row in another table named by its code (사업코드, 지표코드, 출처 키), matched exactly.

    `clean` only tidies the text; the importer resolves a whole chunk's codes in one query with
    `resolve`, so a 100,000-row file costs a query per chunk, not per row.
    """

    def __init__(self, model: type[models.Model], field: str, *, unknown_message: str):
        super().__init__(coerce_to_string=False)
        self.model = model
        self.field = field
        self.unknown_message = unknown_message
        self.known: dict[str, int] = {}
        self.codes: dict[int, str] = {}

    def clean(self, value, row=None, **kwargs) -> str | None:
        if is_empty(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def resolve(self, codes: set[str]) -> dict[str, int]:
        """Ids of the codes that exist; remembered for the rest of the file."""
        missing = codes - self.known.keys()
        if missing:
            found = self.model._default_manager.filter(**{f"{self.field}__in": missing})
            for code, pk in found.values_list(self.field, "pk"):
                self.known[code] = pk
                self.codes[pk] = code
        return {code: self.known[code] for code in codes if code in self.known}

    def describe(self) -> str:
        return _("A code that exists already; see the sheet of codes.")

    def code_for(self, pk: int) -> str:
        """The code of a row by its id, for messages and the preview."""
        if pk not in self.codes:
            code = self.model._default_manager.filter(pk=pk).values_list(self.field, flat=True).first()
            self.codes[pk] = str(code or pk)
        return self.codes[pk]

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.field) if value is not None else ""
