"""The feed's endpoints. Each answer is JSON built once per data version and variant and kept
by api.caching; every GET carries its ETag and Last-Modified, and a conditional GET that
matches answers 304 without reading the data."""

import functools
import json
from collections.abc import Callable

from django.db.models import TextChoices
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.http import http_date, parse_etags
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from api import briefing, caching, detail, schema, tables
from api.query import BriefingQuery, IndicatorQuery, MilestoneQuery, ProgramQuery, Query, refuse_unknown
from portfolio.models import (
    BudgetLine,
    Execution,
    Firm,
    Indicator,
    IndicatorReading,
    Milestone,
    Program,
    Source,
)
from portfolio.selectors import KpiStatus

MONEY_MODELS = (Program, BudgetLine, Execution, Source)
BRIEFING_MODELS = (*MONEY_MODELS, Milestone, Indicator, IndicatorReading)


class FeedView(APIView):
    """Base of the feed's read-only endpoints: `build` makes the answer's JSON, `get` serves it
    from the cache with its ETag and Last-Modified."""

    models: tuple = ()  # the view permission of each is needed to read the endpoint
    query_serializer = None  # the endpoint's query parameters (api.query), if it takes any

    def build(self, request, version: caching.Version | None, **kwargs) -> bytes:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        refuse_unknown(request.query_params, parameter_names(self.query_serializer))
        version = caching.version_for(request)
        if version is None:  # cache down: answer from the database, ETag from the body
            response = self.answer(request, self.build(request, None, **kwargs))
            response["Last-Modified"] = http_date()
            if isinstance(response, Response):
                response.add_post_render_callback(set_response_etag)
            else:
                set_response_etag(response)
            return response
        variant = self.variant(request)
        etag, last_modified = caching.etag(version, variant), caching.last_modified(version)

        def body() -> bytes:
            make = lambda: self.build(request, version, **kwargs)  # noqa: E731
            return caching.remembered(version, "answer", variant, make)

        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is not None and not names_etag(request, etag):
            # "If-None-Match: *" and If-Modified-Since match any address, even an unknown program
            # or refused parameters: say "not modified" only when there is an answer (body()
            # raises 404 or 400 otherwise). A named ETag was given for an answer, so needs none.
            body()
        if response is None:
            response = self.answer(request, body())
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        return response

    def variant(self, request) -> str:
        """Everything besides the data version that the answer depends on: the address with its
        parameters (unknown ones were refused), the host (the page links name it), the language
        and the day."""
        params = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.items()))
        address = request.build_absolute_uri(request.path)
        return f"{address}?{params}|{translation.get_language()}|{timezone.localdate()}"

    def answer(self, request, body: bytes):
        """The JSON as it was made; other formats (the browsable API) get it decoded."""
        if request.accepted_renderer.format == "json":
            return HttpResponse(body, content_type="application/json")
        return Response(json.loads(body))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Accept-Language", "Authorization", "Cookie"))
        return response

    def validated(self, request) -> dict:
        query = self.query_serializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)


@functools.cache
def parameter_names(query_class) -> frozenset[str]:
    """The parameters an endpoint takes (none without a query serializer): worked out once, as a
    serializer's fields are copied each time it is made."""
    return frozenset(query_class().fields) if query_class else frozenset()


def names_etag(request, etag: str) -> bool:
    """Whether If-None-Match names this ETag itself (weak comparison, as Django's), not "*"."""
    named = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    return etag.removeprefix("W/") in (tag.removeprefix("W/") for tag in named if tag != "*")


def dumps(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def load_tables(version: caching.Version | None) -> tables.Tables:
    day = timezone.localdate()
    return caching.remembered(version, "tables", str(day), lambda: tables.build(day))


def page_of(request, count: int, query: dict) -> tuple[slice, dict]:
    """The rows of the page that `query` asks for (page, page_size) out of `count`, and the links
    to the next and previous pages; NotFound past the last page."""
    size, number = query["page_size"], query["page"]
    last = max(1, -(-count // size))
    if number > last:
        raise NotFound(
            _("There is no page %(page)s; the last page is %(last)s.") % {"page": number, "last": last}
        )
    url = request.build_absolute_uri()
    links = {
        "next": replace_query_param(url, "page", number + 1) if number < last else None,
        "previous": replace_query_param(url, "page", number - 1) if number > 1 else None,
    }
    return slice((number - 1) * size, number * size), links


# A list filter: (row, the parameter's value, the tables) → keep the row?
Filter = Callable[[dict, object, tables.Tables], bool]


class ListView(FeedView):
    """A list endpoint: filter the table's rows by the parameters given, order, page, label."""

    table = ""  # the tables.Tables attribute listed
    filters: dict[str, Filter] = {}
    displays: dict[str, type[TextChoices]] = {}  # field → choices whose label is added as <field>_display

    def rows(self, data: tables.Tables, query: dict) -> list[dict]:
        """The table's rows before filtering (a view may pick them by a parameter)."""
        return getattr(data, self.table)

    def build(self, request, version, **kwargs) -> bytes:
        query = self.validated(request)
        data = load_tables(version)
        for name in ("program", "parent"):  # codes match case-insensitively
            if name in query:
                query[name] = data.code(query[name])
        rows = self.rows(data, query)
        for name, keep in self.filters.items():
            if query.get(name) is not None:
                rows = [row for row in rows if keep(row, query[name], data)]
        rows = tables.ordered(rows, query.get("ordering"))
        shown, links = page_of(request, len(rows), query)
        results = [tables.with_labels(row, self.displays) for row in rows[shown]]
        return dumps({"count": len(rows), **links, "results": results})


def covers(period: dict, year: int) -> bool:
    start, end = period["start_year"], period["end_year"]
    return (start is None or start <= year) and (end is None or year <= end) and (start or end) is not None


def _equals(field: str) -> Filter:
    return lambda row, value, data: row[field] == value


def _under(row: dict, code, data: tables.Tables) -> bool:
    """The row belongs to `code` or to a program under it."""
    return code in data.lineage[row["program"]]


class ProgramListView(ListView):
    models = MONEY_MODELS
    query_serializer = ProgramQuery
    table = "programs"
    filters = {
        "status": _equals("status"),
        "parent": _equals("parent"),
        "level": _equals("level"),
        "national": _equals("is_national_context"),
        "year": lambda row, year, data: covers(row["period"], year),
    }
    displays = {"status": Program.Status, "level": Program.Kind}

    @extend_schema(
        operation_id="programs_list",
        parameters=[ProgramQuery],
        responses=schema.ProgramPage,
        examples=schema.PROGRAM_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        """Programs with status, period, total cost, plan, budget, executed and execution rate,
        in tree order unless `ordering` is given."""
        return super().get(request, *args, **kwargs)

    def rows(self, data: tables.Tables, query: dict) -> list[dict]:
        return data.programs_for(query.get("fiscal_year"))


class MilestoneListView(ListView):
    models = (Program, Milestone, Source)
    query_serializer = MilestoneQuery
    table = "milestones"
    filters = {
        "program": _under,
        "status": _equals("status"),
        "due_after": lambda row, day, data: row["planned_date"] >= day.isoformat(),
        "due_before": lambda row, day, data: row["planned_date"] <= day.isoformat(),
        "overdue": _equals("is_overdue"),
    }
    displays = {"status": Milestone.Status}

    @extend_schema(
        operation_id="milestones_list",
        parameters=[MilestoneQuery],
        responses=schema.MilestonePage,
        examples=schema.MILESTONE_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        """Milestones by planned date, with slippage, overdue and due-soon (90 days) flags."""
        return super().get(request, *args, **kwargs)


class IndicatorListView(ListView):
    models = (Program, Indicator, IndicatorReading, Source)
    query_serializer = IndicatorQuery
    table = "indicators"
    filters = {"program": _under, "status": _equals("status"), "metric": _equals("metric")}
    displays = {"status": KpiStatus}

    @extend_schema(
        operation_id="indicators_list",
        parameters=[IndicatorQuery],
        responses=schema.IndicatorPage,
        examples=schema.INDICATOR_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        """KPIs with baseline, target, actual, % achieved, on-track status and every reading."""
        return super().get(request, *args, **kwargs)


class ProgramDetailView(FeedView):
    models = (*MONEY_MODELS, Milestone, Indicator, IndicatorReading, Firm)
    query_serializer = Query  # none: any parameter is refused

    @extend_schema(
        operation_id="programs_retrieve",
        responses=schema.ProgramDetail,
        examples=schema.PROGRAM_DETAIL_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        """One program: its figures, budget by year × funding source, milestones, indicators with
        progress, firms and the sources cited. The code matches case-insensitively."""
        return super().get(request, *args, **kwargs)

    def build(self, request, version, code: str = "", **kwargs) -> bytes:
        data = load_tables(version)
        found = data.code(code)
        if found not in data.lineage:
            raise NotFound(_("No program has the code %(code)s.") % {"code": code})
        return dumps(detail.build(found, data))


def program_code(given: str) -> str:
    """The stored program code `given` names, matched case-insensitively (an exact match first);
    `given` itself when none matches (it may name a program only the history knows)."""
    found = list(Program.objects.filter(code__iexact=given).values_list("code", flat=True)[:2])
    return given if given in found or not found else found[0]


class BriefingView(FeedView):
    models = BRIEFING_MODELS
    query_serializer = BriefingQuery

    @extend_schema(
        operation_id="briefing_retrieve",
        parameters=[BriefingQuery],
        responses=schema.Briefing,
        examples=schema.BRIEFING_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        """The mayor's briefing in one call: headline figures, national context, budget by
        funding source and by year, KPIs, milestones due in 90 days or overdue, what changed
        since `since`, and alerts."""
        return super().get(request, *args, **kwargs)

    def build(self, request, version, **kwargs) -> bytes:
        query = self.validated(request)
        root = program_code(query["program"]) if query.get("program") else None
        try:
            return dumps(
                briefing.build(
                    as_of=query.get("as_of"),
                    root=root,
                    since=query.get("since"),
                    fiscal_year=query.get("fiscal_year"),
                )
            )
        except Program.DoesNotExist:
            raise NotFound(_("No program has the code %(code)s.") % {"code": query["program"]}) from None
