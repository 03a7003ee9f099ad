"""The Celery application; its settings come from Django settings (the CELERY_ names)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("gwangju_ai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _forget_cached_answers(**kwargs) -> None:
    """A worker starts: the database may have been restored since the last one ran."""
    from api.caching import on_process_start

    on_process_start()
