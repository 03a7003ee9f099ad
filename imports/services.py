"""Starting and running imports: make the ImportRun row, run small files at once and hand large
ones to a worker (sent on commit), then fill the row with the outcome.

An apply writes its rows and marks its run APPLIED in one transaction, so a worker killed half
way leaves neither half the rows nor a run that claims to be done; running it again is safe.
Without an answering queue a large run is done in the web process, saying so, or failed with the
reason when it is too large for a web request: it is never left queued without a word. The
uploaded file is deleted once no run can read it again.
"""

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.health import redis_answers
from imports.engine import Importer
from imports.models import ImportRun
from imports.readers import estimate_rows
from imports.results import Outcome, RowResult, Summary

logger = logging.getLogger(__name__)
MATCHED = "matched"  # the key of a preview's row digests in ImportRun.rows


class RowCollector:
    """Keeps the first rows of each outcome for the preview; the counts are kept by the importer."""

    def __init__(self, limit: int):
        self.limit = limit
        self.rows: dict[str, list[dict]] = {str(outcome): [] for outcome in Outcome}

    def __call__(self, result: RowResult) -> None:
        kept = self.rows[str(result.outcome)]
        if len(kept) < self.limit:
            kept.append(result.as_dict())


def start_import(*, kind: str, file: File, name: str, user=None) -> ImportRun:
    """Store the upload and preview it: now for a small file, on a worker for a large one."""
    run = ImportRun(kind=kind, dry_run=True, original_name=name[:255], size=file.size or 0, created_by=user)
    run.file.save(Path(name).name or "upload", file, save=False)
    run.save()
    return _schedule(run)


def apply_preview(*, preview: ImportRun, user=None) -> ImportRun:
    """Apply a clean preview's file in a new run; the rows are checked again against the
    data as it is now, and written all together or not at all. A preview is applied once."""
    with transaction.atomic():
        preview = ImportRun.objects.select_for_update().get(pk=preview.pk)
        if not preview.can_apply:
            raise ValueError(_("Only a finished preview without errors can be applied."))
        failed = (ImportRun.Status.REJECTED, ImportRun.Status.FAILED)
        if preview.applies.exclude(status__in=failed).exists():
            raise ValueError(_("This preview has already been applied."))
        run = ImportRun.objects.create(
            kind=preview.kind,
            dry_run=False,
            preview=preview,
            file=preview.file.name,
            original_name=preview.original_name,
            size=preview.size,
            created_by=user,
            rows_total=preview.rows_done or None,
        )
    return _schedule(run)


def _schedule(run: ImportRun) -> ImportRun:
    if run.rows_total is None:  # an apply knows its rows from the preview
        with local_copy(run) as path:
            run.rows_total = estimate_rows(path)
        run.save(update_fields=["rows_total"])
    if run.rows_total is not None and run.rows_total > settings.IMPORT_ASYNC_THRESHOLD_ROWS:
        transaction.on_commit(lambda: dispatch(run.pk))
    else:
        execute_run(run.pk)
    run.refresh_from_db()  # inside a transaction the run is still queued: dispatch runs on commit
    return run


def dispatch(run_id: int) -> None:
    """Send a large run to a worker. Without an answering queue, run it here saying so, or, when
    it is too large for a web request, fail it saying why; a failed preview can be uploaded again
    and a failed apply's preview applied again once the queue is back."""
    if not settings.REDIS_URL:
        execute_run(run_id, note=_("No Redis is configured (REDIS_URL is empty): done in the web process."))
        return
    problem = _("The import queue (Redis) does not answer.")
    if redis_answers(settings.CELERY_BROKER_URL):
        from imports.tasks import run_import

        try:
            run_import.apply_async(
                args=[run_id],
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception as exc:  # kombu/redis raise several kinds; any failure to send counts
            logger.warning("Could not send import run %s to the queue: %s", run_id, exc)
            problem = _("The import queue (Redis) refused the task: %(error)s") % {"error": exc}
        else:
            ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
                message=_("Waiting for a worker.")
            )
            return
    rows = ImportRun.objects.filter(pk=run_id).values_list("rows_total", flat=True).first() or 0
    if rows <= settings.IMPORT_IN_PROCESS_MAX_ROWS:
        execute_run(run_id, note=" ".join([problem, _("Done in the web process instead.")]))
        return
    reason = _(
        "A file of about %(rows)s rows is too large to import in the web page, so nothing was written. "
        "Try again when the queue is back, or split the file into files of at most %(limit)s rows."
    ) % {"rows": f"{rows:,}", "limit": f"{settings.IMPORT_IN_PROCESS_MAX_ROWS:,}"}
    ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.FAILED, finished_at=timezone.now(), file_error=" ".join([problem, reason])
    )
    release_file(run_id)


def claim(run_id: int, *, redelivered: bool = False, note: str = "") -> bool:
    """Take the run for this process, replacing its message with `note`. A redelivered task (its
    worker died) may take a run left RUNNING: an apply's writes and its APPLIED mark commit
    together, so nothing was half-done."""
    states = Q(status=ImportRun.Status.QUEUED)
    if redelivered:
        states |= Q(status=ImportRun.Status.RUNNING)
    return bool(
        ImportRun.objects.filter(states, pk=run_id).update(
            status=ImportRun.Status.RUNNING,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            message=note,
        )
    )


def execute_run(run_id: int, *, redelivered: bool = False, note: str = "") -> None:
    """Run a claimed import to the end and record its outcome; `note` says where it runs, when
    not on a worker as planned."""
    if not claim(run_id, redelivered=redelivered, note=note):
        logger.info("Import run %s was already taken or finished", run_id)
        return
    run = ImportRun.objects.select_related("created_by", "preview").get(pk=run_id)
    collector = RowCollector(settings.IMPORT_PREVIEW_ROWS)
    importer = Importer(
        run.kind,
        user=run.created_by,
        reason=_("Spreadsheet import #%(id)s: %(name)s") % {"id": run.pk, "name": run.original_name},
        on_row=collector,
        progress=lambda done, total: cache.set(run.progress_key, (done, total), 3600),
        expected=run.preview.rows.get(MATCHED) if run.preview and not run.dry_run else None,
    )
    try:
        with local_copy(run) as path:
            if run.dry_run:
                summary = importer.run(path, dry_run=True)
                _finish(run, summary, collector)
            else:
                with transaction.atomic():
                    locked = ImportRun.objects.select_for_update().get(pk=run_id)
                    if locked.status != ImportRun.Status.RUNNING:
                        return  # another attempt finished it while this one waited for the lock
                    summary = importer.run(path, dry_run=False)
                    _finish(run, summary, collector)
    except Exception:
        logger.exception("Import run %s failed", run_id)
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportRun.Status.FAILED,
            finished_at=timezone.now(),
            file_error=_(
                "The import stopped on an unexpected error; nothing was written. "
                "The details are in the server log."
            ),
        )
        transaction.on_commit(lambda: release_file(run_id))
        raise
    finally:
        cache.delete(run.progress_key)
    # Outside the try: the outcome is recorded, and nothing that happens to the file changes it.
    transaction.on_commit(lambda: release_file(run_id))


def _finish(run: ImportRun, summary: Summary, collector: RowCollector) -> None:
    if summary.failed:
        status = ImportRun.Status.REJECTED
    elif summary.dry_run:
        status = ImportRun.Status.PREVIEWED
    else:
        status = ImportRun.Status.APPLIED
    run.status = status
    run.finished_at = timezone.now()
    run.rows_done = summary.rows
    run.rows_total = summary.rows
    run.new_rows = summary.counts[Outcome.NEW]
    run.changed_rows = summary.counts[Outcome.CHANGED]
    run.unchanged_rows = summary.counts[Outcome.UNCHANGED]
    run.error_rows = summary.counts[Outcome.ERROR]
    run.file_error = summary.file_error
    run.ignored_columns = summary.ignored_columns
    # A preview keeps the digests of the stored rows it matched, for its apply to compare.
    run.rows = {**collector.rows, MATCHED: summary.matched} if summary.dry_run else collector.rows
    run.save()


def release_file(run_id: int) -> None:
    """Delete the run's uploaded file once no run can read it again: a preview that cannot be
    applied (rejected or failed), or an applied one's (a preview is applied once). A failed or
    rejected apply keeps it, since its preview may be applied again; so does a preview waiting
    to be applied."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None or not run.file.name:
        return
    if run.dry_run:
        done_with = run.status in (ImportRun.Status.REJECTED, ImportRun.Status.FAILED)
    else:
        done_with = run.status == ImportRun.Status.APPLIED
    if not done_with:
        return
    name = run.file.name
    ImportRun.objects.filter(file=name).update(file="")  # the preview and its applies share it
    try:
        run.file.storage.delete(name)
    except OSError as exc:  # the outcome stands; a stray file is only disk space
        logger.warning("Could not delete the file %s of import run %s: %s", name, run_id, exc)


@contextmanager
def local_copy(run: ImportRun) -> Iterator[Path]:
    """A path on this machine for the run's file: the file itself with local storage, a
    temporary copy with remote storage (S3)."""
    try:
        path = run.file.path
    except NotImplementedError:  # storage without local paths
        path = None
    if path:
        yield Path(path)
        return
    suffix = Path(run.file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, run.file.open("rb") as source:
        shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)
