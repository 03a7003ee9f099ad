"""The feed's endpoints. Every GET carries an ETag and Last-Modified derived from the data
version, and a conditional GET that matches answers 304 before any data is read."""

import datetime
import functools
import hashlib
import json
import time

from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.http import http_date, parse_etags, quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from api import briefing, cache, detail, schema, state, tables
from api.query import BRIEFING_PARAMS, BriefingQuery, IndicatorQuery, MilestoneQuery, ProgramQuery
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


@functools.lru_cache(maxsize=1024)
def etag_for(version: int, variant: str) -> str:
    return quote_etag(hashlib.blake2b(f"{version}|{variant}".encode(), digest_size=12).hexdigest())


_day: list = [None, 0.0, 0.0]  # today's date in Seoul, and the epoch seconds it starts and ends


def today() -> tuple[datetime.date, int]:
    """Today's date where the office is, and the epoch second it began. Worked out again only
    when the clock leaves that day: the zone conversions cost more than the rest of a cached
    answer."""
    now = time.time()
    day, start, end = _day
    if not start <= now < end:
        day = timezone.localdate()
        midnights = (datetime.datetime.combine(day + datetime.timedelta(n), datetime.time()) for n in (0, 1))
        start, end = (timezone.make_aware(midnight).timestamp() for midnight in midnights)
        _day[:] = [day, start, end]
    return day, int(start)


def names_etag(request, etag: str) -> bool:
    """Whether If-None-Match names this ETag itself (weak comparison, as Django's), not "*"."""
    named = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    return etag.strip("W/") in (tag.strip("W/") for tag in named if tag != "*")


def last_modified_for(version) -> int:
    """When the answer last changed: the data version's time, or the start of today in Seoul if
    later (overdue flags and KPI status move with the day even when no data does)."""
    return max(int(version.changed_at), today()[1])


def briefing_variant(params) -> str:
    """What the briefing depends on besides the data: its own parameters (nothing else may
    split the cache), the language and the day."""
    query = "&".join(f"{name}={params[name]}" for name in BRIEFING_PARAMS if name in params)
    return f"briefing?{query}|{translation.get_language()}|{today()[0]}"


class FeedView(APIView):
    """Base of the feed's read-only endpoints."""

    models: tuple = ()  # the view permission of each is needed to read the endpoint

    def get(self, request, *args, **kwargs):
        version = state.for_request(request._request).data
        if version is None:  # cache down: answer from the database, ETag from the body
            response = self.respond(request, None, **kwargs)
            response["Last-Modified"] = http_date()
            if hasattr(response, "add_post_render_callback"):
                response.add_post_render_callback(set_response_etag)
            else:
                set_response_etag(response)
            return response
        key = self.variant(request, kwargs)
        etag = etag_for(version.number, key)
        last_modified = last_modified_for(version)
        response = get_conditional_response(request._request, etag=etag, last_modified=last_modified)
        if response is not None and not names_etag(request._request, etag):
            # "If-None-Match: *" and If-Modified-Since match any address, even an unknown program
            # or refused parameters: only say "not modified" once there is an answer (respond
            # raises 404 or 400 otherwise). A named ETag was given for an answer, so it needs none.
            self.respond(request, version.number, key=key, **kwargs)
        if response is None:
            response = self.respond(request, version.number, key=key, **kwargs)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        return response

    query_serializer = None  # the endpoint's query parameters (api.query), if it takes any

    def variant(self, request, kwargs) -> str:
        """Everything besides the data version that the answer depends on: the path, the
        parameters the endpoint knows (others change nothing, so they must not split the cache
        into new 24-hour entries), the language and the day."""
        known = known_params(self.query_serializer)
        params = sorted((k, v) for k, v in request.query_params.dict().items() if k in known)
        query = "&".join(f"{k}={v}" for k, v in params)
        return f"{request.path}?{query}|{translation.get_language()}|{today()[0]}"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Accept-Language", "Authorization", "Cookie"))
        return response

    def respond(self, request, version: int | None, key: str = "", **kwargs):
        raise NotImplementedError

    # --- helpers for the lists ----------------------------------------------------------

    def load_tables(self, version: int | None) -> tables.Tables:
        today = timezone.localdate()
        return cache.remembered(version, "tables", str(today), lambda: tables.build(today))

    def page(self, request, data: tables.Tables, kind: str, rows: list[dict], query: dict, decorate):
        """One page of `rows` as JSON. Each row is encoded once per process and language
        (kept with the table), so a request joins bytes instead of serialising 100 rows."""
        count = len(rows)
        shown, links = page_of(request, count, query)
        encoded = data.encoded.setdefault((kind, translation.get_language()), {})
        parts = []
        for row in rows[shown]:
            blob = encoded.get(id(row))
            if blob is None:
                blob = encoded[id(row)] = dumps(decorate(row))
            parts.append(blob)
        head = dumps({"count": count, **links})[:-1]  # the object without its closing brace
        return self.json(request, head + b',"results":[' + b",".join(parts) + b"]}")

    def json(self, request, body: bytes):
        """JSON made beforehand, as is; other formats (the browsable API) get it decoded."""
        if request.accepted_renderer.format == "json":
            return HttpResponse(body, content_type="application/json")
        return Response(json.loads(body))


@functools.cache
def known_params(serializer_class) -> frozenset[str]:
    """The names of the query parameters a serializer of api.query takes (none without one)."""
    return frozenset(serializer_class().fields) if serializer_class else frozenset()


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


def labels(choices) -> dict[str, str]:
    """value → label in the request's language."""
    return {value: str(label) for value, label in choices.choices}


class ProgramListView(FeedView):
    models = MONEY_MODELS
    query_serializer = ProgramQuery

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

    def respond(self, request, version, key="", **kwargs):
        query = validated(self.query_serializer, request)
        data = self.load_tables(version)
        rows = data.programs_for(query.get("fiscal_year"))
        if "status" in query:
            rows = [row for row in rows if row["status"] == query["status"]]
        if "parent" in query:
            rows = [row for row in rows if row["parent"] == query["parent"]]
        if "level" in query:
            rows = [row for row in rows if row["level"] == query["level"]]
        if query.get("national") is not None:
            rows = [row for row in rows if row["is_national_context"] == query["national"]]
        if "year" in query:
            rows = [row for row in rows if covers(row["period"], query["year"])]
        rows = tables.ordered(rows, query.get("ordering"))
        status, level = labels(Program.Status), labels(Program.Kind)
        return self.page(
            request,
            data,
            "programs",
            rows,
            query,
            lambda row: row | {"status_display": status[row["status"]], "level_display": level[row["level"]]},
        )


def covers(period: dict, year: int) -> bool:
    start, end = period["start_year"], period["end_year"]
    return (start is None or start <= year) and (end is None or year <= end) and (start or end) is not None


class ProgramDetailView(FeedView):
    models = (*MONEY_MODELS, Milestone, Indicator, IndicatorReading, Firm)

    @extend_schema(
        operation_id="programs_retrieve",
        responses=schema.ProgramDetail,
        examples=schema.PROGRAM_DETAIL_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        """One program: its figures, budget by year × funding source, milestones, indicators with
        progress, firms and the sources cited."""
        return super().get(request, *args, **kwargs)

    def respond(self, request, version, key="", code=None, **kwargs):
        data = self.load_tables(version)
        if code not in data.lineage:
            raise NotFound(_("No program has the code %(code)s.") % {"code": code})
        return self.json(
            request, cache.remembered(version, "detail", key, lambda: dumps(detail.build(code, data)))
        )


class MilestoneListView(FeedView):
    models = (Program, Milestone, Source)
    query_serializer = MilestoneQuery

    @extend_schema(
        operation_id="milestones_list",
        parameters=[MilestoneQuery],
        responses=schema.MilestonePage,
        examples=schema.MILESTONE_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        """Milestones by planned date, with slippage, overdue and due-soon (90 days) flags."""
        return super().get(request, *args, **kwargs)

    def respond(self, request, version, key="", **kwargs):
        query = validated(self.query_serializer, request)
        data = self.load_tables(version)
        rows = data.milestones
        if "program" in query:
            rows = [row for row in rows if query["program"] in data.lineage[row["program"]]]
        if "status" in query:
            rows = [row for row in rows if row["status"] == query["status"]]
        if "due_after" in query:
            rows = [row for row in rows if row["planned_date"] >= query["due_after"].isoformat()]
        if "due_before" in query:
            rows = [row for row in rows if row["planned_date"] <= query["due_before"].isoformat()]
        if query.get("overdue") is not None:
            rows = [row for row in rows if row["is_overdue"] == query["overdue"]]
        rows = tables.ordered(rows, query.get("ordering"))
        status = labels(Milestone.Status)
        return self.page(
            request,
            data,
            "milestones",
            rows,
            query,
            lambda row: row | {"status_display": status[row["status"]]},
        )


class IndicatorListView(FeedView):
    models = (Program, Indicator, IndicatorReading, Source)
    query_serializer = IndicatorQuery

    @extend_schema(
        operation_id="indicators_list",
        parameters=[IndicatorQuery],
        responses=schema.IndicatorPage,
        examples=schema.INDICATOR_EXAMPLES,
    )
    def get(self, request, *args, **kwargs):
        """KPIs with baseline, target, actual, % achieved, on-track status and every reading."""
        return super().get(request, *args, **kwargs)

    def respond(self, request, version, key="", **kwargs):
        query = validated(self.query_serializer, request)
        data = self.load_tables(version)
        rows = data.indicators
        if "program" in query:
            rows = [row for row in rows if query["program"] in data.lineage[row["program"]]]
        if "status" in query:
            rows = [row for row in rows if row["status"] == query["status"]]
        if "metric" in query:
            rows = [row for row in rows if row["metric"] == query["metric"]]
        rows = tables.ordered(rows, query.get("ordering"))
        status = labels(KpiStatus)
        return self.page(
            request,
            data,
            "indicators",
            rows,
            query,
            lambda row: row | {"status_display": status[row["status"]]},
        )


class BriefingView(ProgramDetailView):
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
        return FeedView.get(self, request, *args, **kwargs)

    def variant(self, request, kwargs) -> str:
        return briefing_variant(request.query_params)

    def respond(self, request, version, key="", **kwargs):
        def make() -> bytes:
            # Validated on a miss only: a cached body exists only for parameters that passed.
            query = validated(self.query_serializer, request)
            try:
                return dumps(
                    briefing.build(
                        as_of=query.get("as_of"),
                        root=query.get("program"),
                        since=query.get("since"),
                        fiscal_year=query.get("fiscal_year"),
                    )
                )
            except Program.DoesNotExist:
                raise NotFound(_("No program has the code %(code)s.") % {"code": query["program"]}) from None

        return self.json(request, cache.remembered(version, "briefing", key, make))


_VALID: dict[tuple, dict] = {}


def validated(serializer_class, request) -> dict:
    """The query parameters, validated. Answers for parameters seen before on the same day are
    remembered (validation depends on nothing else: the briefing's as-of day may not be in the
    future), since a DRF serializer costs more than the rest of a cached list request."""
    params = request.query_params.dict()
    key = (serializer_class, timezone.localdate(), tuple(sorted(params.items())))
    known = _VALID.get(key)
    if known is None:
        serializer = serializer_class(data=params)
        serializer.is_valid(raise_exception=True)
        known = dict(serializer.validated_data)
        if len(_VALID) >= 1000:
            _VALID.clear()
        _VALID[key] = known
    return dict(known)


def dumps(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
