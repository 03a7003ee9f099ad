"""The reports app; it adds the "build a report" action to the domain's program admin."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from portfolio.admin.extensions import extend_model_admin
        from portfolio.models import Program
        from reports.admin import ReportActionsMixin

        extend_model_admin(Program, ReportActionsMixin)
