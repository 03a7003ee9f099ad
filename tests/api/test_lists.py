"""programs/, programs/{code}/, milestones/ and indicators/ on the real Gwangju data: fields,
exact values, filters, ordering and pagination."""

import pytest

pytestmark = pytest.mark.django_db

S1 = "광주일보, 2025-10-24, AI 2단계 6000억 가동…광주시, ‘국가AI연구소·집적단지’로 재도약"
S2 = "뉴시스, 2025-10-23, '국가 GPU 20만장 필요' 광주, AI컴퓨팅센터 재유치 기회"


def rows(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def by_code(items):
    return {item["code"]: item for item in items}


def test_the_ax_valley_row_has_its_600_billion_won_with_unit_display_and_source(gwangju_feed):
    valley = by_code(rows(gwangju_feed, "/api/v1/programs/"))["AX-VALLEY"]
    assert valley["total_cost"] == {
        "value": 600000000000,
        "unit": "KRW",
        "display_ko": "6,000억원",
        "display_en": "₩600.0B",
        "source": S1,
    }
    assert valley["status"] == "approved" and valley["status_display"] == "확정"
    assert valley["period"] == {"start_year": 2026, "end_year": 2030}
    assert (valley["parent"], valley["level"], valley["depth"]) == ("GJ-AI", "program", 1)
    assert valley["budget"]["value"] is None and valley["execution_rate"]["value"] is None  # not entered
    assert valley["budget"]["display_ko"] == "–"
    assert valley["execution_rate"]["display_ko"] == "–"


def test_programs_come_in_tree_order_with_national_context_flagged(gwangju_feed):
    programs = rows(gwangju_feed, "/api/v1/programs/", fiscal_year=2026)
    assert [p["code"] for p in programs[:3]] == ["GJ-AI", "GJ-AI-P1", "GJ-AI-P1-NADC"]
    assert len(programs) == 13
    national = by_code(programs)["NAT-AI-BUDGET-2026"]
    assert national["fiscal_year"] == 2026  # the plan is 2026's: the article day's 2025 has none
    assert by_code(rows(gwangju_feed, "/api/v1/programs/"))["NAT-AI-BUDGET-2026"]["planned"]["value"] is None
    assert national["is_national_context"] is True
    assert national["planned"]["value"] == 10_100_000_000_000
    assert national["planned"]["display_ko"] == "10조 1,000억원"
    assert national["planned"]["source"] == S2


@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"status": "proposed", "national": "false"}, ["NAIRI", "NAI-CLUSTER"]),
        ({"parent": "GJ-AI-P1"}, ["GJ-AI-P1-NADC", "GJ-AI-P1-SIM", "GJ-AI-P1-TALENT"]),
        ({"level": "portfolio"}, ["GJ-AI", "NATIONAL-AI"]),
        ({"year": "2028"}, ["GJ-AI", "AX-VALLEY", "NAT-GPU-2030"]),
        (
            {"national": "true", "level": "program", "ordering": "code"},
            ["JEONNAM-AICC", "NAT-AI-BUDGET-2026", "NAT-GPU-2030"],
        ),
        ({"ordering": "-total_cost", "page_size": "2"}, ["GJ-AI", "AX-VALLEY"]),
    ],
)
def test_program_filters_and_ordering(gwangju_feed, params, codes):
    assert [p["code"] for p in rows(gwangju_feed, "/api/v1/programs/", **params)] == codes


def test_pagination_links_and_limits(gwangju_feed):
    page = gwangju_feed.get("/api/v1/programs/", {"page_size": 5, "page": 2}).json()
    assert page["count"] == 13 and len(page["results"]) == 5
    assert "page=3" in page["next"] and "page=1" in page["previous"]
    assert gwangju_feed.get("/api/v1/programs/", {"page_size": 500}).status_code == 200
    too_big = gwangju_feed.get("/api/v1/programs/", {"page_size": 501})
    assert too_big.status_code == 400
    assert too_big.json()["type"] == "validation_error"
    assert too_big.json()["errors"][0]["attr"] == "page_size"
    beyond = gwangju_feed.get("/api/v1/programs/", {"page": 9})
    assert beyond.status_code == 404
    assert beyond.json()["errors"][0]["detail"] == "9 페이지는 없습니다. 마지막 페이지는 1입니다."


def test_bad_filters_name_the_parameter(gwangju_feed):
    for params, attr in [
        ({"status": "finished"}, "status"),
        ({"year": "1999"}, "year"),
        ({"ordering": "password"}, "ordering"),
    ]:
        response = gwangju_feed.get("/api/v1/programs/", params)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["attr"] == attr
    # An unknown code is no error, just no match.
    assert gwangju_feed.get("/api/v1/programs/", {"parent": "NOPE"}).json()["count"] == 0


def test_program_detail_gives_budget_milestones_indicators_firms_and_sources(gwangju_feed):
    response = gwangju_feed.get("/api/v1/programs/GJ-AI-P1/")
    assert response.status_code == 200
    p1 = response.json()
    assert p1["code"] == "GJ-AI-P1" and p1["status_display"] == "완료"
    assert p1["children"] == ["GJ-AI-P1-NADC", "GJ-AI-P1-SIM", "GJ-AI-P1-TALENT"]
    assert p1["budget"] == []  # the articles give no yearly split
    kpis = by_code(p1["indicators"])
    assert set(kpis) == {"P1-FIRMS", "P1-JOBS", "NADC-GPUS"}  # the subtree's, NADC's included
    assert kpis["P1-FIRMS"]["actual"]["value"] == 160
    firms, jobs = p1["firms"]["reported_firms"], p1["firms"]["reported_jobs"]
    assert (firms["value"], firms["source"]) == (160, S1)
    assert (jobs["display_ko"], jobs["source"]) == ("650명", S1)
    assert p1["firms"]["on_record"] == 0  # the 160 firms are not listed one by one yet
    assert [s["key"] for s in p1["sources"]] == ["S1", "S2"]


def test_program_detail_budget_by_year_and_source_cites_the_budget_line_s_source(gwangju_feed):
    detail = gwangju_feed.get("/api/v1/programs/NAT-AI-BUDGET-2026/").json()
    # The one line is a plan citing S2: no adopted line and no execution, so no source for those.
    assert detail["budget"] == [
        {
            "fiscal_year": 2026,
            "funding_source": "national",
            "funding_source_display": "국비",
            "planned": {
                "value": 10_100_000_000_000,
                "unit": "KRW",
                "display_ko": "10조 1,000억원",
                "display_en": "₩10.1T",
                "source": S2,
            },
            # Nobody entered an adopted budget or an execution: null and "–", not 0.
            "budget": {"value": None, "unit": "KRW", "display_ko": "–", "display_en": "–", "source": None},
            "executed": {"value": None, "unit": "KRW", "display_ko": "–", "display_en": "–", "source": None},
            "execution_rate": {
                "value": None,
                "unit": "%",
                "display_ko": "–",
                "display_en": "–",
                "source": None,
            },
        }
    ]


def test_each_budget_figure_cites_the_rows_it_adds_up(gwangju, frozen_day, feed):
    import datetime

    from portfolio.models import BudgetStage, Program, Source
    from portfolio.services import record_execution, set_budget_line

    valley = Program.objects.get(code="AX-VALLEY")
    s1, s2 = Source.objects.get(key="S1"), Source.objects.get(key="S2")
    set_budget_line(
        program=valley,
        fiscal_year=2025,
        funding_source="city",
        stage=BudgetStage.ORIGINAL,
        amount=40_000_000_000,
        source=s2,
    )
    record_execution(
        program=valley,
        executed_on=datetime.date(2025, 10, 1),
        funding_source="city",
        amount=10_000_000_000,
        source=s1,
    )
    [cell] = feed.get("/api/v1/programs/AX-VALLEY/").json()["budget"]
    assert (cell["planned"]["value"], cell["planned"]["source"]) == (None, None)
    assert (cell["budget"]["display_ko"], cell["budget"]["source"]) == ("400억원", S2)
    assert (cell["executed"]["display_ko"], cell["executed"]["source"]) == ("100억원", S1)
    rate = cell["execution_rate"]
    assert (rate["display_ko"], rate["source"]) == ("25.0%", f"{S1}; {S2}")  # executed ÷ budget


def test_an_unknown_program_is_404_in_the_error_shape(gwangju_feed):
    response = gwangju_feed.get("/api/v1/programs/NOPE/")
    assert response.status_code == 404
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "NOPE 코드의 사업이 없습니다.", "attr": None}],
    }


def test_milestones_with_slippage_and_filters(gwangju_feed):
    milestones = rows(gwangju_feed, "/api/v1/milestones/")
    assert len(milestones) == 9
    exemption = next(m for m in milestones if m["title_ko"] == "예비타당성조사 면제 확정")
    assert exemption | {"id": 0} == {
        "id": 0,
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
    ax = rows(gwangju_feed, "/api/v1/milestones/", program="AX-VALLEY", status="planned")
    assert [m["planned_date"] for m in ax] == ["2026-12-31", "2030-12-31"]
    window = rows(gwangju_feed, "/api/v1/milestones/", due_after="2025-10-13", due_before="2025-10-24")
    assert [m["planned_date"] for m in window] == ["2025-10-13", "2025-10-23", "2025-10-24"]
    assert rows(gwangju_feed, "/api/v1/milestones/", overdue="true") == []
    whole_portfolio = rows(gwangju_feed, "/api/v1/milestones/", program="GJ-AI")
    assert len(whole_portfolio) == 7  # everything but the two national items


def test_indicators_with_progress_and_readings(gwangju_feed):
    kpis = by_code(rows(gwangju_feed, "/api/v1/indicators/"))
    firms = kpis["P1-FIRMS"]
    assert firms["actual"] == {
        "value": 160,
        "unit": "firms",
        "display_ko": "160개사",
        "display_en": "160 firms",
        "source": S1,
    }
    assert firms["readings"] == [
        {
            "period": "2025-10-24",
            "value": 160,
            "unit": "firms",
            "display_ko": "160개사",
            "display_en": "160 firms",
            "source": S1,
        }
    ]
    assert firms["status"] == "no_target" and firms["status_display"] == "목표 없음"
    assert kpis["P1-JOBS"]["actual"]["display_ko"] == "650명"
    assert kpis["NADC-GPUS"]["actual"]["display_en"] == "2,500 GPUs"
    goal = kpis["NAT-GPUS-2030"]
    assert (goal["target"]["value"], goal["target_year"], goal["status"]) == (200000, 2030, "no_data")
    only_gpus = rows(gwangju_feed, "/api/v1/indicators/", metric="gpus", ordering="code")
    assert [k["code"] for k in only_gpus] == ["JEONNAM-GPUS", "NADC-GPUS", "NAT-GPUS-2030"]


def test_english_labels_on_request(gwangju_feed):
    response = gwangju_feed.get("/api/v1/programs/AX-VALLEY/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["status_display"] == "Approved"
    assert response["Content-Language"] == "en"
