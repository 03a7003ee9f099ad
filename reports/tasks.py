"""Thin Celery tasks: each takes ids or plain options and calls a service in reports.services."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from celery.utils.time import get_exponential_backoff_interval
from django.db import connections

from jobs.services import new_claim, sweep_all
from reports import services
from reports.models import ReportSchedule, Trigger
from reports.services import mailing

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
def scheduled_report(
    self, kind: str = "portfolio", language: str = "ko", root: str = "", schedule_id: int | None = None
) -> int | None:
    """What a schedule sends (django-celery-beat): ask for a report like a user would. With
    `schedule_id` (a ReportSchedule's beat entry) the report and its recipients are that row's, and
    the finished file is mailed to them.

    Acknowledged late, a message comes again when its worker dies before acknowledging it, with
    the same task id. The run keeps that id (a unique key), so one slot of the schedule, however
    the schedule was edited, makes one report: the message delivered again finds its run."""
    recipients = ""
    if schedule_id is not None:
        schedule = ReportSchedule.objects.filter(pk=schedule_id).first()
        if schedule is None:
            logger.warning("Report schedule %s no longer exists; nothing asked for.", schedule_id)
            return None
        kind, language, root, recipients = (
            schedule.kind,
            schedule.language,
            schedule.root,
            schedule.recipients,
        )
    run = services.request_report(
        kind=kind,
        requested_by=None,
        root=root or None,
        language=language,
        trigger=Trigger.SCHEDULE,
        schedule_key=self.request.id or "",
        recipients=recipients,
    )
    return run.pk


# A failed send is tried again after about 1, 2, 4, 8 … minutes (full jitter), six times in all.
MAIL_RETRY_BACKOFF_MAX = 3600
MAIL_MAX_RETRIES = 5


@shared_task(bind=True, name="reports.mail_report", acks_late=True, max_retries=MAIL_MAX_RETRIES)
def mail_report(self, run_id: int) -> str:
    """Mail a finished run to its recipients; a refused or unanswered send is retried with
    backoff, each failure shown on the run, and the last one marks its mail failed."""
    try:
        return mailing.mail_run(run_id)
    except mailing.MAIL_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            mailing.note_mail_failure(run_id, exc, retry_in=None)
            return "failed"
        countdown = max(
            1,
            get_exponential_backoff_interval(
                factor=60, retries=self.request.retries, maximum=MAIL_RETRY_BACKOFF_MAX, full_jitter=True
            ),
        )
        mailing.note_mail_failure(run_id, exc, retry_in=countdown)
        raise self.retry(exc=exc, countdown=countdown) from exc


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
