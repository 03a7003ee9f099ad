"""The report center (ask for a report, follow its progress, download it, see the history) and
report downloads: only users allowed to view reports see runs or get files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from reports import display
from reports.filenames import content_disposition
from reports.forms import RequestReportForm
from reports.models import PDF, XLSX, ReportRun
from reports.selectors import report_history, runs_to_poll

__all__ = ["PDF", "XLSX", "center", "download", "open_report", "progress"]
VIEW_PERMISSION = "reports.view_reportrun"
ADD_PERMISSION = "reports.add_reportrun"
PAGE_SIZE = 20  # runs on one page of the history


def open_report(run: ReportRun) -> FileResponse:
    """The run's file as an attachment; Http404 when it has none (not built yet, failed, expired)."""
    if not run.is_downloadable:
        raise Http404(_("This report has no file: it is not finished, it failed, or its file expired."))
    try:
        handle = run.file.storage.open(run.file.name, "rb")
    except FileNotFoundError:
        raise Http404(_("The report's file is missing from storage.")) from None
    response = FileResponse(handle, content_type=run.output.content_type)
    response["Content-Disposition"] = content_disposition(run.download_filename(), run.ascii_filename())
    return response


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied(_("You are not allowed to download reports."))
    return open_report(get_object_or_404(ReportRun, pk=pk))


def forbidden(request: HttpRequest) -> HttpResponse:
    """The dashboard's kind of refusal, in Korean, saying what the account lacks."""
    return render(request, "reports/forbidden.html", status=403)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def center(request: HttpRequest) -> HttpResponse:
    """The report center. A POST asks for a report and, when it was accepted, comes back here
    (POST/redirect/GET) with a message; a refused one shows the form again, errors beside fields."""
    user = request.user
    if not user.has_perm(VIEW_PERMISSION):
        return forbidden(request)
    can_ask = user.has_perm(ADD_PERMISSION)
    if request.method == "POST" and not can_ask:
        return forbidden(request)
    # Built for everyone: its program tree also names each run's scope in the history. A GET may
    # say where to start (?root=, ?kind=, ?as_of=), as the dashboard's program pages do.
    if request.method == "POST":
        form = RequestReportForm(request.POST)
    else:
        form = RequestReportForm.from_query(request.GET)
    if form.is_bound and form.is_valid() and (run := form.ask(user)):
        messages.add_message(request, display.run_level(run), display.run_message(run))
        return redirect(f"{reverse('reports:center')}#run-{run.pk}")

    page = Paginator(report_history(), PAGE_SIZE).get_page(request.GET.get("page"))
    names = form.program_names()
    context = {
        "nav": "reports",
        "form": form if can_ask else None,
        "page": page,
        "rows": [display.history_row(run, names) for run in page],
    }
    return render(request, "reports/center.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def progress(request: HttpRequest) -> JsonResponse:
    """What the report center's progress bars poll every two seconds: `?ids=1,2,3`."""
    if not request.user.has_perm(VIEW_PERMISSION):
        return JsonResponse({"error": _("You are not allowed to view reports.")}, status=403)
    runs = runs_to_poll(display.poll_ids(request.GET.get("ids", "")))
    return JsonResponse({"runs": [display.center_json(run) for run in runs]})
