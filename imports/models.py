"""ImportRun: the job handle of one spreadsheet import, a preview (dry run) or an apply.

The row is made first, a worker (or the request, for small files) fills status, progress and
the result; the admin page reads it. A preview's file is applied by a new run pointing at it.
As a Job it is claimed, beats and is swept like a report run (jobs.services).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from imports.resources import RESOURCES
from jobs.models import Job

KIND_CHOICES = [(kind, resource.title) for kind, resource in RESOURCES.items()]


class ImportRun(Job):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", pgettext_lazy("import status", "Running")
        PREVIEWED = "previewed", _("Ready to apply")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected: nothing written")
        FAILED = "failed", _("Failed: nothing written")

    FINISHED = (Status.PREVIEWED, Status.APPLIED, Status.REJECTED, Status.FAILED)
    job_label = "import"

    kind = models.CharField(_("kind"), max_length=30, choices=KIND_CHOICES)
    dry_run = models.BooleanField(_("preview only"), default=True)
    preview = models.ForeignKey(
        "self",
        verbose_name=_("preview"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applies",
        help_text=_("The preview this run applies."),
    )
    # Emptied once no run can read the file again (see services.release_file).
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_total = models.PositiveIntegerField(_("rows (estimate)"), null=True, blank=True)
    new_rows = models.PositiveIntegerField(_("new"), default=0)
    changed_rows = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("unchanged"), default=0)
    error_rows = models.PositiveIntegerField(_("errors"), default=0)
    file_error = models.TextField(_("file error"), blank=True)
    message = models.TextField(
        _("message"), blank=True, help_text=_("Waiting for a worker, or run in the web process and why.")
    )
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    rows = models.JSONField(
        _("rows"), default=dict, blank=True, help_text=_("The first rows of each outcome, for the preview.")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        indexes = [
            models.Index(fields=["status", "created_at"], name="importrun_status_created"),
            models.Index(fields=["status", "heartbeat_at"], name="importrun_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} · {self.original_name}"

    @property
    def can_apply(self) -> bool:
        return self.dry_run and self.status == self.Status.PREVIEWED

    def progress(self) -> tuple[int, int | None]:
        """Rows read so far and the estimated total, as the heartbeat last wrote them."""
        return self.rows_done, self.rows_total

    def progress_percent(self) -> int | None:
        done, total = self.progress()
        if not total:
            return None
        return min(100, round(100 * done / total))

    # --- as a job (see jobs.models.Job) ------------------------------------------------------

    def task(self):
        from imports.tasks import run_import

        return run_import

    def run_here(self, *, note: str) -> None:
        from imports.services import execute_run

        execute_run(self.pk, note=note)

    def refusal_here(self) -> str:
        rows = self.rows_total or 0
        if rows <= settings.IMPORT_IN_PROCESS_MAX_ROWS:
            return ""
        return gettext(
            "A file of about %(rows)s rows is too large to import in the web page, so nothing was written. "
            "Try again when the queue is back, or split the file into files of at most %(limit)s rows."
        ) % {"rows": f"{rows:,}", "limit": f"{settings.IMPORT_IN_PROCESS_MAX_ROWS:,}"}

    def fail(self, reason: str) -> None:
        """Failed with the reason, nothing written; the file goes once no run can read it again."""
        from imports.services import release_file

        ImportRun.objects.filter(pk=self.pk).exclude(status__in=self.FINISHED).update(
            status=self.Status.FAILED, finished_at=timezone.now(), file_error=reason
        )
        release_file(self.pk)

    def queue_texts(self) -> dict[str, str]:
        return {
            "no_redis": gettext("No Redis is configured (REDIS_URL is empty): done in the web process."),
            "no_answer": gettext("The import queue (Redis) does not answer."),
            "refused": gettext("The import queue (Redis) refused the task: %(error)s"),
            "instead": gettext("Done in the web process instead."),
            "waiting": gettext("Waiting for a worker."),
        }

    def lost_each_time_message(self) -> str:
        return gettext(
            "Gave up after %(attempts)d attempts: the worker running this import was lost each time "
            "(last on %(worker)s). Nothing was written."
        ) % {"attempts": self.attempts, "worker": self.worker or "?"}

    def stale_messages(self, *, time: str) -> tuple[str, str]:
        values = {"attempts": self.attempts, "time": time, "worker": self.worker or "?"}
        sent_again = gettext(
            "The worker running this import stopped answering (last heartbeat %(time)s on "
            "%(worker)s); sent to the queue again."
        )
        given_up = gettext(
            "Gave up after %(attempts)d attempts: the worker running this import stopped answering "
            "each time (last heartbeat %(time)s on %(worker)s). Nothing was written."
        )
        return sent_again % values, given_up % values

    @classmethod
    def housekeeping(cls, now: datetime.datetime) -> dict[str, int]:
        from imports.services import delete_old_previews

        return {"previews_deleted": delete_old_previews(now=now)}
