"""The jobs app: the abstract Job model and the sweep task that imports and reports share."""

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"
