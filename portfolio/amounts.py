"""Amounts of won as people type them: `500,000,000`, `5억`, `1조 2,000억원`, `3천만원`, `12.5억`.

One parser for every way money comes in (admin forms, spreadsheet imports), and the ceiling no
stored amount may pass. Amounts are whole won (int); a typed value that is not a whole number of
won is refused rather than rounded.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portfolio.display import won_ko

# Korean groups money in 만 (10^4), 억 (10^8), 조 (10^12); 천/백/십 multiply a number before them.
BIG_UNITS = {"조": 10**12, "억": 10**8, "만": 10**4}
SMALL_UNITS = {"천": 10**3, "백": 10**2, "십": 10}
# Digits, grouped by threes with commas or spaces (as spreadsheets print them), and a decimal part.
NUMBER = r"(?:\d{1,3}(?:[,\s]\d{3})+|\d+)(?:\.\d+)?"
PLAIN_WON = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
TERM = re.compile(rf"(?P<number>{NUMBER})(?P<small>[천백십])?(?P<big>[조억만])?")
MINUS_SIGNS = ("-", "−", "△", "▲")  # Korean budget documents write △ for a negative amount
SPACES_AROUND_UNITS = re.compile(r"\s*([조억만천백십원])\s*")

ACCEPTED_FORMS = "500000000, 500,000,000, 5억, 5억원, 6,000억, 1조 2,000억원, 3천만원, 1,234천원, 12.5억"


def ceiling() -> int:
    return settings.AMOUNT_CEILING_WON


def validate_within_ceiling(value: int | None) -> None:
    """Model validator: no row holds more than AMOUNT_CEILING_WON won (either sign)."""
    if value is not None and abs(value) > ceiling():
        raise ValidationError(
            _("An amount may be at most %(ceiling)s."),
            code="above_ceiling",
            params={"ceiling": won_ko(ceiling())},
        )


def _not_understood(text: str) -> ValidationError:
    return ValidationError(
        _("“%(value)s” is not an amount of won. Write it like %(forms)s."),
        code="invalid",
        params={"value": text, "forms": ACCEPTED_FORMS},
    )


def parse_won(text: str, *, signed: bool = False) -> int:
    """Whole won from typed text; ValidationError (Korean message) for anything else.

    `signed` allows a leading minus (-, −, △, ▲), for amounts that move money out.
    """
    raw = str(text)
    if PLAIN_WON.fullmatch(raw):  # most cells of a CSV import: no units to read
        amount = int(raw.replace(",", ""))
        validate_within_ceiling(amount)
        return amount
    body = SPACES_AROUND_UNITS.sub(r"\1", raw.replace("\u00a0", " ").replace("\u3000", " ")).strip()
    body = body.removeprefix("₩").removeprefix("￦").strip()
    negative = body.startswith(MINUS_SIGNS)
    if negative:
        if not signed:
            raise ValidationError(_("Amount must not be negative."), code="negative")
        body = body[1:].strip()
    body = body.removesuffix("원")
    if not body:
        raise _not_understood(raw.strip())

    total = Decimal(0)
    position = 0
    last_big = None  # units must come largest first: 1조 2,000억, never 2,000억 1조
    while position < len(body):
        match = TERM.match(body, position)
        if match is None or (last_big is not None and last_big <= 1):
            raise _not_understood(raw.strip())
        big = BIG_UNITS[match["big"]] if match["big"] else 1
        if last_big is not None and big >= last_big:
            raise _not_understood(raw.strip())
        small = SMALL_UNITS[match["small"]] if match["small"] else 1
        total += Decimal(re.sub(r"[,\s]", "", match["number"])) * small * big
        last_big = big
        position = match.end()

    if total != total.to_integral_value():
        raise ValidationError(
            _("“%(value)s” is not a whole number of won."), code="not_whole", params={"value": raw.strip()}
        )
    amount = -int(total) if negative else int(total)
    validate_within_ceiling(amount)
    return amount
