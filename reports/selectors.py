"""Reads of report runs for the pages that list them: the history, newest first, and the runs a
progress request asks about. Each is one query, however many runs there are."""

from django.db.models import QuerySet

from reports.models import ReportRun


def report_history() -> QuerySet[ReportRun]:
    """Every run, newest first, with the person who asked (one join, no query per row)."""
    return ReportRun.objects.select_related("requested_by").order_by("-created_at", "-id")


def runs_to_poll(ids: list[int]) -> QuerySet[ReportRun]:
    """The runs a progress request asks about (at most display.POLL_LIMIT ids)."""
    return ReportRun.objects.filter(pk__in=ids)
