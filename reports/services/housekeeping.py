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
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import QUEUED_RESEND_SECONDS
from jobs.services import sweep_jobs
from reports.models import ReportRun, ReportStatus
from reports.services.building import CLAIM_IN_NAME, build_folder_prefix

__all__ = ["QUEUED_RESEND_SECONDS", "expire_old_files", "remove_stale_build_folders", "sweep_stale_runs"]


def sweep_stale_runs(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The reports' part of the one sweep (jobs.services.sweep_jobs): re-queue (or, after
    REPORT_MAX_ATTEMPTS, fail with a reason) runs whose builder stopped beating, re-send queued
    runs whose message may have been lost, and remove the build folders that killed builds left
    on the machine running the sweep."""
    now = now or timezone.now()
    return sweep_jobs(ReportRun, now=now) | ReportRun.housekeeping(now)


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
