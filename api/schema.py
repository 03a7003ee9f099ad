"""OpenAPI descriptions of the feed's answers: serializers used only by drf-spectacular (the
views build plain dicts), and examples with real Gwangju figures. The schemathesis test checks
every answer against these, so they cannot drift from what the views send."""

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers as s

from portfolio.models import AdjustmentKind, Indicator, Milestone, Program
from portfolio.selectors import KpiStatus


class Figure(s.Serializer):
    value = s.FloatField(allow_null=True, help_text="Whole won for money, percent for rates.")
    unit = s.CharField(help_text='"KRW", "%", or the indicator\'s unit.')
    display_ko = s.CharField(help_text="e.g. 6,000억원, 650명")
    display_en = s.CharField(help_text="e.g. ₩600.0B, 650 jobs")
    source = s.CharField(allow_null=True, help_text="Citation(s): publisher, date, title.")


class Period(s.Serializer):
    start_year = s.IntegerField(allow_null=True)
    end_year = s.IntegerField(allow_null=True)


class ProgramRow(s.Serializer):
    code = s.CharField()
    parent = s.CharField(allow_null=True)
    level = s.ChoiceField(Program.Kind.choices)
    level_display = s.CharField()
    depth = s.IntegerField()
    name_ko = s.CharField()
    name_en = s.CharField(allow_blank=True)
    status = s.ChoiceField(Program.Status.choices)
    status_display = s.CharField()
    is_national_context = s.BooleanField()
    period = Period()
    fiscal_year = s.IntegerField(help_text="The fiscal year of the money and rates below (?fiscal_year=).")
    total_cost = Figure(help_text="총사업비: the total cost over the whole period.")
    planned = Figure(help_text="Plan-stage lines of the fiscal year.")
    budget = Figure(
        help_text="예산현액 of the fiscal year: adopted + carry-ins + 예비비 ± 이용·전용·이체 + 수입대체경비."
    )
    committed = Figure(help_text="원인행위액 of the fiscal year.")
    executed = Figure(help_text="지출액 of the fiscal year: payments booked to it, less 반납.")
    execution_rate = Figure(help_text="집행률 of the fiscal year: 지출액 ÷ 예산현액.")
    executed_to_date = Figure(help_text="지출액 of every fiscal year up to this one.")
    cumulative_execution_rate = Figure(
        help_text="총사업비 대비 누적집행률: 지출액 to the fiscal year ÷ 총사업비 (the rate across years)."
    )


class MilestoneRow(s.Serializer):
    id = s.IntegerField()
    program = s.CharField()
    title_ko = s.CharField()
    title_en = s.CharField(allow_blank=True)
    planned_date = s.DateField()
    actual_date = s.DateField(allow_null=True)
    date_precision = s.ChoiceField(Milestone.Precision.choices)
    status = s.ChoiceField(Milestone.Status.choices)
    status_display = s.CharField()
    slippage_days = s.IntegerField(allow_null=True)
    is_overdue = s.BooleanField()
    is_due_soon = s.BooleanField()
    source = s.CharField(allow_null=True)


class Reading(Figure):
    period = s.DateField()


class BreakdownPart(Figure):
    name_ko = s.CharField()
    name_en = s.CharField(allow_blank=True)


class Breakdown(s.Serializer):
    period = s.DateField(help_text="The period of the latest reading, whose parts these are.")
    parts = BreakdownPart(many=True, help_text="세부 구분: the parts add up to that reading's value.")


class IndicatorYear(s.Serializer):
    fiscal_year = s.IntegerField()
    target = Figure()
    basis = s.CharField(allow_blank=True)
    result = Figure(
        help_text="A cumulative KPI's latest approved reading by the year's end; otherwise the year's "
        "approved readings added up."
    )
    achievement_pct = Figure(help_text="Result ÷ target × 100 (target ÷ result when lower is better).")
    status = s.ChoiceField(KpiStatus.choices)


class IndicatorRow(s.Serializer):
    code = s.CharField()
    program = s.CharField()
    name_ko = s.CharField()
    name_en = s.CharField(allow_blank=True)
    metric = s.ChoiceField(Indicator.Metric.choices)
    direction = s.ChoiceField(Indicator.Direction.choices)
    is_cumulative = s.BooleanField()
    status = s.ChoiceField(KpiStatus.choices)
    status_display = s.CharField()
    baseline = Figure()
    baseline_year = s.IntegerField(allow_null=True)
    target = Figure()
    target_year = s.IntegerField(allow_null=True)
    actual = Figure()
    achievement_pct = Figure()
    expected = Figure(help_text="Where a straight line from baseline to target says the KPI should be today.")
    latest_period = s.DateField(allow_null=True)
    readings = Reading(many=True, help_text="Approved readings only: the ones every figure counts.")
    pending = s.IntegerField(help_text="Readings submitted, awaiting approval; they count in no figure yet.")
    weight = s.FloatField(allow_null=True, help_text="Optional share of the indicator within its program.")
    yearly = IndicatorYear(many=True)
    breakdown = Breakdown(
        allow_null=True, help_text="The latest reading split by the indicator's breakdown; null if not split."
    )
    source = s.CharField(allow_null=True)


def page_of(row, name: str):
    return type(
        name,
        (s.Serializer,),
        {
            "count": s.IntegerField(),
            "next": s.URLField(allow_null=True),
            "previous": s.URLField(allow_null=True),
            "results": row(many=True),
        },
    )


ProgramPage = page_of(ProgramRow, "ProgramPage")
MilestonePage = page_of(MilestoneRow, "MilestonePage")
IndicatorPage = page_of(IndicatorRow, "IndicatorPage")


class BudgetCell(s.Serializer):
    fiscal_year = s.IntegerField()
    funding_source = s.CharField()
    funding_source_display = s.CharField()
    planned = Figure()
    budget = Figure()
    executed = Figure()
    execution_rate = Figure()


class LedgerRow(s.Serializer):
    fiscal_year = s.IntegerField()
    funding_source = s.CharField(allow_null=True, help_text="null: the fiscal year's total over all sources.")
    funding_source_display = s.CharField(allow_null=True)
    supplementary_round = s.IntegerField(allow_null=True, help_text="The latest 추경 round (1차, 2차, …).")
    original = Figure(help_text="본예산")
    supplementary = Figure(help_text="The latest 추경 round's whole amount; null value without one.")
    adopted = Figure(help_text="본예산, or the latest 추경")
    carried_in_explicit = Figure(help_text="전년도 명시이월")
    carried_in_accident = Figure(help_text="전년도 사고이월")
    carried_in_continuing = Figure(help_text="전년도 계속비이월")
    reserve = Figure(help_text="예비비 사용액")
    transfers = Figure(help_text="이용·전용·이체, signed")
    revenue_substitution = Figure(help_text="수입대체경비")
    available = Figure(help_text="예산현액")
    committed = Figure(help_text="원인행위액")
    paid = Figure(help_text="지출액: payments less 반납")
    execution_rate = Figure(help_text="집행률 = 지출액 ÷ 예산현액")
    commitment_rate = Figure(help_text="원인행위율 = 원인행위액 ÷ 예산현액")
    carried_out_explicit = Figure(help_text="다음연도 명시이월; null value until the year is closed.")
    carried_out_accident = Figure(help_text="다음연도 사고이월; null value until the year is closed.")
    carried_out_continuing = Figure(help_text="다음연도 계속비이월; null value until the year is closed.")
    unused = Figure(
        help_text="불용액 = 예산현액 − 지출액 − 다음연도 이월액; null value until the year is closed."
    )
    closed = s.BooleanField(help_text="Whether the year-end close (결산 마감) stands.")


class Firms(s.Serializer):
    on_record = s.IntegerField()
    jobs_on_record = s.IntegerField()
    reported_firms = Figure()
    reported_jobs = Figure()


class SourceRecord(s.Serializer):
    key = s.CharField()
    publisher = s.CharField()
    published_on = s.DateField()
    title = s.CharField()
    url = s.CharField(allow_blank=True)
    citation = s.CharField()


class ProgramDetail(ProgramRow):
    children = s.ListField(child=s.CharField())
    budget = BudgetCell(many=True, help_text="By fiscal year × funding source.")
    ledger = LedgerRow(
        many=True, help_text="세출 집행현황: per fiscal year × funding source, then the year's total."
    )
    milestones = MilestoneRow(many=True)
    indicators = IndicatorRow(many=True)
    firms = Firms()
    sources = SourceRecord(many=True)


class ProgramRef(s.Serializer):
    code = s.CharField()
    name_ko = s.CharField()
    name_en = s.CharField(allow_blank=True)


class Headline(s.Serializer):
    total_cost = Figure(help_text="총사업비: the programs' total cost over their whole period.")
    planned = Figure()
    budget = Figure(help_text="예산현액 of the fiscal year.")
    committed = Figure(help_text="원인행위액 of the fiscal year.")
    executed = Figure(help_text="지출액 of the fiscal year, less 반납.")
    execution_rate = Figure(help_text="집행률 of the fiscal year: 지출액 ÷ 예산현액.")
    commitment_rate = Figure(help_text="원인행위율 of the fiscal year.")
    executed_to_date = Figure(help_text="지출액 of every fiscal year up to this one.")
    cumulative_execution_rate = Figure(help_text="총사업비 대비 누적집행률: 지출액 to date ÷ 총사업비.")
    firms = Figure()
    jobs = Figure()
    gpus = Figure()


class BriefingKpi(s.Serializer):
    code = s.CharField()
    program = s.CharField()
    name_ko = s.CharField()
    name_en = s.CharField(allow_blank=True)
    status = s.ChoiceField(KpiStatus.choices)
    status_display = s.CharField()
    actual = Figure()
    target = Figure()
    target_year = s.IntegerField(allow_null=True)
    achievement_pct = Figure()
    latest_period = s.DateField(allow_null=True)
    pending = s.IntegerField(help_text="Readings awaiting approval; they count in no figure yet.")


class NationalProgram(ProgramRef):
    planned = Figure()


class National(s.Serializer):
    planned = Figure(help_text="Plans over every year, e.g. the ₩10.1 trillion national AI budget for 2026.")
    budget = Figure(help_text="예산현액 of the briefing's fiscal year.")
    programs = NationalProgram(many=True)
    kpis = BriefingKpi(many=True)


class SourceSum(s.Serializer):
    fiscal_year = s.IntegerField()
    funding_source = s.CharField()
    funding_source_display = s.CharField()
    planned = Figure()
    budget = Figure()
    executed = Figure()
    execution_rate = Figure()


class YearSum(s.Serializer):
    fiscal_year = s.IntegerField()
    planned = Figure()
    budget = Figure()
    executed = Figure()
    execution_rate = Figure()


def counted(item, name: str):
    return type(name, (s.Serializer,), {"count": s.IntegerField(), "items": item(many=True)})


class Milestones(s.Serializer):
    due_soon = counted(MilestoneRow, "MilestonesDueSoon")(help_text="Open and due within 90 days.")
    overdue = counted(MilestoneRow, "MilestonesOverdue")()


class KpiCounts(s.Serializer):
    achieved = s.IntegerField()
    on_track = s.IntegerField()
    at_risk = s.IntegerField()
    off_track = s.IntegerField()
    no_target = s.IntegerField()
    no_data = s.IntegerField()


class KpiTable(s.Serializer):
    count = s.IntegerField()
    by_status = KpiCounts()
    items = BriefingKpi(many=True, help_text="Off track first; at most 20.")
    figures = s.ChoiceField(
        ["final", "provisional"],
        help_text="final (확정) when every quarter of the as-of day's fiscal year up to its own is locked "
        "(마감), so no reading counted can change; otherwise provisional (잠정).",
    )
    figures_display = s.CharField()


class StatusChange(s.Serializer):
    at = s.DateTimeField()
    subject = s.ChoiceField(["program", "milestone"])
    program = s.CharField()
    name_ko = s.CharField()
    name_en = s.CharField(allow_blank=True)
    old = s.CharField(allow_null=True)
    new = s.CharField()
    old_display = s.CharField(allow_null=True)
    new_display = s.CharField()


class BudgetChange(s.Serializer):
    at = s.DateTimeField()
    program = s.CharField()
    fiscal_year = s.IntegerField()
    funding_source = s.CharField()
    stage = s.IntegerField()
    old = Figure()
    new = Figure()


class AdjustmentChange(s.Serializer):
    at = s.DateTimeField()
    program = s.CharField()
    fiscal_year = s.IntegerField()
    funding_source = s.CharField()
    kind = s.ChoiceField(
        AdjustmentKind.values, help_text="이월 (carried in), 예비비, 이용·전용·이체 or 수입대체경비."
    )
    kind_display = s.CharField()
    old = Figure(help_text="null value: added.")
    new = Figure(help_text="null value: removed.")
    basis = s.CharField(allow_blank=True, help_text="근거: council approval, decision number, …")
    by_close = s.BooleanField(help_text="A carry-in made (or removed) by the close of the year before.")


class CloseChange(s.Serializer):
    at = s.DateTimeField()
    program = s.CharField()
    fiscal_year = s.IntegerField()
    funding_source = s.CharField()
    action = s.ChoiceField(["closed", "reopened", "changed"])
    action_display = s.CharField()
    carried_out_explicit = Figure()
    carried_out_accident = Figure()
    carried_out_continuing = Figure()
    reason = s.CharField(allow_blank=True, help_text="Why it was reopened.")


class NewReading(s.Serializer):
    at = s.DateTimeField()
    program = s.CharField()
    indicator = s.CharField()
    name_ko = s.CharField()
    name_en = s.CharField(allow_blank=True)
    period = s.DateField()
    value = Figure()


class Changes(s.Serializer):
    since = s.DateField()
    until = s.DateField()
    status_changes = counted(StatusChange, "StatusChanges")()
    budget_changes = counted(BudgetChange, "BudgetChanges")()
    adjustment_changes = counted(AdjustmentChange, "AdjustmentChanges")(
        help_text="Adjustments to 예산현액 added, removed or changed."
    )
    close_changes = counted(CloseChange, "CloseChanges")(help_text="Year-end closes made, reopened, changed.")
    new_readings = counted(NewReading, "NewReadings")()


class Alert(s.Serializer):
    kind = s.ChoiceField(["kpi_off_track", "kpi_at_risk", "milestone_overdue", "low_execution_rate"])
    severity = s.ChoiceField(["high", "medium"])
    program = s.CharField()
    subject = s.CharField()
    message = s.CharField()
    value = s.FloatField(allow_null=True, help_text="Achievement % (KPIs), or the year's 집행률.")
    expected = s.FloatField(
        allow_null=True, help_text="The 집행률 expected by the day (EXECUTION_RATE_TARGETS)."
    )
    fiscal_year = s.IntegerField(allow_null=True, help_text="The fiscal year of a low execution rate.")
    due = s.DateField(allow_null=True)
    days_late = s.IntegerField(allow_null=True)


class Briefing(s.Serializer):
    as_of = s.DateField()
    history_starts = s.DateField(
        allow_null=True, help_text="Set when as_of is before the first day the history holds: that day."
    )
    notice = s.CharField(
        allow_null=True, help_text="Why the figures are empty, when as_of is before the history."
    )
    fiscal_year = s.IntegerField(help_text="The fiscal year of the money, the rates and the ledger.")
    generated_at = s.DateTimeField()
    program = ProgramRef(allow_null=True)
    headline = Headline()
    national_context = National(allow_null=True)
    budget_by_source = SourceSum(many=True, help_text="The fiscal year's budget by funding source.")
    budget_by_year = YearSum(many=True, help_text="Each fiscal year's own figures and rate.")
    ledger = LedgerRow(many=True, help_text="The fiscal year's ledger by funding source, then its total.")
    kpis = KpiTable()
    milestones = Milestones()
    changes = Changes()
    alerts = counted(Alert, "Alerts")()


S1 = "광주일보, 2025-10-24, AI 2단계 6000억 가동…광주시, ‘국가AI연구소·집적단지’로 재도약"
S2 = "뉴시스, 2025-10-23, '국가 GPU 20만장 필요' 광주, AI컴퓨팅센터 재유치 기회"


def _figure(value, unit, ko, en, source):
    return {"value": value, "unit": unit, "display_ko": ko, "display_en": en, "source": source}


AX_VALLEY_TOTAL = _figure(600_000_000_000, "KRW", "6,000억원", "₩600.0B", S1)

BRIEFING_EXAMPLES = [
    OpenApiExample(
        "Gwangju, the whole portfolio (abridged)",
        response_only=True,
        value={
            "as_of": "2025-10-24",
            "generated_at": "2025-10-24T18:00:00+09:00",
            "program": None,
            "headline": {
                # The city's whole total cost is the valley's; it rests on every city source.
                "total_cost": AX_VALLEY_TOTAL | {"source": f"{S1}; {S2}"},
                "firms": _figure(160, "firms", "160개사", "160 firms", S1),
                "jobs": _figure(650, "jobs", "650명", "650 jobs", S1),
                "gpus": _figure(2500, "GPUs", "2,500대", "2,500 GPUs", S2),
            },
            "national_context": {
                "planned": _figure(10_100_000_000_000, "KRW", "10조 1,000억원", "₩10.1T", S2),
            },
            "alerts": {"count": 0, "items": []},
        },
    )
]

PROGRAM_EXAMPLES = [
    OpenApiExample(
        "The AX demonstration valley (one row, abridged)",
        response_only=True,
        value={
            "count": 1,
            "next": None,
            "previous": None,
            "results": [
                {
                    "code": "AX-VALLEY",
                    "parent": "GJ-AI",
                    "level": "program",
                    "name_ko": "AI 2단계: AX 실증밸리 (인공지능 전환 실증밸리)",
                    "name_en": "AI phase 2: AX demonstration valley",
                    "status": "approved",
                    "status_display": "확정",
                    "period": {"start_year": 2026, "end_year": 2030},
                    "total_cost": AX_VALLEY_TOTAL,
                }
            ],
        },
    )
]


def _nothing(unit):
    return _figure(None, unit, "–", "–", None)


EXEMPTION = {
    "id": 2,
    "program": "AX-VALLEY",
    "title_ko": "예비타당성조사 면제 확정",
    "title_en": "Exempted from the preliminary feasibility study",
    "planned_date": "2025-08-22",
    "actual_date": "2025-08-22",
    "date_precision": "day",
    "status": "done",
    "status_display": "완료",
    "slippage_days": 0,
    "is_overdue": False,
    "is_due_soon": False,
    "source": S2,
}

MILESTONE_EXAMPLES = [
    OpenApiExample(
        "Milestones of the AX demonstration valley (abridged)",
        description="`?program=AX-VALLEY`",
        response_only=True,
        value={
            "count": 3,
            "next": None,
            "previous": None,
            "results": [
                EXEMPTION,
                EXEMPTION
                | {
                    "id": 7,
                    "title_ko": "AX 실증밸리 사업 착수",
                    "title_en": "AX demonstration valley starts",
                    "planned_date": "2026-12-31",
                    "actual_date": None,
                    "date_precision": "year",
                    "status": "planned",
                    "status_display": "예정",
                    "slippage_days": None,
                    "source": S1,
                },
            ],
        },
    )
]

FIRMS_ATTRACTED = _figure(160, "firms", "160개사", "160 firms", S1)

INDICATOR_EXAMPLES = [
    OpenApiExample(
        "Firms attracted by AI phase 1",
        description="`?metric=firms`",
        response_only=True,
        value={
            "count": 1,
            "next": None,
            "previous": None,
            "results": [
                {
                    "code": "P1-FIRMS",
                    "program": "GJ-AI-P1",
                    "name_ko": "기업 유치",
                    "name_en": "Firms attracted",
                    "metric": "firms",
                    "direction": "increase",
                    "is_cumulative": True,
                    "status": "no_target",
                    "status_display": "목표 없음",
                    "baseline": _nothing("firms") | {"source": S1},
                    "baseline_year": None,
                    "target": _nothing("firms") | {"source": S1},
                    "target_year": None,
                    "actual": FIRMS_ATTRACTED,
                    "achievement_pct": _nothing("%") | {"source": S1},
                    "expected": _nothing("firms"),
                    "latest_period": "2025-10-24",
                    "readings": [{"period": "2025-10-24", **FIRMS_ATTRACTED}],
                    "breakdown": None,
                    "pending": 0,
                    "weight": None,
                    "yearly": [
                        {
                            "fiscal_year": 2025,
                            "target": _nothing("firms"),
                            "basis": "",
                            "result": _figure(160, "firms", "160개사", "160 firms", None),
                            "achievement_pct": _nothing("%"),
                            "status": "no_target",
                        }
                    ],
                    "source": S1,
                }
            ],
        },
    )
]

NATIONAL_PLAN_2026 = _figure(10_100_000_000_000, "KRW", "10조 1,000억원", "₩10.1T", S2)

PROGRAM_DETAIL_EXAMPLES = [
    OpenApiExample(
        "The national AI budget for 2026",
        description=(
            "`programs/NAT-AI-BUDGET-2026/` on 2025-10-24: a national-context item. Its row gives the money "
            "of the current fiscal year (2025: nothing yet); its plan for 2026 is in `budget`, citing its "
            "source, and its `ledger` has nothing budgeted or paid: figures nobody entered are null, not 0 "
            "(abridged)."
        ),
        response_only=True,
        value={
            "code": "NAT-AI-BUDGET-2026",
            "parent": "NATIONAL-AI",
            "level": "program",
            "level_display": "사업",
            "depth": 1,
            "name_ko": "2026년 정부 AI 분야 예산",
            "name_en": "National AI budget for 2026",
            "status": "proposed",
            "status_display": "제안",
            "is_national_context": True,
            "period": {"start_year": 2026, "end_year": 2026},
            "fiscal_year": 2025,
            "total_cost": _nothing("KRW") | {"source": S2},
            "planned": _nothing("KRW") | {"source": S2},
            "budget": [
                {
                    "fiscal_year": 2026,
                    "funding_source": "national",
                    "funding_source_display": "국비",
                    "planned": NATIONAL_PLAN_2026,
                    "budget": _nothing("KRW"),
                    "executed": _nothing("KRW"),
                    "execution_rate": _nothing("%"),
                }
            ],
            "ledger": [
                {
                    "fiscal_year": 2026,
                    "funding_source": "national",
                    "funding_source_display": "국비",
                    "supplementary": _nothing("KRW"),
                    "available": _nothing("KRW"),
                    "paid": _nothing("KRW"),
                    "execution_rate": _nothing("%"),
                    "unused": _nothing("KRW"),
                    "closed": False,
                },
                {"fiscal_year": 2026, "funding_source": None, "closed": False},
            ],
            "executed": _nothing("KRW") | {"source": S2},
            "execution_rate": _nothing("%") | {"source": S2},
            "children": [],
            "milestones": [],
            "indicators": [],
            "firms": {
                "on_record": 0,
                "jobs_on_record": 0,
                "reported_firms": _nothing("firms"),
                "reported_jobs": _nothing("jobs"),
            },
            "sources": [
                {
                    "key": "S2",
                    "publisher": "뉴시스",
                    "published_on": "2025-10-23",
                    "title": "'국가 GPU 20만장 필요' 광주, AI컴퓨팅센터 재유치 기회",
                    "url": "",
                    "citation": S2,
                }
            ],
        },
    )
]
