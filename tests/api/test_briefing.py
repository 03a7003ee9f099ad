"""briefing/ on the real Gwangju data: headline figures with units, Korean displays and
sources; national context; milestones; changes since a day; alerts; program scope."""

import datetime

import pytest
import time_machine

from portfolio.models import BudgetStage, Indicator, IndicatorReading, Program
from portfolio.services import record_reading, set_budget_line, sync
from tests.factories import approve

pytestmark = pytest.mark.django_db

S1 = "광주일보, 2025-10-24, AI 2단계 6000억 가동…광주시, ‘국가AI연구소·집적단지’로 재도약"
S2 = "뉴시스, 2025-10-23, '국가 GPU 20만장 필요' 광주, AI컴퓨팅센터 재유치 기회"
SEOUL = datetime.timezone(datetime.timedelta(hours=9))


def briefing(client, **params) -> dict:
    response = client.get("/api/v1/briefing/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_headline_figures(gwangju_feed):
    data = briefing(gwangju_feed)
    assert data["as_of"] == "2025-10-24"
    assert data["generated_at"] == "2025-10-24T18:00:00+09:00"
    headline = data["headline"]
    assert headline["total_cost"]["value"] == 600000000000
    assert headline["total_cost"]["display_ko"] == "6,000억원"
    assert headline["total_cost"]["display_en"] == "₩600.0B"
    assert headline["firms"] == {
        "value": 160,
        "unit": "firms",
        "display_ko": "160개사",
        "display_en": "160 firms",
        "source": S1,
    }
    assert headline["jobs"] == {
        "value": 650,
        "unit": "jobs",
        "display_ko": "650명",
        "display_en": "650 jobs",
        "source": S1,
    }
    assert headline["gpus"] == {
        "value": 2500,
        "unit": "GPUs",
        "display_ko": "2,500대",
        "display_en": "2,500 GPUs",
        "source": S2,
    }
    # The city has no adopted budget in the articles: unknown (null, shown "–"), not 0, and so
    # no execution rate either.
    assert (headline["budget"]["value"], headline["executed"]["value"]) == (None, None)
    assert (headline["budget"]["display_ko"], headline["executed"]["display_en"]) == ("–", "–")
    assert headline["execution_rate"] == {
        "value": None,
        "unit": "%",
        "display_ko": "–",
        "display_en": "–",
        "source": headline["budget"]["source"],
    }


def test_every_figure_has_value_unit_displays_and_source(gwangju_feed):
    data = briefing(gwangju_feed)
    figures = [*data["headline"].values(), data["national_context"]["planned"]]
    figures += [
        kpi[name] for kpi in data["kpis"]["items"] for name in ("actual", "target", "achievement_pct")
    ]
    for figure in figures:
        assert set(figure) == {"value", "unit", "display_ko", "display_en", "source"}


def test_the_national_context_stays_out_of_the_city_s_money(gwangju_feed):
    data = briefing(gwangju_feed)
    national = data["national_context"]
    assert national["planned"] == {
        "value": 10_100_000_000_000,
        "unit": "KRW",
        "display_ko": "10조 1,000억원",
        "display_en": "₩10.1T",
        "source": S2,
    }
    assert data["headline"]["planned"]["value"] is None  # the city entered no plan: unknown, not 0
    goal = next(kpi for kpi in national["kpis"] if kpi["code"] == "NAT-GPUS-2030")
    assert (goal["target"]["value"], goal["target"]["display_ko"], goal["target_year"]) == (
        200000,
        "200,000대",
        2030,
    )
    assert "NAT-GPUS-2030" not in [kpi["code"] for kpi in data["kpis"]["items"]]


def test_kpi_table_with_status(gwangju_feed):
    table = briefing(gwangju_feed)["kpis"]
    assert table["count"] == 5
    assert table["by_status"] == {
        "off_track": 0,
        "at_risk": 0,
        "on_track": 0,
        "achieved": 0,
        "no_target": 5,
        "no_data": 0,
    }
    kpis = {kpi["code"]: kpi for kpi in table["items"]}
    assert list(kpis) == ["P1-FIRMS", "P1-JOBS", "NADC-GPUS", "NAICC-COOLING", "NAICC-POWER"]
    assert kpis["NAICC-POWER"]["actual"]["display_ko"] == "120MW"
    assert kpis["NAICC-COOLING"]["actual"]["display_ko"] == "60,000t"
    assert {kpi["status"] for kpi in kpis.values()} == {"no_target"}
    assert kpis["P1-JOBS"]["status_display"] == "목표 없음"


def test_milestones_due_within_90_days_and_overdue(gwangju, feed):
    with time_machine.travel(datetime.datetime(2026, 11, 1, 9, tzinfo=SEOUL), tick=False):
        due = briefing(feed)["milestones"]
    assert [m["title_en"] for m in due["due_soon"]["items"]] == ["AX demonstration valley starts"]
    assert due["overdue"] == {"count": 0, "items": []}
    with time_machine.travel(datetime.datetime(2027, 2, 1, 9, tzinfo=SEOUL), tick=False):
        later = briefing(feed)
    overdue = later["milestones"]["overdue"]["items"]
    assert [(m["program"], m["planned_date"], m["slippage_days"]) for m in overdue] == [
        ("AX-VALLEY", "2026-12-31", 32)
    ]
    assert later["alerts"]["items"] == [
        {
            "kind": "milestone_overdue",
            "severity": "high",
            "program": "AX-VALLEY",
            "subject": str(overdue[0]["id"]),
            "message": "일정 32일 지연: AX 실증밸리 사업 착수",
            "value": None,
            "expected": None,
            "fiscal_year": None,
            "due": "2026-12-31",
            "days_late": 32,
        }
    ]


def test_no_alerts_on_the_article_day(gwangju_feed):
    assert briefing(gwangju_feed)["alerts"] == {"count": 0, "items": []}


def test_what_changed_since_a_day(gwangju_feed):
    feed = gwangju_feed
    with time_machine.travel(datetime.datetime(2025, 11, 3, 10, tzinfo=SEOUL), tick=False):
        valley = Program.objects.get(code="AX-VALLEY")
        sync(Program, lookup={"code": "AX-VALLEY"}, status=Program.Status.RUNNING)
        set_budget_line(
            program=valley,
            fiscal_year=2026,
            funding_source="national",
            stage=BudgetStage.ORIGINAL,
            amount=40_000_000_000,
        )
        reading, _ = record_reading(
            indicator=Indicator.objects.get(code="P1-JOBS"), period=datetime.date(2025, 12, 31), value=700
        )
        approve(reading)
    with time_machine.travel(datetime.datetime(2025, 11, 5, 9, tzinfo=SEOUL), tick=False):
        changes = briefing(feed, since="2025-11-01")["changes"]
        assert briefing(feed, since="2025-11-04")["changes"]["status_changes"]["count"] == 0
    assert (changes["since"], changes["until"]) == ("2025-11-01", "2025-11-05")
    assert changes["status_changes"]["items"] == [
        {
            "at": "2025-11-03T10:00:00+09:00",
            "subject": "program",
            "program": "AX-VALLEY",
            "name_ko": "AI 2단계: AX 실증밸리 (인공지능 전환 실증밸리)",
            "name_en": "AI phase 2: AX demonstration valley",
            "old": "approved",
            "new": "running",
            "old_display": "확정",
            "new_display": "추진 중",
        }
    ]
    [budget] = changes["budget_changes"]["items"]
    assert (budget["program"], budget["fiscal_year"], budget["old"]["value"]) == ("AX-VALLEY", 2026, None)
    assert budget["new"]["display_ko"] == "400억원"
    [reading] = changes["new_readings"]["items"]
    assert (reading["indicator"], reading["period"], reading["value"]["display_ko"]) == (
        "P1-JOBS",
        "2025-12-31",
        "700명",
    )


def test_a_briefing_for_one_program(gwangju_feed):
    data = briefing(gwangju_feed, program="AX-VALLEY")
    assert data["program"] == {
        "code": "AX-VALLEY",
        "name_ko": "AI 2단계: AX 실증밸리 (인공지능 전환 실증밸리)",
        "name_en": "AI phase 2: AX demonstration valley",
    }
    assert data["headline"]["total_cost"]["display_ko"] == "6,000억원"
    assert data["headline"]["total_cost"]["source"] == S1
    assert data["headline"]["firms"]["value"] is None  # phase 1's firms are not the valley's
    assert data["national_context"] is None
    assert data["kpis"]["count"] == 0 and data["kpis"]["items"] == []


def test_budget_by_source_and_by_year_cite_the_budget_lines_sources(gwangju_feed):
    data = briefing(gwangju_feed, program="NAT-AI-BUDGET-2026", fiscal_year=2026)
    [by_source], [by_year] = data["budget_by_source"], data["budget_by_year"]
    assert (by_source["funding_source"], by_year["fiscal_year"]) == ("national", 2026)
    assert by_source["fiscal_year"] == data["fiscal_year"] == 2026
    # By source is the fiscal year's alone: nothing for 2025, the year of the article day.
    assert briefing(gwangju_feed, program="NAT-AI-BUDGET-2026")["budget_by_source"] == []
    for row in (by_source, by_year):
        assert (row["planned"]["display_ko"], row["planned"]["source"]) == ("10조 1,000억원", S2)
        # Nothing adopted or spent yet: those zeros rest on no source.
        assert row["budget"]["source"] is row["executed"]["source"] is None


def test_an_unknown_program_or_bad_date_is_a_clear_error(gwangju_feed):
    response = gwangju_feed.get("/api/v1/briefing/", {"program": "NOPE"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "NOPE 코드의 사업이 없습니다."
    response = gwangju_feed.get("/api/v1/briefing/", {"since": "2025-13-01"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "since"


def refusal(client, **params) -> dict:
    response = client.get("/api/v1/briefing/", params)
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    return error


def test_an_as_of_day_in_the_future_or_before_2000_is_refused_naming_as_of(gwangju_feed):
    # The article day is today: the reports' and the dashboard's rule, in Seoul time.
    for day in ("2099-01-01", "2025-10-25"):
        error = refusal(gwangju_feed, as_of=day)
        assert error == {"code": "future", "detail": "기준일은 오늘 이후일 수 없습니다.", "attr": "as_of"}
    error = refusal(gwangju_feed, as_of="1999-12-31")
    assert (error["attr"], error["detail"]) == ("as_of", "기준일은 2000년 이후여야 합니다.")
    assert briefing(gwangju_feed, as_of="2025-10-24")["alerts"] == {"count": 0, "items": []}


def test_a_since_day_after_the_as_of_day_is_refused_naming_since(gwangju_feed):
    error = refusal(gwangju_feed, since="2025-10-20", as_of="2025-10-10")
    assert error == {
        "code": "after_as_of",
        "detail": "변경 시작일(since)은 기준일(2025-10-10)보다 늦을 수 없습니다.",
        "attr": "since",
    }
    assert refusal(gwangju_feed, since="2025-10-25")["attr"] == "since"  # after today, the default as_of
    same_day = briefing(gwangju_feed, since="2025-10-10", as_of="2025-10-10")["changes"]
    assert (same_day["since"], same_day["until"]) == ("2025-10-10", "2025-10-10")


def test_a_day_accepted_once_is_judged_again_on_another_day(gwangju, feed):
    # Validated parameters are remembered per process: a clock set back must not reuse them.
    with time_machine.travel(datetime.datetime(2025, 10, 25, 9, tzinfo=SEOUL), tick=False):
        assert briefing(feed, as_of="2025-10-25")["as_of"] == "2025-10-25"
    with time_machine.travel(datetime.datetime(2025, 10, 24, 9, tzinfo=SEOUL), tick=False):
        assert refusal(feed, as_of="2025-10-25")["attr"] == "as_of"


def test_a_since_day_before_2000_reads_as_2000(gwangju_feed):
    data = briefing(gwangju_feed, since="1990-01-01")
    assert data["changes"]["since"] == "2000-01-01"
    assert data["changes"]["status_changes"]["count"] == 9  # every city program, created on load


def test_as_of_reads_the_history(gwangju_feed, django_capture_on_commit_callbacks):
    feed = gwangju_feed
    with time_machine.travel(datetime.datetime(2025, 11, 3, 10, tzinfo=SEOUL), tick=False):
        reading = IndicatorReading.objects.get(indicator__code="P1-JOBS")
        record_reading(indicator=reading.indicator, period=reading.period, value=700)
        assert briefing(feed)["headline"]["jobs"]["value"] is None  # a changed figure awaits approval
        with django_capture_on_commit_callbacks(execute=True):  # the commit moves the API's data version
            approve(reading)
        assert briefing(feed)["headline"]["jobs"]["value"] == 700
        past = briefing(feed, as_of="2025-10-31")
    assert (past["as_of"], past["headline"]["jobs"]["value"]) == ("2025-10-31", 650)


def test_long_lists_are_cut_to_twenty_with_their_counts_and_off_track_kpis_first(gwangju, feed):
    from django.core.management import call_command

    call_command("synth", programs=60, lines=200, stdout=open("/dev/null", "w"))
    data = briefing(feed, since="2000-01-01")
    kpis = data["kpis"]
    assert kpis["count"] == 125 and len(kpis["items"]) == 20  # 60 × 2 synthetic + Gwangju's 5
    assert sum(kpis["by_status"].values()) == 125
    order = ["off_track", "at_risk", "on_track", "achieved", "no_target", "no_data"]
    ranks = [order.index(kpi["status"]) for kpi in kpis["items"]]
    assert ranks == sorted(ranks)
    for part in (data["changes"]["budget_changes"], data["alerts"], data["milestones"]["overdue"]):
        assert part["count"] > 20 and len(part["items"]) == 20


def test_changes_list_budget_adjustments_and_year_end_closes(feed):
    from portfolio import closing
    from tests import ledger_data

    eok = 100_000_000
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, tzinfo=SEOUL), tick=False):
        program = ledger_data.worked_example()
    with time_machine.travel(datetime.datetime(2027, 2, 20, 10, tzinfo=SEOUL), tick=False):
        close = closing.close_year(
            program=program, fiscal_year=2026, funding_source="national", carried_out_explicit=20 * eok
        )
    with time_machine.travel(datetime.datetime(2027, 2, 25, 11, tzinfo=SEOUL), tick=False):
        closing.reopen_year(close=close, user=None, reason="반납 누락")
    with time_machine.travel(datetime.datetime(2027, 3, 2, 9, tzinfo=SEOUL), tick=False):
        changes = briefing(feed, since="2027-02-20", program="P")["changes"]
        earlier = briefing(feed, since="2026-12-01", as_of="2026-12-01", program="P")["changes"]

    removed, added = changes["adjustment_changes"]["items"]
    assert changes["adjustment_changes"]["count"] == 2
    assert removed == {
        "at": "2027-02-25T11:00:00+09:00",
        "program": "P",
        "fiscal_year": 2027,
        "funding_source": "national",
        "kind": "carried_explicit",
        "kind_display": "명시이월",
        "old": {
            "value": 20 * eok,
            "unit": "KRW",
            "display_ko": "20억원",
            "display_en": "₩2.0B",
            "source": None,
        },
        "new": {"value": None, "unit": "KRW", "display_ko": "–", "display_en": "–", "source": None},
        "basis": "2026년 결산 마감",
        "by_close": True,
    }
    assert (added["at"], added["old"]["value"], added["new"]["value"]) == (
        "2027-02-20T10:00:00+09:00",
        None,
        20 * eok,
    )
    reopened, closed = changes["close_changes"]["items"]
    assert reopened == {
        "at": "2027-02-25T11:00:00+09:00",
        "program": "P",
        "fiscal_year": 2026,
        "funding_source": "national",
        "action": "reopened",
        "action_display": "결산 마감 해제",
        "carried_out_explicit": {
            "value": 20 * eok,
            "unit": "KRW",
            "display_ko": "20억원",
            "display_en": "₩2.0B",
            "source": None,
        },
        "carried_out_accident": {
            "value": 0,
            "unit": "KRW",
            "display_ko": "0원",
            "display_en": "₩0",
            "source": None,
        },
        "carried_out_continuing": {
            "value": 0,
            "unit": "KRW",
            "display_ko": "0원",
            "display_en": "₩0",
            "source": None,
        },
        "reason": "반납 누락",
    }
    assert (closed["action"], closed["action_display"], closed["reason"]) == ("closed", "결산 마감", "")
    # The worked example's own adjustments (예비비, 전용, 사고이월 carried in), made on its first day.
    kinds = [
        (c["kind_display"], c["new"]["value"], c["by_close"]) for c in earlier["adjustment_changes"]["items"]
    ]
    assert sorted(kinds) == [("사고이월", 5 * eok, False), ("예비비", 2 * eok, False), ("전용", -eok, False)]
    assert earlier["close_changes"] == {"count": 0, "items": []}
