"""Starting and running imports: make the ImportRun row, run small files at once and hand large
ones to a worker (sent on commit), then fill the row with the outcome.

An apply writes its rows and marks its run APPLIED in one transaction, so a worker killed half
way leaves neither half the rows nor a run that claims to be done; running it again is safe.
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

from imports.engine import Importer
from imports.models import ImportRun
from imports.readers import estimate_rows
from imports.results import Outcome, RowResult, Summary

logger = logging.getLogger(__name__)


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
        from imports.tasks import run_import

        transaction.on_commit(lambda: run_import.delay(run.pk))
        return run
    execute_run(run.pk)
    run.refresh_from_db()
    return run


def claim(run_id: int, *, redelivered: bool = False) -> bool:
    """Take the run for this process. A redelivered task (its worker died) may take a run left
    RUNNING: an apply's writes and its APPLIED mark commit together, so nothing was half-done."""
    states = Q(status=ImportRun.Status.QUEUED)
    if redelivered:
        states |= Q(status=ImportRun.Status.RUNNING)
    return bool(
        ImportRun.objects.filter(states, pk=run_id).update(
            status=ImportRun.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
        )
    )


def execute_run(run_id: int, *, redelivered: bool = False) -> None:
    """Run a claimed import to the end and record its outcome."""
    if not claim(run_id, redelivered=redelivered):
        logger.info("Import run %s was already taken or finished", run_id)
        return
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    collector = RowCollector(settings.IMPORT_PREVIEW_ROWS)
    importer = Importer(
        run.kind,
        user=run.created_by,
        reason=_("Spreadsheet import #%(id)s: %(name)s") % {"id": run.pk, "name": run.original_name},
        on_row=collector,
        progress=lambda done, total: cache.set(run.progress_key, (done, total), 3600),
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
        raise
    finally:
        cache.delete(run.progress_key)


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
    run.rows = collector.rows
    run.save()


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
