"""The one sweep task, for every kind of job (reports and imports)."""

from celery import shared_task

from jobs.services import sweep_all


@shared_task(name="jobs.sweep")
def sweep() -> dict[str, dict[str, int]]:
    return sweep_all()
