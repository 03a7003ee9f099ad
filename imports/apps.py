"""The spreadsheet-import app; it adds its import, template and export views to the domain's admin."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Spreadsheet imports")

    def ready(self) -> None:
        from imports.admin import SpreadsheetImportMixin
        from imports.resources import BY_MODEL
        from portfolio.admin.extensions import extend_model_admin

        for model in BY_MODEL:
            extend_model_admin(model, SpreadsheetImportMixin)
