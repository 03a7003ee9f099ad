"""Report runs: ask for a report, build it (in a worker or in-process), sweep up dead builds,
expire old files.

`request_report` is the one way to ask: it creates the ReportRun row, then sends the build
task once the row is committed. `build_run` is what the task calls: it claims the run, builds
the workbook into a temporary file while a heartbeat thread writes progress, and moves the file
into storage under the run's one name, so however often a run is delivered it ends with one file.
"""

import datetime
import hashlib
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.health import redis_answers
from portfolio.models import Program
from portfolio.selectors import load_scope
from portfolio.validation import validate_as_of
from reports import builders
from reports.models import ReportKind, ReportLanguage, ReportRun, ReportStatus, Trigger, report_storage

logger = logging.getLogger(__name__)

# A queued run whose message may have been lost (say Redis restarted without persistence) is sent
# again after this long; duplicates are harmless, the claim lets one delivery through.
QUEUED_RESEND_SECONDS = 600


class Abandoned(Exception):
    """This delivery no longer owns the run (the sweep gave it to another): stop quietly."""


class TransientBuildError(Exception):
    """A database or Redis hiccup: the task retries with the same claim."""

    def __init__(self, claim: str | None, cause: BaseException):
        super().__init__(str(cause))
        self.claim = claim


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
try:  # Redis errors count as transient too, when redis-py is installed (it is, with Celery)
    import redis

    TRANSIENT_ERRORS += (redis.ConnectionError, redis.TimeoutError)
except ImportError:  # pragma: no cover
    pass


def worker_name() -> str:
    """host:pid of the process building, so a claimant on the same host can tell it is gone."""
    return f"{socket.gethostname()}:{os.getpid()}"


# --- asking ---------------------------------------------------------------------------------------


def request_report(
    *,
    kind: str,
    requested_by: AbstractBaseUser | None,
    as_of: datetime.date | None = None,
    root: str | None = None,
    language: str = "ko",
    trigger: str = Trigger.USER,
) -> ReportRun:
    """Create a run and send its build task when the row is committed.

    Raises ValidationError naming the field for an unknown kind or language, a future as-of day,
    or a program code that does not exist (at the as-of day); nothing is created then. Without an
    answering broker the run says so and is built in-process (or failed with the reason, when
    REPORT_IN_PROCESS_FALLBACK is off): it is never left queued without a word.
    """
    root = (root or "").strip()
    errors = {}
    if kind not in ReportKind.values:
        errors["kind"] = _("Unknown report kind %(kind)r; choose one of: %(kinds)s.") % {
            "kind": kind,
            "kinds": ", ".join(ReportKind.values),
        }
    if language not in ReportLanguage.values:
        errors["language"] = _("Reports are written in Korean (ko) or English (en).")
    if as_of is not None:
        try:
            validate_as_of(as_of)
        except ValidationError as error:
            errors["as_of"] = error.messages
    if root and "as_of" not in errors:
        try:
            load_scope(as_of=as_of, root=root)
        except Program.DoesNotExist:
            errors["root"] = _("No program has the code %(code)s (as of that day).") % {"code": root}
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        run = ReportRun(
            kind=kind, as_of=as_of, root=root, language=language, requested_by=requested_by, trigger=trigger
        )
        run.full_clean()
        run.save()
        transaction.on_commit(lambda: dispatch(run.pk))
    if not connection.in_atomic_block:  # dispatch has run: show what it did
        run.refresh_from_db()
    return run


def dispatch(run_id: int) -> None:
    """Send the build task; without an answering broker, build here or fail saying why."""
    if not settings.REDIS_URL:
        build_run(run_id, note=_("No Redis is configured (REDIS_URL is empty): built in the web process."))
        return
    problem = _("The report queue (Redis) does not answer.")
    if redis_answers(settings.CELERY_BROKER_URL):
        from reports.tasks import build_report

        try:
            result = build_report.apply_async(
                args=[run_id],
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception as exc:  # kombu/redis raise several kinds; any failure to send counts
            logger.warning("Could not send report run %s to the queue: %s", run_id, exc)
            problem = _("The report queue (Redis) refused the task: %(error)s") % {"error": exc}
        else:
            ReportRun.objects.filter(pk=run_id, status=ReportStatus.QUEUED).update(
                task_id=result.id, sent_at=timezone.now(), message=_("Waiting for a worker.")
            )
            return
    if settings.REPORT_IN_PROCESS_FALLBACK:
        build_run(run_id, note=" ".join([problem, _("Built in the web process instead.")]))
    else:
        ReportRun.objects.filter(pk=run_id, status=ReportStatus.QUEUED).update(
            status=ReportStatus.FAILED,
            finished_at=timezone.now(),
            message=" ".join([problem, _("Nothing was built; ask again when the queue is back.")]),
        )


# --- building -------------------------------------------------------------------------------------


def owner_is_gone(run: ReportRun, now: datetime.datetime) -> bool:
    """Whether the delivery that claimed a running run is dead: its heartbeat is stale, or its
    process (on this host) no longer exists, as after a pool child was killed."""
    stale = (
        run.heartbeat_at is None or (now - run.heartbeat_at).total_seconds() > settings.REPORT_STALE_SECONDS
    )
    if stale:
        return True
    host, _sep, pid = run.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
    return False


@transaction.atomic
def claim_run(run_id: int, *, claim: str | None, task_id: str, worker: str) -> tuple[ReportRun, str] | None:
    """Take the run for this delivery, or None when it must not be built here: it is finished,
    or another live delivery is building it. The row lock makes two deliveries at once see each
    other. A delivery carrying the current claim (a retry of this build) continues it."""
    run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
    now = timezone.now()
    if run is None:
        logger.warning("Report run %s does not exist; nothing to build.", run_id)
        return None
    if run.is_finished:
        logger.info("Report run %s is already %s; not building it again.", run_id, run.status)
        return None
    if run.status == ReportStatus.RUNNING:
        if claim and claim == run.claim:
            run.heartbeat_at = now
            run.save(update_fields=["heartbeat_at"])
            return run, claim
        if not owner_is_gone(run, now):
            logger.info("Report run %s is being built by %s; this delivery stands down.", run_id, run.worker)
            return None
        logger.warning("Report run %s: its builder %s is gone; taking over.", run_id, run.worker)
    if run.attempts >= settings.REPORT_MAX_ATTEMPTS:
        run.status, run.finished_at = ReportStatus.FAILED, now
        run.message = _(
            "Gave up after %(attempts)d attempts: the worker building this report was lost each time "
            "(last on %(worker)s). A report this large may need a longer time limit."
        ) % {"attempts": run.attempts, "worker": run.worker or "?"}
        run.save()
        return None
    token = uuid.uuid4().hex
    run.status, run.claim, run.worker = ReportStatus.RUNNING, token, worker
    run.attempts += 1
    run.task_id = task_id or run.task_id
    run.started_at = run.heartbeat_at = now
    run.rows_done = 0
    run.message = _("Building (attempt %(attempt)d of %(max)d).") % {
        "attempt": run.attempts,
        "max": settings.REPORT_MAX_ATTEMPTS,
    }
    run.save()
    return run, token


class Heartbeat(threading.Thread):
    """Writes the build's progress and a heartbeat on its run every few seconds, from its own
    thread, so a slow query or a long save still shows the worker alive; finds out when the run
    was taken away (the update matches no row) and makes the build stop."""

    def __init__(self, run_id: int, claim: str):
        super().__init__(name=f"report-{run_id}-heartbeat", daemon=True)
        self.run_id, self.claim = run_id, claim
        self.done = self.total = 0
        self.lost = False
        self._stop_event = threading.Event()

    def progress(self, done: int, total: int) -> None:
        """The builder's progress callback: remember the numbers, stop if the run was taken."""
        self.done, self.total = done, total
        if self.lost:
            raise Abandoned(f"report run {self.run_id} was taken over")

    def run(self) -> None:
        try:
            while not self._stop_event.wait(settings.REPORT_HEARTBEAT_SECONDS):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        try:
            updated = ReportRun.objects.filter(
                pk=self.run_id, claim=self.claim, status=ReportStatus.RUNNING
            ).update(heartbeat_at=timezone.now(), rows_done=self.done, rows_total=self.total)
        except DatabaseError as exc:  # a hiccup: the next beat tries again
            logger.warning("Heartbeat of report run %s not written: %s", self.run_id, exc)
            return
        if not updated:
            self.lost = True

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=10)


def build_run(
    run_id: int, *, claim: str | None = None, task_id: str = "", worker: str | None = None, note: str = ""
) -> str:
    """Build one run end to end; returns what happened ("done", "failed", "skipped", "abandoned").

    Raises TransientBuildError on a database or Redis hiccup, for the task to retry.
    """
    try:
        claimed = claim_run(run_id, claim=claim, task_id=task_id, worker=worker or worker_name())
    except TRANSIENT_ERRORS as exc:
        raise TransientBuildError(None, exc) from exc
    if claimed is None:
        return "skipped"
    run, token = claimed
    heartbeat = Heartbeat(run_id, token)
    heartbeat.start()
    folder = Path(tempfile.mkdtemp(prefix=f"report-{run_id}-"))
    started = time.monotonic()
    try:
        path = folder / "report.xlsx"
        builders.build(
            run.kind,
            path,
            as_of=run.as_of,
            root=run.root or None,
            language=run.language,
            progress=heartbeat.progress,
        )
        heartbeat.stop()
        finish_run(run_id, token, path, seconds=time.monotonic() - started, note=note)
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


def finish_run(run_id: int, claim: str, path: Path, *, seconds: float, note: str = "") -> None:
    """Move the finished file into storage under the run's one name and mark the run done, both
    while holding the run's row lock, so only the delivery that owns the run can do it."""
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
        run.rows_done = run.rows_total = max(run.rows_total, run.rows_done)
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


def note_transient(run_id: int, claim: str, exc: BaseException) -> None:
    try:
        ReportRun.objects.filter(pk=run_id, claim=claim).update(
            message=_("Retrying after a database or Redis error: %(error)s") % {"error": describe(exc)}
        )
    except DatabaseError:
        pass  # the database is what failed; the sweep will say so if the retry never comes


def give_up(run_id: int, claim: str | None, exc: BaseException) -> None:
    """Retries ran out: fail the run with the last error (whoever holds it)."""
    ReportRun.objects.filter(pk=run_id).exclude(status__in=[ReportStatus.DONE, ReportStatus.FAILED]).update(
        status=ReportStatus.FAILED,
        finished_at=timezone.now(),
        message=_("Gave up after repeated database or Redis errors: %(error)s") % {"error": describe(exc)},
    )


# --- housekeeping -------------------------------------------------------------------------------


def sweep_stale_runs(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Re-queue (or, after REPORT_MAX_ATTEMPTS, fail with a reason) runs whose builder stopped
    beating, and re-send queued runs whose message may have been lost. Runs every
    REPORT_SWEEP_SECONDS from beat, and when a worker starts."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    for run_id in ReportRun.objects.stale(now).values_list("pk", flat=True):
        with transaction.atomic():
            run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
            if run is None or run.status != ReportStatus.RUNNING or not owner_is_gone(run, now):
                continue
            last = (
                timezone.localtime(run.heartbeat_at).strftime("%Y-%m-%d %H:%M:%S")
                if run.heartbeat_at
                else "?"
            )
            if run.attempts >= settings.REPORT_MAX_ATTEMPTS:
                run.status, run.finished_at = ReportStatus.FAILED, now
                run.message = _(
                    "Gave up after %(attempts)d attempts: the worker building this report stopped "
                    "answering each time (last heartbeat %(time)s on %(worker)s)."
                ) % {"attempts": run.attempts, "time": last, "worker": run.worker or "?"}
                counts["failed"] += 1
            else:
                run.status, run.claim = ReportStatus.QUEUED, ""
                run.message = _(
                    "The worker building this report stopped answering (last heartbeat %(time)s on "
                    "%(worker)s); sent to the queue again."
                ) % {"time": last, "worker": run.worker or "?"}
                transaction.on_commit(lambda run_id=run_id: dispatch(run_id))
                counts["requeued"] += 1
            run.save()
    waiting = ReportRun.objects.filter(
        status=ReportStatus.QUEUED,
        created_at__lt=now - datetime.timedelta(seconds=settings.REPORT_STALE_SECONDS),
    ).exclude(sent_at__gte=now - datetime.timedelta(seconds=QUEUED_RESEND_SECONDS))
    for run_id in waiting.values_list("pk", flat=True):
        dispatch(run_id)
        counts["resent"] += 1
    return counts


def local_time(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "?"


def expire_old_files(*, now: datetime.datetime | None = None) -> int:
    """Delete report files older than REPORT_RETENTION_DAYS; the runs stay, marked expired."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.REPORT_RETENTION_DAYS)
    expired = 0
    for run in ReportRun.objects.filter(finished_at__lt=cutoff).with_files().iterator():
        run.file.storage.delete(run.file.name)
        run.file.name = ""
        run.expired_at = now
        run.message = _("File removed after %(days)d days.") % {"days": settings.REPORT_RETENTION_DAYS}
        run.save(update_fields=["file", "expired_at", "message"])
        expired += 1
    return expired
