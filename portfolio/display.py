"""Display strings for money and quantities: `6,000억원`, `10조 1,000억원`, `₩600.0B`, `650명`.

Amounts are whole won (int); these functions only format and never round a stored value.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

# Korean counts money in groups of four digits: 만 (10^4), 억 (10^8), 조 (10^12), 경 (10^16).
_KO_UNITS = ((10**16, "경"), (10**12, "조"), (10**8, "억"), (10**4, "만"))
_EN_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"))
UNKNOWN = "–"  # a figure nobody entered: not 0원


def won_ko(amount: int | None) -> str:
    """Korean: every non-zero 4-digit group with its unit, e.g. 10,100,000,000,000 → "10조 1,000억원".

    Exact, so two different amounts never print alike; "–" for an amount nobody entered.
    """
    if amount is None:
        return UNKNOWN
    amount = int(amount)
    if amount == 0:
        return "0원"
    sign, rest = ("-" if amount < 0 else ""), abs(amount)
    parts = []
    for size, unit in _KO_UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count:,}{unit}")
    if rest:
        parts.append(f"{rest:,}")
    return sign + " ".join(parts) + "원"


def won_full(amount: int | None) -> str:
    """The admin's form: `6,000억원 (600,000,000,000원)`; "–" for an amount nobody entered."""
    if amount is None:
        return UNKNOWN
    korean, digits = won_ko(amount), f"{int(amount):,}원"
    return korean if korean == digits else f"{korean} ({digits})"


def won_en(amount: int | None) -> str:
    """English, one decimal in the largest unit: ₩600.0B, ₩10.1T, ₩35.0M; below a million, exact."""
    if amount is None:
        return UNKNOWN
    amount = int(amount)
    sign, value = ("-" if amount < 0 else ""), abs(amount)
    for index, (size, unit) in enumerate(_EN_UNITS):
        if value >= size:
            scaled = (Decimal(value) / size).quantize(Decimal("0.1"), ROUND_HALF_UP)
            # 999.96B rounds to 1000.0B: say ₩1.0T instead.
            if scaled >= 1000 and index > 0:
                size, unit = _EN_UNITS[index - 1]
                scaled = (Decimal(value) / size).quantize(Decimal("0.1"), ROUND_HALF_UP)
            return f"{sign}₩{scaled:,}{unit}"
    return f"{sign}₩{value:,}"


def eok(amount: int | None) -> Decimal | None:
    """Amount in 억원 (10^8 won), for report columns that managers read in 억."""
    if amount is None:
        return None
    return Decimal(int(amount)) / 10**8


def number(value: Decimal | int | float | None) -> str:
    """Thousands separators, no trailing zeros: Decimal("2500.0000") → "2,500"; 12.5 → "12.5"."""
    if value is None:
        return ""
    value = Decimal(str(value))
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def quantity_ko(value: Decimal | int | None, unit: str) -> str:
    """A number with its Korean unit written on: 2,500대, 650명, 120MW, 60,000t."""
    if value is None:
        return ""
    return f"{number(value)}{unit}"


def quantity_en(value: Decimal | int | None, unit_en: str) -> str:
    """A number with its English unit after a space: 2,500 GPUs, 120 MW."""
    if value is None:
        return ""
    return f"{number(value)} {unit_en}".rstrip()


def percent(value: Decimal | float | None, places: int = 1) -> str:
    if value is None:
        return "–"
    quantum = Decimal(1).scaleb(-places)
    return f"{Decimal(str(value)).quantize(quantum, ROUND_HALF_UP)}%"


def precise_date_ko(day: datetime.date | None, precision: str = "day") -> str:
    """A date only as precisely as it is known (a milestone's date precision): `2026년`,
    `2026년 12월`, `2026-12-31`."""
    if day is None:
        return ""
    if precision == "year":
        return f"{day.year}년"
    if precision == "month":
        return f"{day.year}년 {day.month}월"
    return f"{day:%Y-%m-%d}"
