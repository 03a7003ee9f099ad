"""The one job mechanism: claim a job for a delivery, beat while running, send it to the queue
(or run it here, or refuse saying why), and sweep up jobs whose worker died or whose message
was lost. Reports and imports both use these; their own services only say what a job does."""

import datetime
import logging
import os
import socket
import threading
import uuid

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from config.health import redis_answers
from jobs.models import QUEUED, RUNNING, Job

logger = logging.getLogger(__name__)


class Abandoned(Exception):
    """This delivery no longer owns the job (the sweep gave it to another): stop quietly."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
try:  # Redis errors count as transient too, when redis-py is installed (it is, with Celery)
    import redis

    TRANSIENT_ERRORS += (redis.ConnectionError, redis.TimeoutError)
except ImportError:  # pragma: no cover
    pass


def new_claim() -> str:
    """A claim token. A task makes it before claiming and hands it to its retries, so that a claim
    written just before the database dropped is still recognised as this delivery's."""
    return uuid.uuid4().hex


def worker_name() -> str:
    """host:pid of the process running a job, so a claimant on the same host can tell it is gone."""
    return f"{socket.gethostname()}:{os.getpid()}"


def job_models() -> list[type[Job]]:
    return [model for model in apps.get_models() if issubclass(model, Job)]


@transaction.atomic
def claim_job(
    model: type[Job], job_id: int, *, claim: str | None, task_id: str = "", worker: str, note: str = ""
) -> tuple[Job, str] | None:
    """Take the job for this delivery, or None when it must not run here: it is finished, or
    another live delivery is running it. The row lock makes two deliveries at once see each
    other. A delivery carrying the job's current claim (a retry of this run) continues it; a new
    one takes the job under `claim` (or a fresh token) and spends an attempt."""
    job = model.objects.select_for_update().filter(pk=job_id).first()
    now = timezone.now()
    label = f"{model.job_label.capitalize()} run"
    if job is None:
        logger.warning("%s %s does not exist; nothing to do.", label, job_id)
        return None
    if job.is_finished:
        logger.info("%s %s is already %s; not running it again.", label, job_id, job.status)
        return None
    if job.status == RUNNING:
        if claim and claim == job.claim:
            # A retry of this run, perhaps in another pool process: it names the process running
            # now, so that the dead-pid check of a second delivery looks at the right one.
            job.heartbeat_at, job.worker = now, worker
            job.save(update_fields=["heartbeat_at", "worker"])
            return job, claim
        if not job.owner_is_gone(now):
            logger.info("%s %s is being built by %s; this delivery stands down.", label, job_id, job.worker)
            return None
        logger.warning("%s %s: its worker %s is gone; taking over.", label, job_id, job.worker)
    if job.attempts >= settings.REPORT_MAX_ATTEMPTS:
        job.fail(job.lost_each_time_message())
        return None
    token = claim or new_claim()
    job.status, job.claim, job.worker = RUNNING, token, worker
    job.attempts += 1
    job.task_id = task_id or job.task_id
    job.started_at = job.heartbeat_at = now
    job.rows_done = 0
    job.message = job.claimed_message(note)
    job.save()
    return job, token


class Heartbeat(threading.Thread):
    """Writes a job's progress and a heartbeat on its row every few seconds, from its own thread,
    so a slow query or a long save still shows the worker alive; finds out when the job was taken
    away (the update matches no row) and makes the work stop at its next progress call."""

    def __init__(self, model: type[Job], job_id: int, claim: str):
        super().__init__(name=f"{model.job_label}-{job_id}-heartbeat", daemon=True)
        self.model, self.job_id, self.claim = model, job_id, claim
        self.done, self.total = 0, 0
        self.lost = False
        self._stop_event = threading.Event()

    def progress(self, done: int, total: int | None) -> None:
        """The work's progress callback: remember the numbers, stop if the job was taken."""
        self.done, self.total = done, total
        if self.lost:
            raise Abandoned(f"{self.model.job_label} {self.job_id} was taken over")

    def run(self) -> None:
        try:
            while not self._stop_event.wait(settings.REPORT_HEARTBEAT_SECONDS):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        fields = {"heartbeat_at": timezone.now(), "rows_done": self.done}
        if self.total is not None:
            fields["rows_total"] = self.total
        try:
            updated = self.model.objects.filter(pk=self.job_id, claim=self.claim, status=RUNNING).update(
                **fields
            )
        except DatabaseError as exc:  # a hiccup: the next beat tries again
            logger.warning("Heartbeat of %s %s not written: %s", self.model.job_label, self.job_id, exc)
            return
        if not updated:
            self.lost = True

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=10)


def dispatch(job: Job) -> None:
    """Send the job's task; without an answering broker, run it here saying so, or, when it must
    not run in a web process, fail it saying why. A job is never left queued without a word."""
    texts = job.queue_texts()
    if not settings.REDIS_URL:
        job.run_here(note=texts["no_redis"])
        return
    problem = texts["no_answer"]
    if redis_answers(settings.CELERY_BROKER_URL):
        try:
            result = job.task().apply_async(
                args=[job.pk],
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
        except Exception as exc:  # kombu/redis raise several kinds; any failure to send counts
            logger.warning("Could not send %s %s to the queue: %s", job.job_label, job.pk, exc)
            problem = texts["refused"] % {"error": exc}
        else:
            task_id = getattr(result, "id", None) or ""
            type(job).objects.filter(pk=job.pk, status=QUEUED).update(
                task_id=task_id, sent_at=timezone.now(), message=texts["waiting"]
            )
            return
    refusal = job.refusal_here()
    if refusal:
        job.fail(" ".join([problem, refusal]))
    else:
        job.run_here(note=" ".join([problem, texts["instead"]]))


def sweep_jobs(model: type[Job], *, now: datetime.datetime | None = None) -> dict[str, int]:
    """Re-queue (or, after REPORT_MAX_ATTEMPTS, fail with a reason) jobs whose worker stopped
    beating, and re-send queued jobs whose message may have been lost."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    for job_id in model.objects.stale(now).values_list("pk", flat=True):
        with transaction.atomic():
            job = model.objects.select_for_update().filter(pk=job_id).first()
            if job is None or job.status != RUNNING or not job.owner_is_gone(now):
                continue
            sent_again, given_up = job.stale_messages(time=local_time(job.heartbeat_at))
            if job.attempts >= settings.REPORT_MAX_ATTEMPTS:
                job.fail(given_up)
                counts["failed"] += 1
            else:
                job.status, job.claim, job.message = QUEUED, "", sent_again
                job.save(update_fields=["status", "claim", "message"])
                transaction.on_commit(lambda job=job: dispatch(job))
                counts["requeued"] += 1
    for job in model.objects.unsent(now):
        dispatch(job)
        counts["resent"] += 1
    return counts


def sweep_all(*, now: datetime.datetime | None = None) -> dict[str, dict[str, int]]:
    """The sweep of every kind of job, and each kind's own housekeeping: what beat runs every
    REPORT_SWEEP_SECONDS, and a worker when it starts."""
    now = now or timezone.now()
    done = {}
    for model in job_models():
        done[model.job_label] = sweep_jobs(model, now=now) | model.housekeeping(now)
    return done


def local_time(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "?"
