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
