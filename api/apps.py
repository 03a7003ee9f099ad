"""The briefing API app: connects the signals that move the API's data version on after a write."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Briefing API")

    def ready(self) -> None:
        from api import caching

        caching.connect_signals()
