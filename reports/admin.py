"""The Reports page in the admin: runs with a live progress bar, download links and mail status,
a form to ask for a report, actions on the program list that ask for one per selected program, and
report schedules (what, when, to whom) with a test mail."""

from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reports import services
from reports.display import poll_ids, progress_json, run_level, run_message, size_text, status_text
from reports.forms import RequestReportForm
from reports.models import ReportKind, ReportRun, ReportSchedule, parse_recipients
from reports.selectors import runs_to_poll
from reports.services import mailing

ACTION_LIMIT = 20  # reports one action may ask for


class AdminRequestReportForm(RequestReportForm):
    """The shared form, with the admin's calendar for the as-of day."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_of"].widget = AdminDateWidget(format="%Y-%m-%d")


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "scope",
        "status_and_progress",
        "requested",
        "requested_at",
        "size_display",
        "download_link",
        "delivery_status",
    )
    list_display_links = ("id", "kind")
    list_filter = ("status", "kind", "trigger", "language", "unit", "delivery_status")
    list_select_related = ("requested_by",)
    date_hierarchy = "created_at"
    list_per_page = 50
    fields = (
        ("kind", "language"),
        ("as_of", "root"),
        ("fiscal_year", "unit"),
        ("status", "rows_done", "rows_total"),
        "message",
        ("file", "size", "checksum"),
        ("requested_by", "trigger", "schedule_key"),
        ("created_at", "sent_at", "started_at", "finished_at", "expired_at"),
        ("task_id", "attempts", "worker", "heartbeat_at"),
        "recipients",
        ("delivery_status", "delivery_attempts", "delivered_at"),
        "delivery_message",
    )

    class Media:
        js = ("reports/admin_progress.js",)
        css = {"all": ("reports/admin_progress.css",)}

    # Runs are made by request_report and filled by workers: the admin only looks.
    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ReportRun._meta.fields]

    def get_urls(self):
        return [
            path(
                "progress/", self.admin_site.admin_view(self.progress_view), name="reports_reportrun_progress"
            ),
            *super().get_urls(),
        ]

    # --- columns -------------------------------------------------------------------------------

    @admin.display(description=_("program scope"), ordering="root")
    def scope(self, run):
        scope = run.root or _("All programs")
        return f"{scope} · {run.as_of:%Y-%m-%d}" if run.as_of else scope

    @admin.display(description=_("requested at"), ordering="created_at")
    def requested_at(self, run):
        return timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("status"), ordering="status")
    def status_and_progress(self, run):
        return format_html(
            '<div class="report-run" data-report-run="{}" data-status="{}" title="{}">'
            '<progress max="100" value="{}"></progress> <span class="report-run-text">{}</span></div>',
            run.pk,
            run.status,
            run.message,
            run.progress_percent,
            status_text(run.get_status_display(), run.status, run.progress_percent),
        )

    @admin.display(description=_("requested by"), ordering="requested_by__username")
    def requested(self, run):
        return run.requested_by or run.get_trigger_display()

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, run):
        return size_text(run.size)

    @admin.display(description=_("download"))
    def download_link(self, run):
        url = run.get_download_url()
        if not url:
            return "–"  # why (waiting, failed, expired) is in the status cell's tooltip and the run's page
        return format_html('<a href="{}" download>{}</a>', url, run.download_label())

    # --- asking for a report -------------------------------------------------------------------

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AdminRequestReportForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and (run := form.ask(request.user)):
            self.message_user(request, run_message(run), level=run_level(run))
            return redirect("admin:reports_reportrun_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ask for a report"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/reports/reportrun/request_form.html", context)

    def progress_view(self, request: HttpRequest) -> JsonResponse:
        """What the progress bars poll: status and progress of the runs named in ?ids=1,2,3."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        runs = runs_to_poll(poll_ids(request.GET.get("ids", "")))
        return JsonResponse({"runs": [progress_json(run) for run in runs]})


# --- the action on the program list ---------------------------------------------------------------


def request_reports(kind: str, modeladmin, request, queryset):
    codes = list(queryset.order_by("sort_order", "code").values_list("code", flat=True)[: ACTION_LIMIT + 1])
    if len(codes) > ACTION_LIMIT:
        modeladmin.message_user(
            request,
            _("Select at most %(limit)d programs for reports at once.") % {"limit": ACTION_LIMIT},
            level=messages.ERROR,
        )
        return None
    for code in codes:
        services.request_report(kind=kind, requested_by=request.user, root=code)
    modeladmin.message_user(
        request,
        ngettext(
            "Asked for %(count)d report; follow it on the Reports page.",
            "Asked for %(count)d reports; follow them on the Reports page.",
            len(codes),
        )
        % {"count": len(codes)},
        level=messages.SUCCESS,
    )
    return redirect(reverse("admin:reports_reportrun_changelist"))


@admin.action(
    description=_("Build a portfolio report for each selected program"), permissions=["request_report"]
)
def request_portfolio_reports(modeladmin, request, queryset):
    return request_reports(ReportKind.PORTFOLIO, modeladmin, request, queryset)


@admin.action(
    description=_("Build the mayor's briefing for each selected program"), permissions=["request_report"]
)
def request_briefings(modeladmin, request, queryset):
    return request_reports(ReportKind.BRIEFING, modeladmin, request, queryset)


class ReportActionsMixin:
    """For the program admin: the report actions, shown to users who may ask for reports."""

    actions = [request_portfolio_reports, request_briefings]

    def has_request_report_permission(self, request) -> bool:
        return request.user.has_perm("reports.add_reportrun")


# --- schedules with recipients --------------------------------------------------------------------


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "root", "crontab", "recipient_count", "enabled")
    list_filter = ("kind", "enabled")
    fields = ("name", ("kind", "language"), "root", "crontab", "recipients", "enabled")
    actions = ["send_test_mail"]

    @admin.display(description=_("recipients"))
    def recipient_count(self, schedule: ReportSchedule) -> int:
        return len(schedule.recipients.split())

    @admin.action(description=_("Send a test mail"), permissions=["change"])
    def send_test_mail(self, request, queryset):
        for schedule in queryset:
            recipients = parse_recipients(schedule.recipients)
            try:
                mailing.send_test_mail(recipients, name=schedule.name)
            except mailing.MAIL_ERRORS as error:
                self.message_user(
                    request,
                    _("%(name)s: the test mail could not be sent: %(error)s")
                    % {"name": schedule.name, "error": f"{type(error).__name__}: {error}"},
                    level=messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(name)s: a test mail was sent to %(recipients)s.")
                    % {"name": schedule.name, "recipients": ", ".join(recipients)},
                    level=messages.SUCCESS,
                )
