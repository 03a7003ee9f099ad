"""Starting and running imports: make the ImportRun row, run small files at once and hand large
ones to a worker (sent on commit), then fill the row with the outcome.

An apply writes its rows and marks its run APPLIED in one transaction, so a worker killed half
way leaves neither half the rows nor a run that claims to be done; running it again is safe.
Without an answering queue a large run is done in the web process, saying so, or failed with the
reason when it is too large for a web request: it is never left queued without a word. Runs are
jobs (jobs.services): claimed under a row lock, beating while they run, swept when their worker
dies or their message is lost. The uploaded file is deleted once no run can read it again, and a
preview nobody applied goes after IMPORT_PREVIEW_RETENTION_DAYS.
"""

import datetime
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from imports.engine import Importer
from imports.models import ImportRun
from imports.readers import estimate_rows
from imports.results import Outcome, RowResult, Summary
from jobs.services import Abandoned, Heartbeat, claim_job, worker_name
from jobs.services import dispatch as send_or_run_here

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
    it is too large for a web request, fail it saying why (jobs.services.dispatch); a failed
    preview can be uploaded again and a failed apply's preview applied again once the queue is
    back."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is not None:
        send_or_run_here(run)


def execute_run(run_id: int, *, claim: str | None = None, task_id: str = "", note: str = "") -> str:
    """Claim the run for this delivery, run it to the end and record its outcome; returns what
    happened ("done", "skipped", "abandoned"). `note` says where it runs, when not on a worker as
    planned. Progress goes on the row through the heartbeat, never through the cache, so an import
    works the same with Redis down."""
    claimed = claim_job(ImportRun, run_id, claim=claim, task_id=task_id, worker=worker_name(), note=note)
    if claimed is None:
        return "skipped"
    run, token = claimed
    run = ImportRun.objects.select_related("created_by", "preview").get(pk=run_id)
    heartbeat = Heartbeat(ImportRun, run_id, token)
    heartbeat.start()
    collector = RowCollector(settings.IMPORT_PREVIEW_ROWS)
    importer = Importer(
        run.kind,
        user=run.created_by,
        reason=_("Spreadsheet import #%(id)s: %(name)s") % {"id": run.pk, "name": run.original_name},
        on_row=collector,
        progress=heartbeat.progress,
        expected=run.preview.rows.get(MATCHED) if run.preview and not run.dry_run else None,
    )
    try:
        with local_copy(run) as path:
            if run.dry_run:
                summary = importer.run(path, dry_run=True)
                _finish(run, token, summary, collector)
            else:
                # The rows and the APPLIED mark commit together, and only while this delivery
                # still holds the claim: a run the sweep gave to another writes nothing.
                with transaction.atomic():
                    summary = importer.run(path, dry_run=False)
                    _finish(run, token, summary, collector)
    except Abandoned:
        logger.warning("Import run %s was taken over by another delivery; this one stops.", run_id)
        return "abandoned"
    except Exception:
        logger.exception("Import run %s failed", run_id)
        ImportRun.objects.filter(pk=run_id, claim=token, status=ImportRun.Status.RUNNING).update(
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
        heartbeat.stop()
    # Outside the try: the outcome is recorded, and nothing that happens to the file changes it.
    transaction.on_commit(lambda: release_file(run_id))
    return "done"


def _finish(run: ImportRun, claim: str, summary: Summary, collector: RowCollector) -> None:
    """Record the outcome, if this delivery still holds the run; else raise Abandoned."""
    if summary.failed:
        status = ImportRun.Status.REJECTED
    elif summary.dry_run:
        status = ImportRun.Status.PREVIEWED
    else:
        status = ImportRun.Status.APPLIED
    updated = ImportRun.objects.filter(pk=run.pk, claim=claim, status=ImportRun.Status.RUNNING).update(
        status=status,
        finished_at=timezone.now(),
        rows_done=summary.rows,
        rows_total=summary.rows,
        new_rows=summary.counts[Outcome.NEW],
        changed_rows=summary.counts[Outcome.CHANGED],
        unchanged_rows=summary.counts[Outcome.UNCHANGED],
        error_rows=summary.counts[Outcome.ERROR],
        file_error=summary.file_error,
        ignored_columns=summary.ignored_columns,
        # A preview keeps the digests of the stored rows it matched, for its apply to compare.
        rows={**collector.rows, MATCHED: summary.matched} if summary.dry_run else collector.rows,
    )
    if not updated:
        raise Abandoned(f"import run {run.pk} was taken over before its outcome was saved")


def delete_old_previews(*, now: datetime.datetime | None = None) -> int:
    """Delete previews nobody applied within IMPORT_PREVIEW_RETENTION_DAYS, with their uploaded
    files: nothing was written from them, and the file is the office's data sitting on disk.
    A preview with an apply that succeeded or is under way stays. Returns how many went."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.IMPORT_PREVIEW_RETENTION_DAYS)
    kept = (ImportRun.Status.APPLIED, ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
    old = ImportRun.objects.filter(
        dry_run=True, status=ImportRun.Status.PREVIEWED, finished_at__lt=cutoff
    ).exclude(applies__status__in=kept)
    deleted = 0
    for preview in old.distinct().iterator():
        name = preview.file.name
        with transaction.atomic():
            if name:
                ImportRun.objects.filter(file=name).update(file="")  # its failed applies share it
            preview.delete()
        if name:
            try:
                preview.file.storage.delete(name)
            except OSError as exc:  # the row is gone; a stray file is only disk space
                logger.warning("Could not delete the file %s of import run %s: %s", name, preview.pk, exc)
        deleted += 1
    return deleted


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
