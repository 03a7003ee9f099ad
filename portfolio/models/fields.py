"""The model field for money: whole won in a 64-bit column, typed in forms as people say it."""

from django.db import models

from portfolio.amounts import validate_within_ceiling
from portfolio.forms import AmountField, AmountInput


class WonField(models.BigIntegerField):
    """Whole won. Every row obeys the ceiling (AMOUNT_CEILING_WON); forms accept `5억`, `1조 2,000억원`,
    … through AmountField. `signed=True` where money moved out is negative."""

    default_validators = [validate_within_ceiling]

    def __init__(self, *args, signed: bool = False, **kwargs):
        self.signed = signed
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.signed:
            kwargs["signed"] = True
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        # The admin hands every big-integer column its number box, which cannot take `5억` (the
        # browser sends the 5 alone): money always gets the amount box instead.
        if not isinstance(kwargs.get("widget"), AmountInput):
            kwargs["widget"] = AmountInput(signed=self.signed)
        return super().formfield(**{"form_class": AmountField, "signed": self.signed, **kwargs})
