"""Code lists shared by several models: funding sources, budget stages, the fiscal-year range."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

FISCAL_YEAR_MIN = 2000
FISCAL_YEAR_MAX = 2100

year_validators = [
    MinValueValidator(FISCAL_YEAR_MIN, _("Year must be %(limit_value)s or later.")),
    MaxValueValidator(FISCAL_YEAR_MAX, _("Year must be %(limit_value)s or earlier.")),
]


def validate_date_in_range(value: datetime.date) -> None:
    if not FISCAL_YEAR_MIN <= value.year <= FISCAL_YEAR_MAX:
        raise ValidationError(
            _("Dates must lie between %(min)s and %(max)s."),
            code="date_out_of_range",
            params={"min": FISCAL_YEAR_MIN, "max": FISCAL_YEAR_MAX},
        )


amount_validators = [MinValueValidator(0, _("Amount must not be negative."))]


class FundingSource(models.TextChoices):
    NATIONAL = "national", _("National")
    CITY = "city", _("City")
    PROVINCE = "province", _("Province")
    PRIVATE = "private", _("Private")
    OTHER = "other", _("Other")


# Supplementary budgets (추경) are numbered; a council rarely passes more than a handful a year.
MAX_SUPPLEMENTARY_ROUNDS = 20


def _supplementary_label(round_number: int):
    return format_lazy(_("Supplementary budget {round}"), round=round_number)


# Ordered: a later stage supersedes an earlier one for the same year and source. 계획 (1) and
# 본예산 (2), then 1차 추경 (3), 2차 추경 (4), …; SUPPLEMENTARY is the first round, so rows saved as
# "추경" before rounds were numbered read as 1차 추경 without any change to the data.
BudgetStage = models.IntegerChoices(
    "BudgetStage",
    [
        ("PLAN", (1, _("Plan"))),
        ("ORIGINAL", (2, _("Original budget"))),
        ("SUPPLEMENTARY", (3, _supplementary_label(1))),
        *(
            (f"SUPPLEMENTARY_{n}", (n + 2, _supplementary_label(n)))
            for n in range(2, MAX_SUPPLEMENTARY_ROUNDS + 1)
        ),
    ],
)


def supplementary_stage(round_number: int) -> int:
    """The stage of the n-th supplementary budget (1차 추경 → 3)."""
    if not 1 <= round_number <= MAX_SUPPLEMENTARY_ROUNDS:
        raise ValueError(f"Supplementary rounds run from 1 to {MAX_SUPPLEMENTARY_ROUNDS}.")
    return round_number + 2


def supplementary_round(stage: int) -> int | None:
    """The round of a supplementary stage (3 → 1), None for 계획 and 본예산."""
    return stage - 2 if stage >= BudgetStage.SUPPLEMENTARY else None


class AdjustmentKind(models.TextChoices):
    """What makes 예산현액 besides the adopted budget (지방재정 세출 집행현황)."""

    CARRIED_EXPLICIT = "carried_explicit", _("Explicit carry-over in")  # 명시이월
    CARRIED_ACCIDENT = "carried_accident", _("Accident carry-over in")  # 사고이월
    CARRIED_CONTINUING = "carried_continuing", _("Continuing-expense carry-over in")  # 계속비이월
    RESERVE = "reserve", _("Reserve fund")  # 예비비
    TRANSFER_ITEM = "transfer_item", _("Transfer between items")  # 이용
    TRANSFER_SUBITEM = "transfer_subitem", _("Transfer between sub-items")  # 전용
    TRANSFER_AGENCY = "transfer_agency", _("Transfer between agencies")  # 이체
    REVENUE_SUBSTITUTION = "revenue_substitution", _("Revenue-substitution expense")  # 수입대체경비

    @classmethod
    def carry_ins(cls) -> tuple["AdjustmentKind", ...]:
        return (cls.CARRIED_EXPLICIT, cls.CARRIED_ACCIDENT, cls.CARRIED_CONTINUING)

    @classmethod
    def transfers(cls) -> tuple["AdjustmentKind", ...]:
        return (cls.TRANSFER_ITEM, cls.TRANSFER_SUBITEM, cls.TRANSFER_AGENCY)


class ExecutionKind(models.TextChoices):
    COMMITMENT = "commitment", _("Commitment")  # 원인행위: a contract or grant decision
    PAYMENT = "payment", _("Payment")  # 지출
    REFUND = "refund", _("Returned payment")  # 반납: a positive amount, subtracted from 지출


# Zero-width and text-direction controls (U+200B–U+200F, U+202A–U+202E, U+2066–U+2069, U+FEFF):
# invisible on screen, they make two codes that look alike differ, or show a name reversed
# ("right-to-left override"), so a reader cannot trust what they see.
HIDDEN_CHARACTERS = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ufeff"]
)


def validate_no_hidden_characters(value: str) -> None:
    """Codes and names are plain visible text: refuse invisible and direction-changing characters."""
    for position, char in enumerate(value, start=1):
        if char in HIDDEN_CHARACTERS:
            raise ValidationError(
                _("Invisible or text-direction characters are not allowed (U+%(code)s, character %(n)s)."),
                code="hidden_character",
                params={"code": f"{ord(char):04X}", "n": position},
            )


plain_text_validators = [validate_no_hidden_characters]
