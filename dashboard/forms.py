"""Forms of the dashboard: the as-of day and the fiscal year, and the login (the admin's rules:
staff accounts only)."""

import datetime

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portfolio.models import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN
from portfolio.validation import validate_as_of

FISCAL_YEAR_BOUNDS = _("The fiscal year must be from 2000 to 2100.")  # FISCAL_YEAR_MIN and _MAX


class LoginForm(AdminAuthenticationForm):
    """The admin's own login rules: an active staff account. What the account may then see is
    decided by its permissions, as in the admin."""


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=_("Another day"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD, e.g. 2025-10-24.")},
        help_text=_("Leave empty for today."),
    )
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year"),
        required=False,
        min_value=FISCAL_YEAR_MIN,
        max_value=FISCAL_YEAR_MAX,
        error_messages={
            "invalid": _("Enter the fiscal year as a whole number, e.g. 2026."),
            "min_value": FISCAL_YEAR_BOUNDS,
            "max_value": FISCAL_YEAR_BOUNDS,
        },
        help_text=_("The year of the money and the execution rate; empty for the year of the day shown."),
    )

    def clean_as_of(self) -> datetime.date | None:
        day = self.cleaned_data["as_of"]
        if day is None:
            return None
        validate_as_of(day)
        # Today's figures are the live ones: no need to rebuild them from the history.
        return None if day == timezone.localdate() else day
