"""The job row that imports and reports share: status, progress, claim, heartbeat and attempts.

A concrete job (ReportRun, ImportRun) adds its own parameters, result and finished statuses, and
says how to run itself here, how to fail saying why, and which Celery task builds it. The
mechanism (claim, Heartbeat, dispatch, sweep in jobs.services) works on any of them the same way.
"""

import datetime
import os
import socket

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The statuses every job has; a job adds its own finished ones (done; previewed, applied, …).
QUEUED, RUNNING, FAILED = "queued", "running", "failed"

# A queued job whose message may have been lost (say Redis restarted without persistence) is sent
# again after this long; duplicates are harmless, the claim lets one delivery through.
QUEUED_RESEND_SECONDS = 600


class JobQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=[QUEUED, RUNNING])

    def stale(self, now: datetime.datetime | None = None):
        """Running jobs whose heartbeat stopped: their worker is presumed dead."""
        now = now or timezone.now()
        limit = now - datetime.timedelta(seconds=settings.REPORT_STALE_SECONDS)
        # No heartbeat at all: a row left running by a version that did not beat.
        return self.filter(
            models.Q(heartbeat_at__lt=limit) | models.Q(heartbeat_at__isnull=True), status=RUNNING
        )

    def unsent(self, now: datetime.datetime | None = None):
        """Queued jobs that no worker took and that were not sent lately: their message may be lost."""
        now = now or timezone.now()
        return self.filter(
            status=QUEUED, created_at__lt=now - datetime.timedelta(seconds=settings.REPORT_STALE_SECONDS)
        ).exclude(sent_at__gte=now - datetime.timedelta(seconds=QUEUED_RESEND_SECONDS))


class Job(models.Model):
    """Abstract: the fields and one-row rules of a background job. Subclasses define `status`
    (with at least queued, running and failed), `created_at`, FINISHED and the hooks below."""

    FINISHED: tuple[str, ...] = ()
    # Names the heartbeat thread and the log lines: "report", "import".
    job_label = "job"

    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), default=0)
    message = models.TextField(_("message"), blank=True)
    sent_at = models.DateTimeField(_("sent to the queue at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The worker's side: which delivery owns the job, and whether it is still alive.
    task_id = models.CharField(_("Celery task id"), max_length=50, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claim = models.CharField(_("claim token"), max_length=32, blank=True, editable=False)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    def owner_is_gone(self, now: datetime.datetime) -> bool:
        """Whether the delivery that claimed a running job is dead: its heartbeat is stale, or its
        process (on this host) no longer exists, as after a pool child was killed."""
        stale = (
            self.heartbeat_at is None
            or (now - self.heartbeat_at).total_seconds() > settings.REPORT_STALE_SECONDS
        )
        if stale:
            return True
        host, _sep, pid = self.worker.rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                return False
        return False

    # --- what each kind of job says and does (overridden) -----------------------------------

    def task(self):
        """The Celery task that runs this job, called with the job's id (and a claim on retries)."""
        raise NotImplementedError

    def run_here(self, *, note: str) -> None:
        """Run the job in this process, because no queue takes it; `note` says why."""
        raise NotImplementedError

    def refusal_here(self) -> str:
        """Why this job must not run in a web process (too large, or not allowed), or ""."""
        return ""

    def fail(self, reason: str) -> None:
        """Mark the job failed with the reason (the row is locked by the caller or unclaimed)."""
        type(self).objects.filter(pk=self.pk).exclude(status__in=self.FINISHED).update(
            status=FAILED, finished_at=timezone.now(), message=reason
        )

    def claimed_message(self, note: str) -> str:
        return note

    def queue_texts(self) -> dict[str, str]:
        """no_redis, no_answer, refused (with %(error)s), instead: what dispatch says."""
        raise NotImplementedError

    def lost_each_time_message(self) -> str:
        """Why a delivery gives up on a job whose workers kept dying."""
        raise NotImplementedError

    def stale_messages(self, *, time: str) -> tuple[str, str]:
        """(sent again, given up): what the sweep says of a job whose worker stopped beating."""
        raise NotImplementedError

    @classmethod
    def housekeeping(cls, now: datetime.datetime) -> dict[str, int]:
        """Kind-specific clean-up the sweep runs too (old files, build folders); counts by name."""
        return {}
