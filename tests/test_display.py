from decimal import Decimal

import pytest

from portfolio.display import eok, number, percent, quantity_en, quantity_ko, won_en, won_ko


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "0원"),
        (1, "1원"),
        (9_999, "9,999원"),
        (10_000, "1만원"),
        (35_001_234, "3,500만 1,234원"),
        (99_999_999, "9,999만 9,999원"),  # just under 1억
        (100_000_000, "1억원"),
        (600_000_000_000, "6,000억원"),
        (999_999_999_999, "9,999억 9,999만 9,999원"),
        (1_000_000_000_000, "1조원"),  # exactly 1조
        (10_100_000_000_000, "10조 1,000억원"),
        (1_234_567_890_123_456, "1,234조 5,678억 9,012만 3,456원"),
        (10**16, "1경원"),
        (-600_000_000_000, "-6,000억원"),
        (None, "–"),  # unknown, not 0원
    ],
)
def test_won_ko_writes_korean_units(amount, expected):
    assert won_ko(amount) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "₩0"),
        (999_999, "₩999,999"),
        (1_000_000, "₩1.0M"),
        (35_000_000, "₩35.0M"),
        (600_000_000_000, "₩600.0B"),
        (999_960_000_000, "₩1.0T"),  # rounds up into the next unit
        (1_000_000_000_000, "₩1.0T"),
        (10_100_000_000_000, "₩10.1T"),
        (2_345_000_000_000_000, "₩2,345.0T"),
        (-600_000_000_000, "-₩600.0B"),
    ],
)
def test_won_en_writes_one_decimal_in_the_largest_unit(amount, expected):
    assert won_en(amount) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("2500.0000"), "대", "2,500대"),
        (650, "명", "650명"),
        (Decimal(120), "MW", "120MW"),
        (Decimal(60000), "t", "60,000t"),
        (Decimal("12.5000"), "%", "12.5%"),
        (None, "명", ""),
    ],
)
def test_quantity_ko_writes_the_unit_on(value, unit, expected):
    assert quantity_ko(value, unit) == expected


def test_quantity_en_puts_a_space_before_the_unit():
    assert quantity_en(Decimal(2500), "GPUs") == "2,500 GPUs"
    assert quantity_en(Decimal(120), "MW") == "120 MW"


def test_helpers_for_report_columns():
    assert eok(600_000_000_000) == Decimal(6000)
    assert number(Decimal("0.5000")) == "0.5"
    assert percent(Decimal("33.333")) == "33.3%"
    assert percent(None) == "–"
