"""Reads of report runs for the pages that list them: the history, newest first, and the runs a
progress request asks about. Each is one query, however many runs there are."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from reports.models import BRIEFING_KINDS, ReportRun, ReportStatus


def report_history() -> QuerySet[ReportRun]:
    """Every run, newest first, with the person who asked (one join, no query per row)."""
    return ReportRun.objects.select_related("requested_by").order_by("-created_at", "-id")


def runs_to_poll(ids: list[int]) -> QuerySet[ReportRun]:
    """The runs a progress request asks about (at most display.POLL_LIMIT ids)."""
    return ReportRun.objects.filter(pk__in=ids)


def last_briefing_day(as_of: datetime.date | None = None) -> datetime.date | None:
    """The day the last briefing described (its as-of day, else the day it was made), up to
    `as_of`: a new briefing says what changed since then. None when there was none. One query."""
    run = (
        ReportRun.objects.filter(kind__in=BRIEFING_KINDS, status=ReportStatus.DONE)
        .order_by("-finished_at")
        .only("as_of", "finished_at")
        .first()
    )
    if run is None or run.finished_at is None:
        return None
    day = run.as_of or timezone.localdate(run.finished_at)
    return None if as_of is not None and day > as_of else day
