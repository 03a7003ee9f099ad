"""Report downloads: only users allowed to view reports get the file, streamed from storage."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from reports.models import ReportRun

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VIEW_PERMISSION = "reports.view_reportrun"


def open_report(run: ReportRun) -> FileResponse:
    """The run's file as an attachment; Http404 when it has none (not built yet, failed, expired)."""
    if not run.is_downloadable:
        raise Http404(_("This report has no file: it is not finished, it failed, or its file expired."))
    try:
        handle = run.file.storage.open(run.file.name, "rb")
    except FileNotFoundError:
        raise Http404(_("The report's file is missing from storage.")) from None
    return FileResponse(handle, as_attachment=True, filename=run.download_filename(), content_type=XLSX)


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(_("You are not allowed to download reports."))
    return open_report(get_object_or_404(ReportRun, pk=pk))
