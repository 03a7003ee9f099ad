"""Evidence downloads: a file is served only to a logged-in user allowed to view the reading,
execution or source it belongs to, streamed from storage as an attachment."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portfolio.models import Evidence


def view_permission(evidence: Evidence) -> str:
    """The view permission of the row the file belongs to, e.g. portfolio.view_execution."""
    opts = evidence.owner._meta
    return f"{opts.app_label}.view_{opts.model_name}"


@login_required
@require_GET
def download_evidence(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("reading", "execution", "source"), pk=pk)
    if not request.user.has_perm(view_permission(evidence)):
        raise PermissionDenied(_("You are not allowed to view the %(model)s this file belongs to.")
                               % {"model": evidence.owner._meta.verbose_name})  # fmt: skip
    try:
        handle = evidence.file.storage.open(evidence.file.name or "", "rb")
    except FileNotFoundError:
        raise Http404(_("The evidence file is missing from storage.")) from None
    # Always an attachment: an uploaded PDF or image is never rendered inside the site's origin.
    # FileResponse writes the name as RFC 6266 filename*=utf-8''… when it is not ASCII.
    return FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
