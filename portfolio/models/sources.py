"""Where a fact came from: every figure in the portfolio can cite a Source."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portfolio.models.choices import plain_text_validators
from portfolio.models.versioning import VersionField


class Source(models.Model):
    key = models.SlugField(
        _("key"),
        max_length=40,
        unique=True,
        help_text=_("Short stable key, e.g. S1."),
        validators=plain_text_validators,
    )
    publisher = models.CharField(_("publisher"), max_length=100, validators=plain_text_validators)
    published_on = models.DateField(_("published on"))
    title = models.CharField(_("title"), max_length=300, validators=plain_text_validators)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    reference = models.CharField(
        _("reference"), max_length=200, blank=True, help_text=_("File name or document number.")
    )
    note = models.TextField(_("note"), blank=True)

    version = VersionField()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["published_on", "key"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return f"{self.publisher} {self.published_on:%Y-%m-%d} «{self.title}»"

    def citation(self) -> str:
        """One line for reports and the API: publisher, date, title."""
        return f"{self.publisher}, {self.published_on:%Y-%m-%d}, {self.title}"
