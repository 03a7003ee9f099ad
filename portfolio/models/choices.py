"""Code lists shared by several models: funding sources, budget stages, the fiscal-year range."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
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


class BudgetStage(models.IntegerChoices):
    """Ordered: a later stage supersedes an earlier one for the same year and source."""

    PLAN = 1, _("Plan")
    ORIGINAL = 2, _("Original budget")
    SUPPLEMENTARY = 3, _("Supplementary budget")


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
