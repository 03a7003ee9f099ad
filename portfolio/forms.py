"""Form pieces shared by the admin's money fields: an amount typed as people say it, read back live."""

from django import forms
from django.core.exceptions import ValidationError

from portfolio.amounts import parse_won
from portfolio.display import won_ko


class AmountInput(forms.TextInput):
    """A text box (so `5억` can be typed) with its reading in 억원/조원 beside it, kept current by
    portfolio/amount.js as the user types."""

    template_name = "portfolio/widgets/amount.html"

    class Media:
        js = ("portfolio/amount.js",)
        css = {"all": ("portfolio/amount.css",)}

    def __init__(self, attrs=None, *, signed: bool = False):
        super().__init__({"class": "amount-input", "autocomplete": "off"} | (attrs or {}))
        self.signed = signed

    def format_value(self, value):
        if isinstance(value, int):
            return f"{value:,}"
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-signed"] = "1" if self.signed else "0"
        context["widget"]["reading"] = self.reading(value)
        return context

    def reading(self, value) -> str:
        """The reading shown before any typing: of the stored amount, or of what was sent back."""
        if value in (None, ""):
            return ""
        try:
            return won_ko(value if isinstance(value, int) else parse_won(value, signed=self.signed))
        except ValidationError:
            return ""


class AmountField(forms.IntegerField):
    """Whole won from `500,000,000`, `5억`, `1조 2,000억원`, …; the model field's own validators
    (not negative, the ceiling) still run when the form saves."""

    def __init__(self, *, signed: bool = False, **kwargs):
        self.signed = signed
        kwargs.setdefault("widget", AmountInput(signed=signed))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        return parse_won(str(value), signed=self.signed)
