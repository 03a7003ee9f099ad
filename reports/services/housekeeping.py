"""Housekeeping: the sweep that re-queues (or fails) runs whose builder died, re-sends queued runs
whose message may have been lost and removes what killed builds left in the temporary folder, and
the nightly expiry of old files."""

import datetime
import re
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import ReportRun, ReportStatus
from reports.services.asking import dispatch
from reports.services.building import CLAIM_IN_NAME, build_folder_prefix, owner_is_gone

# A queued run whose message may have been lost (say Redis restarted without persistence) is sent
# again after this long; duplicates are harmless, the claim lets one delivery through.
QUEUED_RESEND_SECONDS = 600


def sweep_stale_runs(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Re-queue (or, after REPORT_MAX_ATTEMPTS, fail with a reason) runs whose builder stopped
    beating, re-send queued runs whose message may have been lost, and remove the build folders
    that killed builds left on the machine running the sweep. Runs every REPORT_SWEEP_SECONDS
    from beat, and when a worker starts."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0, "folders_removed": 0}
    for run_id in ReportRun.objects.stale(now).values_list("pk", flat=True):
        with transaction.atomic():
            run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
            if run is None or run.status != ReportStatus.RUNNING or not owner_is_gone(run, now):
                continue
            last = local_time(run.heartbeat_at)
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
    counts["folders_removed"] = remove_stale_build_folders()
    return counts


def remove_stale_build_folders(*, root: Path | None = None) -> int:
    """Remove the build folders (workbook and openpyxl's sheet files) that builds killed by SIGKILL
    or the hard time limit left in this machine's temporary folder, where no `finally` removed
    them. A folder is kept only while its run is running under the claim that made it, and for no
    longer than the hard time limit, which no build in a worker outlives. Returns how many went."""
    root = Path(root or tempfile.gettempdir())
    prefix = build_folder_prefix()
    name = re.compile(rf"{re.escape(prefix)}(\d+)-([0-9a-f]{{{CLAIM_IN_NAME}}})-")
    found = {}
    for folder in root.glob(f"{prefix}*"):
        match = name.match(folder.name)
        if match and folder.is_dir():
            found[folder] = (int(match[1]), match[2])
    if not found:
        return 0
    running = ReportRun.objects.filter(pk__in={pk for pk, _ in found.values()}, status=ReportStatus.RUNNING)
    live = {(pk, claim[:CLAIM_IN_NAME]) for pk, claim in running.values_list("pk", "claim")}
    oldest = time.time() - settings.REPORT_TIME_LIMIT_SECONDS
    removed = 0
    for folder, owner in found.items():
        try:
            changed = folder.stat().st_mtime
        except FileNotFoundError:
            continue  # its build ended meanwhile and removed it
        if owner in live and changed > oldest:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


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
