"""Cells are read as the office writes them where the meaning is clear, and refused with a
Korean message naming the rule where a guess could put a wrong figure in the books."""

import datetime
from decimal import Decimal

import pytest

from imports.resources import RESOURCES
from imports.widgets import AmountWidget, CellError, ChoiceWidget, DateWidget, DecimalWidget, IntegerWidget
from portfolio.amounts import ACCEPTED_FORMS
from portfolio.models import FundingSource, Milestone


@pytest.mark.parametrize(
    "cell",
    [
        1500000,
        1500000.0,
        "1500000",
        "1,500,000",
        "1,500,000원",
        "₩1,500,000",
        " 1 500 000 ",
        "1,500,000 원",
        "150만",
        "150만원",
        "1,500천원",
        "0.015억",
    ],
)
def test_it_reads_amounts_with_separators_and_won(cell):
    assert AmountWidget().clean(cell) == 1_500_000


def test_it_reads_amounts_in_eok_and_jo_as_the_admin_does():
    assert AmountWidget().clean("6,000억원") == 600_000_000_000
    assert AmountWidget().clean("1조 2,000억원") == 1_200_000_000_000


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (-5, "금액은 음수일 수 없습니다: -5."),
        ("-1,000원", "금액은 음수일 수 없습니다: -1,000원."),
        ("abc", f"금액으로 읽을 수 없는 값입니다: ‘abc’. {ACCEPTED_FORMS} 같은 형태로 적어 주세요."),
        ("1,5", f"금액으로 읽을 수 없는 값입니다: ‘1,5’. {ACCEPTED_FORMS} 같은 형태로 적어 주세요."),
        (1234.5, "금액은 소수점 없는 원 단위여야 합니다: 1234.5."),
        ("1,234.5", "1원 단위로 떨어지지 않는 금액입니다: ‘1,234.5’. 원 미만은 적을 수 없습니다."),
        ("1,000조 1원", "금액은 1,000조원까지만 적을 수 있습니다."),
        (10**15 + 1, "금액은 1,000조원까지만 적을 수 있습니다."),
        (True, "‘True’은(는) 원 단위 금액이 아닙니다. 숫자로 적어 주세요."),
    ],
)
def test_it_refuses_negative_fractional_and_non_numeric_amounts(cell, message):
    with pytest.raises(CellError) as error:
        AmountWidget().clean(cell)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "cell",
    [
        datetime.datetime(2026, 1, 31),
        datetime.date(2026, 1, 31),
        46053,  # the Excel serial number of 2026-01-31, from a cell not formatted as a date
        "2026-01-31",
        "2026.01.31",
        "2026/1/31",
        "2026. 1. 31.",
        "2026년 1월 31일",
        "20260131",
        "2026-01-31 00:00:00",
    ],
)
def test_it_reads_excel_dates_and_the_usual_ways_of_writing_one(cell):
    assert DateWidget().clean(cell) == datetime.date(2026, 1, 31)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2026-02-30", "‘2026-02-30’은(는) 달력에 없는 날짜입니다."),
        (
            "31/01/2026",
            "‘31/01/2026’은(는) 날짜가 아닙니다. 2026-01-31, 2026.01.31, 2026/1/31처럼 적어 주세요.",
        ),
        ("다음 주", "‘다음 주’은(는) 날짜가 아닙니다. 2026-01-31, 2026.01.31, 2026/1/31처럼 적어 주세요."),
        (2026, "‘2026’은(는) 날짜가 아닙니다."),
    ],
)
def test_it_refuses_what_is_not_a_day(cell, message):
    with pytest.raises(CellError) as error:
        DateWidget().clean(cell)
    assert str(error.value) == message


@pytest.mark.parametrize("cell", ["국비", "national", "National", "NATIONAL", " 국비 ", "국고"])
def test_it_reads_funding_sources_in_korean_or_english(cell):
    widget = ChoiceWidget(FundingSource, aliases={"국고": "national"})
    assert widget.clean(cell) == FundingSource.NATIONAL


@pytest.mark.parametrize(
    ("cell", "stage"),
    [("본예산", 2), ("Original budget", 2), ("original", 2), (2, 2), ("2", 2), ("추경", 3), ("계획", 1)],
)
def test_it_reads_budget_stages_by_name_or_number(cell, stage):
    # The budget-lines column's widget: 추경 (before rounds were numbered) is the first round.
    widget = RESOURCES["budget-lines"]().fields["stage"].widget
    assert widget.clean(cell) == stage


def test_it_names_the_allowed_values_when_a_code_is_unknown():
    with pytest.raises(CellError) as error:
        ChoiceWidget(FundingSource).clean("복권기금")
    assert (
        str(error.value)
        == "‘복권기금’은(는) 허용된 값이 아닙니다. 다음 중 하나로 적어 주세요: 국비, 시비, 도비, 민자, 기타."
    )


def test_it_reads_milestone_statuses_in_korean():
    assert ChoiceWidget(Milestone.Status).clean("진행 중") == "in_progress"
    assert ChoiceWidget(Milestone.Status).clean("완료") == "done"


@pytest.mark.parametrize(("cell", "value"), [(650, 650), ("1,200", 1200), ("650명", 650), (12.0, 12)])
def test_it_reads_whole_numbers_with_separators_and_units(cell, value):
    assert IntegerWidget(suffixes=("명",)).clean(cell) == value


@pytest.mark.parametrize(
    ("cell", "value"), [(0.1, Decimal("0.1")), ("1,234.5", Decimal("1234.5")), (650, Decimal(650))]
)
def test_it_reads_figures_exactly(cell, value):
    assert DecimalWidget().clean(cell) == value
