"""Thin Celery tasks: each takes ids or plain options and calls a service in reports.services."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from celery.utils.time import get_exponential_backoff_interval
from django.db import connections

from jobs.services import new_claim, sweep_all
from reports import services
from reports.models import Trigger

logger = logging.getLogger(__name__)

# Retries back off 2, 4, 8, 16, 30 s with full jitter: far below the broker's visibility timeout.
RETRY_BACKOFF_MAX = 30
MAX_RETRIES = 5


@shared_task(
    bind=True,
    name="reports.build_report",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def build_report(self, run_id: int, claim: str | None = None) -> str:
    """Build one report run. Safe to deliver any number of times: the run's claim lets one
    delivery build it, and a finished run is never built again.

    The claim token is made here, before claiming, and every retry carries it: a claim written
    just before the database dropped is then this delivery's own, not a stranger's to wait out."""
    claim = claim or new_claim()
    try:
        return services.build_run(run_id, claim=claim, task_id=self.request.id or "")
    except services.TransientBuildError as exc:
        if self.request.retries >= self.max_retries:
            services.give_up(run_id, exc.claim, exc)
            return "failed"
        countdown = get_exponential_backoff_interval(
            factor=2, retries=self.request.retries + 1, maximum=RETRY_BACKOFF_MAX, full_jitter=True
        )
        raise self.retry(
            exc=exc, countdown=max(1, countdown), kwargs={"run_id": run_id, "claim": exc.claim}
        ) from exc


@shared_task(bind=True, name="reports.scheduled_report")
def scheduled_report(self, kind: str = "portfolio", language: str = "ko", root: str = "") -> int:
    """What the monthly schedule sends (django-celery-beat): ask for a report like a user would.

    Acknowledged late, a message comes again when its worker dies before acknowledging it, with
    the same task id. The run keeps that id (a unique key), so one slot of the schedule, however
    the schedule was edited, makes one report: the message delivered again finds its run."""
    run = services.request_report(
        kind=kind,
        requested_by=None,
        root=root or None,
        language=language,
        trigger=Trigger.SCHEDULE,
        schedule_key=self.request.id or "",
    )
    return run.pk


@shared_task(name="reports.sweep_stale_runs")
def sweep_stale_runs() -> dict[str, dict[str, int]]:
    """The one sweep of every kind of job (jobs.sweep), under the name the beat schedule uses."""
    return sweep_all()


@shared_task(name="reports.expire_old_files")
def expire_old_files() -> int:
    return services.expire_old_files()


@worker_ready.connect
def sweep_when_a_worker_starts(sender=None, **kwargs) -> None:
    """A worker that starts after a crash picks up what the crash left behind: the runs (through
    the sweep, on whichever worker takes it) and, here on its own machine, the temporary files of
    the builds killed with it."""
    sweep_stale_runs.delay()
    try:
        removed = services.remove_stale_build_folders()
    except Exception:  # a database hiccup must not keep the worker from starting
        logger.exception("Could not look for report build folders left by killed builds")
    else:
        if removed:
            logger.info("Removed %d report build folder(s) left by killed builds.", removed)
    finally:
        connections.close_all()  # the pool's processes are forked from this one: hand them none
