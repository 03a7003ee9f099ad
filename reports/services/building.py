"""Building a run: claim it for this delivery, build the workbook into a temporary file while a
heartbeat thread writes progress, and move the file into storage under the run's one name, so
however often a run is delivered it ends with one file.
"""

import datetime
import hashlib
import logging
import re
import shutil
import tempfile
import time
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.services import TRANSIENT_ERRORS, Abandoned, Heartbeat, claim_job, worker_name
from reports import builders
from reports.builders.xlsx import sheet_files_in
from reports.models import ReportRun, ReportStatus, report_storage
from reports.services import mailing

logger = logging.getLogger(__name__)


class TransientBuildError(Exception):
    """A database or Redis hiccup: the task retries with the same claim."""

    def __init__(self, claim: str | None, cause: BaseException):
        super().__init__(str(cause))
        self.claim = claim


# A build folder's name: report-<database>-<run id>-<start of the claim>-<random>, so that the
# sweep can tell whose build left it, and two installations (or test runs) on one machine, which
# share its temporary folder, never remove each other's.
CLAIM_IN_NAME = 12


def build_folder_prefix() -> str:
    """`report-<database>-`: how every build folder of this installation's runs starts."""
    database = re.sub(r"[^A-Za-z0-9]", "_", str(connection.settings_dict["NAME"]))[-40:]
    return f"report-{database}-"


def make_build_folder(run_id: int, claim: str) -> Path:
    """A private temporary folder for one delivery's build: the workbook and openpyxl's sheet files."""
    return Path(tempfile.mkdtemp(prefix=f"{build_folder_prefix()}{run_id}-{claim[:CLAIM_IN_NAME]}-"))


def owner_is_gone(run: ReportRun, now: datetime.datetime) -> bool:
    return run.owner_is_gone(now)


def claim_run(run_id: int, *, claim: str | None, task_id: str, worker: str) -> tuple[ReportRun, str] | None:
    """Take the run for this delivery (see jobs.services.claim_job), or None when it must not be
    built here."""
    return claim_job(ReportRun, run_id, claim=claim, task_id=task_id, worker=worker)


def build_run(
    run_id: int, *, claim: str | None = None, task_id: str = "", worker: str | None = None, note: str = ""
) -> str:
    """Build one run end to end; returns what happened ("done", "failed", "skipped", "abandoned").

    Raises TransientBuildError on a database or Redis hiccup, for the task to retry.
    """
    try:
        claimed = claim_run(run_id, claim=claim, task_id=task_id, worker=worker or worker_name())
    except TRANSIENT_ERRORS as exc:
        # The claim may have been written before the connection dropped: a retry carrying the
        # same token continues it instead of finding a live-looking claim that is not its own.
        raise TransientBuildError(claim, exc) from exc
    if claimed is None:
        return "skipped"
    run, token = claimed
    heartbeat = Heartbeat(ReportRun, run_id, token)
    heartbeat.start()
    folder = None
    started = time.monotonic()
    try:
        folder = make_build_folder(run_id, token)  # inside: a full disk fails the run, saying so
        path = folder / f"report.{run.output.extension}"
        with sheet_files_in(folder):  # so that a killed build leaves one folder behind, nothing else
            builders.build(
                run.kind,
                path,
                as_of=run.as_of,
                root=run.root or None,
                language=run.language,
                fiscal_year=run.fiscal_year,
                unit=run.unit,
                requested_by=run.requested_by_name(),
                progress=heartbeat.progress,
            )
        heartbeat.stop()
        rows = (heartbeat.done, heartbeat.total)  # the builder's last count, beat or no beat
        finish_run(run_id, token, path, seconds=time.monotonic() - started, rows=rows, note=note)
        if run.recipients:
            mailing.queue_mail(run_id)
        return "done"
    except Abandoned:
        logger.warning("Report run %s was taken over by another delivery; this one stops.", run_id)
        return "abandoned"
    except TRANSIENT_ERRORS as exc:
        logger.warning("Report run %s hit a transient error, to be retried: %s", run_id, exc)
        note_transient(run_id, token, exc)
        raise TransientBuildError(token, exc) from exc
    except SoftTimeLimitExceeded:
        limit = {"seconds": settings.REPORT_SOFT_TIME_LIMIT_SECONDS}
        fail_run(
            run_id, token, _("Stopped: the report took longer than the %(seconds)d-second limit.") % limit
        )
        return "failed"
    except Exception as exc:
        logger.exception("Report run %s failed", run_id)
        fail_run(run_id, token, _("The report could not be built: %(error)s") % {"error": describe(exc)})
        return "failed"
    finally:
        heartbeat.stop()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def finish_run(
    run_id: int, claim: str, path: Path, *, seconds: float, rows: tuple[int, int] = (0, 0), note: str = ""
) -> None:
    """Move the finished file into storage under the run's one name and mark the run done, both
    while holding the run's row lock, so only the delivery that owns the run can do it. `rows` is
    the builder's last (done, total): a build quicker than a heartbeat has written none yet."""
    size, checksum = path.stat().st_size, sha256(path)
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.claim != claim or run.status != ReportStatus.RUNNING:
            raise Abandoned(f"report run {run_id} was taken over before it was saved")
        storage, name = report_storage(), run.storage_name()
        # A delivery that died after saving but before committing left its file under the same
        # name: replace it, so the run still ends with exactly one file.
        if storage.exists(name):
            storage.delete(name)
        with path.open("rb") as handle:
            saved = storage.save(name, File(handle, name=Path(name).name))
        run.file.name = saved
        run.size, run.checksum = size, checksum
        run.status, run.finished_at = ReportStatus.DONE, timezone.now()
        run.rows_done = run.rows_total = max(*rows, run.rows_total, run.rows_done)
        message = _("Done in %(seconds).1f s (attempt %(attempt)d).") % {
            "seconds": seconds,
            "attempt": run.attempts,
        }
        run.message = f"{message} {note}".strip()
        run.save()


def fail_run(run_id: int, claim: str, message: str) -> None:
    """Mark the run failed with a reason, and make sure no file of it is left in storage."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id, claim=claim).first()
        if run is None or run.is_finished:
            return
        storage, name = report_storage(), run.storage_name()
        if storage.exists(name):
            storage.delete(name)
        run.file.name = ""
        run.status, run.finished_at, run.message = ReportStatus.FAILED, timezone.now(), message
        run.save()
        ReportRun.objects.filter(pk=run_id).mark_not_mailed()


def note_transient(run_id: int, claim: str, exc: BaseException) -> None:
    try:
        ReportRun.objects.filter(pk=run_id, claim=claim).update(
            message=_("Retrying after a database or Redis error: %(error)s") % {"error": describe(exc)}
        )
    except DatabaseError:
        pass  # the database is what failed; the sweep will say so if the retry never comes


def give_up(run_id: int, claim: str | None, exc: BaseException) -> None:
    """Retries ran out: fail the run with the last error, if this delivery still holds it (a run
    the sweep gave to another delivery meanwhile is that one's). A delivery whose claim itself
    kept failing holds nothing: it fails the run only while nobody has claimed it."""
    runs = ReportRun.objects.filter(pk=run_id)
    # The claim may never have been written (the database was down when it was made).
    held = Q(claim=claim) if claim else Q(pk__in=[])
    runs = runs.filter(held | Q(status=ReportStatus.QUEUED))
    runs.exclude(status__in=[ReportStatus.DONE, ReportStatus.FAILED]).update(
        status=ReportStatus.FAILED,
        finished_at=timezone.now(),
        message=_("Gave up after repeated database or Redis errors: %(error)s") % {"error": describe(exc)},
    )
    ReportRun.objects.filter(pk=run_id).mark_not_mailed()
