"""ImportRun: the job handle of one spreadsheet import, a preview (dry run) or an apply.

The row is made first, a worker (or the request, for small files) fills status, progress and
the result; the admin page reads it. A preview's file is applied by a new run pointing at it.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from imports.resources import RESOURCES

KIND_CHOICES = [(kind, resource.title) for kind, resource in RESOURCES.items()]


class ImportRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", pgettext_lazy("import status", "Running")
        PREVIEWED = "previewed", _("Ready to apply")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected: nothing written")
        FAILED = "failed", _("Failed: nothing written")

    FINISHED = (Status.PREVIEWED, Status.APPLIED, Status.REJECTED, Status.FAILED)

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
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
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
        indexes = [models.Index(fields=["status", "created_at"], name="importrun_status_created")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} · {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def can_apply(self) -> bool:
        return self.dry_run and self.status == self.Status.PREVIEWED

    @property
    def progress_key(self) -> str:
        return f"imports:progress:{self.pk}"

    def progress(self) -> tuple[int, int | None]:
        """Rows read so far and the estimated total: live from the cache while running."""
        if self.status == self.Status.RUNNING:
            live = cache.get(self.progress_key)
            if live:
                return live
        return self.rows_done, self.rows_total

    def progress_percent(self) -> int | None:
        done, total = self.progress()
        if not total:
            return None
        return min(100, round(100 * done / total))
