"""How a report run is shown to people, the same way on the admin's Reports page and in the report
center: its status text, size, who asked, the message after asking, and the JSON the progress bars
poll."""

from dataclasses import dataclass

from django.contrib import messages
from django.utils.translation import gettext as _

from reports.models import ReportRun, ReportStatus

POLL_LIMIT = 200  # runs one progress request may ask about


def status_text(label: str, status: str, percent: int) -> str:
    """`작성 중 · 25%`; a failed run's percent says nothing, so it is left off."""
    return label if status == ReportStatus.FAILED else f"{label} · {percent}%"


def run_status_text(run: ReportRun) -> str:
    return status_text(run.get_status_display(), run.status, run.progress_percent)


def size_text(size: int | None) -> str:
    if not size:
        return "–"
    return f"{size / 1024:,.0f} KB" if size < 1024**2 else f"{size / 1024**2:,.1f} MB"


def asker_name(run: ReportRun) -> str:
    """The person who asked, by name; empty for the schedule, a script or a deleted account."""
    if run.requested_by_id is None:
        return ""
    return run.requested_by.get_full_name() or run.requested_by.get_username()


def progress_json(run: ReportRun) -> dict:
    return {
        "id": run.pk,
        "status": run.status,
        "status_display": run.get_status_display(),
        "percent": run.progress_percent,
        "rows_done": run.rows_done,
        "rows_total": run.rows_total,
        "message": run.message,
        "download_url": run.get_download_url(),
    }


def poll_ids(query: str) -> list[int]:
    """The run ids of a progress request's `?ids=1,2,3`; anything else in it is ignored."""
    return [int(part) for part in query.split(",") if part.strip().isdigit()][:POLL_LIMIT]


def shown_message(run: ReportRun) -> str:
    """The run's own message; a queued run without one (made by hand or a script) still says why
    it waits."""
    if not run.message and run.status == ReportStatus.QUEUED:
        return _("Waiting for a worker.")
    return run.message


def scope_text(run: ReportRun, names: dict[str, str]) -> str:
    """`AX-VALLEY AX 실증밸리`, the bare code of a program that no longer exists, or all programs."""
    if not run.root:
        return _("All programs")
    name = names.get(run.root)
    return f"{run.root} {name}" if name else run.root


@dataclass(frozen=True)
class HistoryRow:
    """One run as the report center's history shows it."""

    run: ReportRun
    scope: str
    asked_by: str
    status_text: str
    size: str
    message: str


def history_row(run: ReportRun, names: dict[str, str]) -> HistoryRow:
    return HistoryRow(
        run=run,
        scope=scope_text(run, names),
        asked_by=asker_name(run),
        status_text=run_status_text(run),
        size=size_text(run.size),
        message=shown_message(run),
    )


def center_json(run: ReportRun) -> dict:
    """The progress JSON with the texts the report center writes into the row as they are."""
    return progress_json(run) | {
        "status_text": run_status_text(run),
        "size_text": size_text(run.size),
        "message": shown_message(run),
        "download_label": run.download_label(),
    }


def run_message(run: ReportRun) -> str:
    if run.status == ReportStatus.FAILED:
        return _("Report #%(id)s failed: %(message)s") % {"id": run.pk, "message": run.message}
    if run.status == ReportStatus.DONE:
        return _("Report #%(id)s is ready to download.") % {"id": run.pk}
    return _("Report #%(id)s is queued; its progress shows below.") % {"id": run.pk}


def run_level(run: ReportRun) -> int:
    return {ReportStatus.FAILED: messages.ERROR, ReportStatus.DONE: messages.SUCCESS}.get(
        run.status, messages.INFO
    )
