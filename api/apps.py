"""The briefing API app: installs the write watcher that keeps the API's caches honest."""

from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Briefing API")

    def ready(self) -> None:
        from api import versioning

        connection_created.connect(versioning.install, dispatch_uid="api.versioning.install")
        for connection in connections.all(initialized_only=True):
            versioning.install(connection)
