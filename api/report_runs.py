"""The reports API: ask for a report (`POST reports/` → 202 and a Location), follow it
(`GET reports/{id}/`), and fetch its file (`GET reports/{id}/download/`: 409 while it is being
built, 410 once it failed or its file expired).

Runs are asked for and built by `reports.services`, exactly as from the admin and the report
centre, so a report asked for here is the same file. Who may ask (`reports.add_reportrun`)
and who may see runs and files (`reports.view_reportrun`) follows the reports permissions; the
briefing feed's token holds `reports.request_briefing` instead: it may ask for the mayor's
briefing, follow it and download it, and nothing else.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from api.parsers import FeedJSONParser
from api.permissions import ModelPermissions, may
from api.query import Choice, PageQuery, fiscal_year_field, refuse_unknown
from api.views import page_of, parameter_names, program_code
from reports import services
from reports.models import (
    BRIEFING_KINDS,
    HWPX,
    PDF,
    XLSX,
    ReportKind,
    ReportLanguage,
    ReportRun,
    ReportStatus,
    ReportUnit,
    Trigger,
)
from reports.selectors import report_history
from reports.views import open_report

BRIEFING_PERMISSION = "reports.request_briefing"

# request_report names the scope `root`; the API calls it `program`, as the briefing does.
SERVICE_FIELDS = {"root": "program"}


class ReportConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "report_not_ready"
    default_detail = gettext_lazy("The report is still being built; ask again when its status is done.")


class ReportGone(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "report_gone"
    default_detail = gettext_lazy("This report has no file.")


# --- what goes in and what comes out --------------------------------------------------------------


class ReportRequest(serializers.Serializer):
    kind = Choice(
        ReportKind.choices,
        help_text="`portfolio` or `kpi` (Excel), `briefing` (one-page PDF), `briefing_hwpx` (as HWPX).",
    )
    as_of = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Rebuild the report as the data stood at the end of this day (default: now; "
        "not after today).",
    )
    program = serializers.SlugField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="Cover only this program and everything under it (default: the whole portfolio).",
    )
    language = Choice(ReportLanguage.choices, default=ReportLanguage.KOREAN)
    fiscal_year = fiscal_year_field("The year of the budget figures (default: the as-of day's year).")
    unit = Choice(
        ReportUnit.choices,
        default=ReportUnit.THOUSAND,
        help_text="Money unit of the workbook: `won`, `thousand` (천원, the default), `million`, `eok`.",
    )

    # The service's own checks (reports.services.asking: a briefing in English, a day before the
    # history, an unknown program) come back as "invalid" errors of these fields.
    extra_error_codes = {
        name: ("invalid",) for name in ("kind", "as_of", "program", "language", "fiscal_year", "unit")
    }

    def validate(self, attrs):
        # A misspelt parameter ("asof") would silently give a different report: refuse it.
        names = self.initial_data.keys() if hasattr(self.initial_data, "keys") else ()
        unknown = sorted(set(names) - set(self.fields))
        if unknown:
            raise ValidationError(
                _(
                    "Unknown field(s): %(names)s. The fields are kind, as_of, program, language, "
                    "fiscal_year and unit."
                )
                % {"names": ", ".join(unknown)}
            )
        return attrs


class ReportRunSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    kind_display = serializers.CharField(source="get_kind_display")
    status_display = serializers.CharField(source="get_status_display")
    progress_percent = serializers.IntegerField(help_text="0–100; 100 once done.")
    program = serializers.SerializerMethodField(help_text="The program scope, or null for everything.")
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField(help_text="Set once the file can be downloaded.")

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "url",
            "kind",
            "kind_display",
            "as_of",
            "program",
            "language",
            "fiscal_year",
            "unit",
            "status",
            "status_display",
            "progress_percent",
            "rows_done",
            "rows_total",
            "message",
            "trigger",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "expired_at",
            "attempts",
            "size",
            "checksum",
            "download_url",
            "delivery_status",
            "delivery_message",
            "delivered_at",
        ]
        read_only_fields = fields

    def get_url(self, run: ReportRun) -> str:
        return self.context["request"].build_absolute_uri(reverse("api:report", args=[run.pk]))

    def get_program(self, run: ReportRun) -> str | None:
        return run.root or None

    def get_download_url(self, run: ReportRun) -> str | None:
        if not run.is_downloadable:
            return None
        return self.context["request"].build_absolute_uri(reverse("api:report-download", args=[run.pk]))


class ReportPage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReportRunSerializer(many=True)


class ReportQuery(PageQuery):
    status = Choice(ReportStatus.choices, required=False)
    kind = Choice(ReportKind.choices, required=False)
    trigger = Choice(Trigger.choices, required=False)


def error_response(code: str, detail: str, description: str):
    """An OpenAPI answer in the feed's error shape for the statuses DRF has no serializer for."""
    return OpenApiResponse(
        inline_error_serializer(code),
        description=description,
        examples=[
            OpenApiExample(
                code,
                value={"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": None}]},
            )
        ],
    )


def inline_error_serializer(code: str):
    error = type(f"Error{code.title().replace('_', '')}", (serializers.Serializer,), {
        "code": serializers.ChoiceField([code]),
        "detail": serializers.CharField(),
        "attr": serializers.CharField(allow_null=True),
    })  # fmt: skip
    return type(f"ErrorResponse{code.title().replace('_', '')}", (serializers.Serializer,), {
        "type": serializers.ChoiceField(ClientErrorEnum.choices),
        "errors": error(many=True),
    })  # fmt: skip


RUN_EXAMPLE = {
    "id": 12,
    "url": "http://127.0.0.1:8000/api/v1/reports/12/",
    "kind": "portfolio",
    "kind_display": "포트폴리오 보고서",
    "as_of": "2025-12-31",
    "program": "AX-VALLEY",
    "language": "ko",
    "fiscal_year": 2025,
    "unit": "thousand",
    "status": "queued",
    "status_display": "대기 중",
    "progress_percent": 0,
    "rows_done": 0,
    "rows_total": 0,
    "message": "작업자를 기다리는 중입니다.",
    "trigger": "user",
    "requested_by": "manager",
    "created_at": "2026-01-05T09:00:00+09:00",
    "started_at": None,
    "finished_at": None,
    "expired_at": None,
    "attempts": 0,
    "size": None,
    "checksum": "",
    "download_url": None,
    "delivery_status": "",
    "delivery_message": "",
    "delivered_at": None,
}


# --- views ----------------------------------------------------------------------------------------


class ReportPermissions(ModelPermissions):
    """The reports permissions, or, for a view that allows it, the briefing permission alone
    (the feed token): the view then refuses every run that is not a briefing."""

    def has_permission(self, request, view) -> bool:
        if super().has_permission(request, view):
            return True
        user = request.user
        if (
            view.briefing_only_allowed(request)
            and user.is_authenticated
            and user.has_perm(BRIEFING_PERMISSION)
        ):
            return True
        return False


def check_briefing_only(request, kind: str, action: str) -> None:
    """A user allowed in by the briefing permission alone may touch briefings only."""
    if kind not in BRIEFING_KINDS and not may(request, (ReportRun,), action):
        raise PermissionDenied(_("This token may ask for and download the mayor's briefing only."))


class ReportView(APIView):
    """Base of the report endpoints: the reports permissions, and conditional GETs (an ETag of
    the answer, Last-Modified of the runs shown), so a client polling a run can send
    If-None-Match and get 304 until something moved."""

    models = (ReportRun,)
    permission_classes = [ReportPermissions]
    shown: list[ReportRun] = []  # the runs a GET answer shows, for Last-Modified
    query_serializer: type[PageQuery] | None = None  # the GET's query parameters, if it takes any

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated and allowed first
        if request.method in ("GET", "HEAD"):
            refuse_unknown(request.query_params, parameter_names(self.query_serializer))

    def briefing_only_allowed(self, request) -> bool:
        """Whether a user holding only the briefing permission may use this endpoint (for briefings)."""
        return False

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Accept-Language", "Authorization", "Cookie"))
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and isinstance(response, Response)
        ):
            response.render()
            set_response_etag(response)
            modified = last_modified(self.shown)
            if modified is not None:
                response["Last-Modified"] = http_date(modified)
            response = get_conditional_response(
                request, etag=response["ETag"], last_modified=modified, response=response
            )
        return response


def last_modified(runs) -> int | None:
    """When the newest of these runs last moved (asked, beat, finished or expired)."""
    moments = [
        moment
        for run in runs
        for moment in (run.created_at, run.heartbeat_at, run.finished_at, run.expired_at)
        if moment
    ]
    return int(max(moments).timestamp()) if moments else None


class ReportListView(ReportView):
    query_serializer = ReportQuery
    # A report is asked for with a JSON body: a form cannot say "no as-of day" (null), and the
    # fields a later branch added (fiscal_year, unit) made the fuzzer send one with as_of "null".
    parser_classes = [FeedJSONParser]

    def briefing_only_allowed(self, request) -> bool:
        return request.method == "POST"  # ask, yes; list everyone's runs, no

    @extend_schema(
        operation_id="reports_list",
        parameters=[ReportQuery],
        responses=ReportPage,
    )
    def get(self, request):
        """Report runs, newest first: the user's own, those of colleagues and the monthly ones."""
        query = ReportQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = {name: query.validated_data[name] for name in ("status", "kind", "trigger")
                   if name in query.validated_data}  # fmt: skip
        runs = report_history().filter(**filters)
        count = runs.count()
        rows, links = page_of(request, count, query.validated_data)
        shown = list(runs[rows])
        body = {
            "count": count,
            **links,
            "results": ReportRunSerializer(shown, many=True, context={"request": request}).data,
        }
        self.shown = shown
        return Response(body)

    @extend_schema(
        operation_id="reports_create",
        request=ReportRequest,
        responses={202: ReportRunSerializer},
        examples=[
            OpenApiExample(
                "The AX valley's portfolio report at the end of 2025",
                request_only=True,
                value={
                    "kind": "portfolio",
                    "as_of": "2025-12-31",
                    "program": "AX-VALLEY",
                    "language": "ko",
                    "fiscal_year": 2025,
                    "unit": "thousand",
                },
            ),
            OpenApiExample(
                "A run just asked for", response_only=True, status_codes=["202"], value=RUN_EXAMPLE
            ),
        ],
    )
    def post(self, request):
        """Ask for a report. The answer (202) is the run, with `Location` to poll; a worker builds
        it. Without an answering queue the run says so in `message` and is built at once."""
        asked = ReportRequest(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        check_briefing_only(request, data["kind"], "add")
        try:
            run = services.request_report(
                kind=data["kind"],
                requested_by=request.user,
                as_of=data.get("as_of"),
                root=program_code(data["program"]) if data.get("program") else None,
                language=data["language"],
                fiscal_year=data.get("fiscal_year"),
                unit=data["unit"],
            )
        except DjangoValidationError as error:
            raise ValidationError(
                {SERVICE_FIELDS.get(field, field): messages for field, messages in error.message_dict.items()}
            ) from None
        body = ReportRunSerializer(run, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


def the_run(pk: int) -> ReportRun:
    run = ReportRun.objects.select_related("requested_by").filter(pk=pk).first()
    if run is None:
        raise NotFound(_("There is no report #%(id)s.") % {"id": pk})
    return run


class ReportDetailView(ReportView):
    def briefing_only_allowed(self, request) -> bool:
        return True

    @extend_schema(operation_id="reports_retrieve", responses=ReportRunSerializer)
    def get(self, request, pk: int):
        """One run: status, progress, message, and the download address once it is done."""
        run = the_run(pk)
        check_briefing_only(request, run.kind, "view")
        self.shown = [run]
        return Response(ReportRunSerializer(run, context={"request": request}).data)


class AnyAccept(DefaultContentNegotiation):
    """The download answers a file whatever the client accepts; errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except APIException:
            return renderers[0], renderers[0].media_type


class ReportDownloadView(ReportView):
    content_negotiation_class = AnyAccept

    def briefing_only_allowed(self, request) -> bool:
        return True

    @extend_schema(
        operation_id="reports_download",
        responses={
            (200, XLSX.content_type): OpenApiResponse(OpenApiTypes.BINARY, description="A workbook (.xlsx)."),
            (200, PDF.content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The briefing (.pdf)."),
            (200, HWPX.content_type): OpenApiResponse(
                OpenApiTypes.BINARY, description="The briefing (.hwpx)."
            ),
            409: error_response(
                "report_not_ready", "보고서를 만드는 중입니다.", "The report is queued or being built."
            ),
            410: error_response(
                "report_gone", "이 보고서는 만들지 못했습니다.", "The report failed, or its file expired."
            ),
        },
    )
    def get(self, request, pk: int):
        """The report's file (.xlsx, or .pdf for the briefing). 409 while it is queued or being
        built, 410 when it failed or its file was removed after the retention period."""
        run = the_run(pk)
        check_briefing_only(request, run.kind, "view")
        if run.status in (ReportStatus.QUEUED, ReportStatus.RUNNING):
            raise ReportConflict(
                _("Report #%(id)s is %(status)s (%(percent)d%%); ask again when it is done.")
                % {"id": run.pk, "status": run.get_status_display(), "percent": run.progress_percent}
            )
        if run.status == ReportStatus.FAILED:
            raise ReportGone(_("Report #%(id)s failed: %(message)s") % {"id": run.pk, "message": run.message})
        if run.expired_at or not run.file:
            raise ReportGone(
                _("The file of report #%(id)s was removed after the retention period.") % {"id": run.pk}
            )
        etag = quote_etag(run.checksum)
        modified = int(run.finished_at.timestamp()) if run.finished_at else None
        unchanged = get_conditional_response(request, etag=etag, last_modified=modified)
        if unchanged is not None:
            return unchanged
        try:
            response = open_report(run)
        except Http404 as missing:  # the file is gone from storage
            raise ReportGone(str(missing)) from None
        response["ETag"] = etag
        if modified:
            response["Last-Modified"] = http_date(modified)
        return response
