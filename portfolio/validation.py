"""Rules for inputs that are not rows of a model: the as-of day a report or page reads at."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portfolio.models import FISCAL_YEAR_MIN


def validate_as_of(day: datetime.date) -> None:
    """A day to read the change history at: not in the future (Seoul time), not before 2000."""
    if day > timezone.localdate():
        raise ValidationError(_("The as-of day cannot be in the future."), code="future")
    if day.year < FISCAL_YEAR_MIN:
        raise ValidationError(
            _("The as-of day must be in %(year)s or later."),
            code="too_early",
            params={"year": FISCAL_YEAR_MIN},
        )
