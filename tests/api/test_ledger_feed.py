"""The ledger through the feed: the worked example's figures in programs/P/'s `ledger`, the
programs list and the briefing for a chosen fiscal year, as_of before and after a year-end
close, and a bad fiscal_year refused naming the parameter."""

import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from portfolio import closing
from portfolio.models import FundingSource, Program
from tests import ledger_data
from tests.ledger_data import ledger_portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked_example(db):
    return ledger_data.worked_example()


EOK = 100_000_000
SEOUL = datetime.timezone(datetime.timedelta(hours=9))
LEDGER_KEYS = {
    "fiscal_year",
    "funding_source",
    "original",
    "supplementary",
    "adopted",
    "carried_in_explicit",
    "carried_in_accident",
    "carried_in_continuing",
    "reserve",
    "transfers",
    "revenue_substitution",
    "available",
    "committed",
    "paid",
    "execution_rate",
    "commitment_rate",
    "carried_out_explicit",
    "carried_out_accident",
    "carried_out_continuing",
    "unused",
    "closed",
}


def at(*moment):
    return time_machine.travel(datetime.datetime(*moment, tzinfo=SEOUL), tick=False)


def get(client, url: str, **params) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def values(cell: dict) -> dict:
    """The plain values of a ledger object's figures."""
    return {key: value["value"] if isinstance(value, dict) else value for key, value in cell.items()}


def test_the_program_s_ledger_gives_the_worked_example_s_figures(worked_example, feed):
    with at(2026, 12, 3, 9):
        ledger = get(feed, "/api/v1/programs/P/")["ledger"]
    assert [(c["fiscal_year"], c["funding_source"]) for c in ledger] == [(2026, "national"), (2026, None)]
    national, total = ledger
    assert LEDGER_KEYS <= set(national)
    assert values(national) | {"funding_source": None, "funding_source_display": None} == values(total)
    assert {key: values(national)[key] for key in LEDGER_KEYS} == {
        "fiscal_year": 2026,
        "funding_source": "national",
        "original": 80 * EOK,
        "supplementary": 90 * EOK,
        "adopted": 90 * EOK,
        "carried_in_explicit": 0,
        "carried_in_accident": 5 * EOK,
        "carried_in_continuing": 0,
        "reserve": 2 * EOK,
        "transfers": -1 * EOK,
        "revenue_substitution": 0,
        "available": 96 * EOK,
        "committed": 70 * EOK,
        "paid": 6_050_000_000,
        "execution_rate": 63.0,
        "commitment_rate": 72.9,
        "carried_out_explicit": None,  # nothing carried on or unused before the close
        "carried_out_accident": None,
        "carried_out_continuing": None,
        "unused": None,
        "closed": False,
    }
    assert national["supplementary_round"] == 2 and national["funding_source_display"] == "국비"
    assert (national["available"]["display_ko"], national["paid"]["display_ko"]) == (
        "96억원",
        "60억 5,000만원",
    )
    assert national["execution_rate"] | {"source": None} == {
        "value": 63.0,
        "unit": "%",
        "display_ko": "63.0%",
        "display_en": "63.0%",
        "source": None,
    }
    assert national["transfers"]["display_ko"] == "-1억원"


def test_programs_and_the_briefing_give_the_rate_of_the_fiscal_year_asked_for(worked_example, feed):
    with at(2026, 12, 3, 9):
        [row] = get(feed, "/api/v1/programs/", fiscal_year=2026)["results"]
        assert (row["fiscal_year"], row["budget"]["value"], row["executed"]["value"]) == (
            2026,
            96 * EOK,
            6_050_000_000,
        )
        assert (row["execution_rate"]["value"], row["committed"]["value"]) == (63.0, 70 * EOK)
        assert get(feed, "/api/v1/programs/")["results"][0]["fiscal_year"] == 2026  # today's year
        [before] = get(feed, "/api/v1/programs/", fiscal_year=2025)["results"]
        assert (before["fiscal_year"], before["budget"]["value"], before["execution_rate"]["value"]) == (
            2025,
            None,  # no budget entered for 2025: unknown, not 0
            None,
        )
        assert before["executed_to_date"]["value"] is None  # nothing paid or entered up to 2025
        # Across years only the total cost is a base: P has none, so there is no such rate.
        assert row["cumulative_execution_rate"]["value"] is None

        Program.objects.filter(code="P").update(total_cost=200 * EOK)
        data = get(feed, "/api/v1/briefing/", program="P", fiscal_year=2026)
    assert data["fiscal_year"] == 2026
    headline = data["headline"]
    assert (headline["budget"]["value"], headline["executed"]["value"]) == (96 * EOK, 6_050_000_000)
    assert headline["execution_rate"]["display_ko"] == "63.0%"
    assert headline["commitment_rate"]["display_ko"] == "72.9%"
    assert headline["executed_to_date"]["value"] == 6_050_000_000
    assert headline["cumulative_execution_rate"]["display_ko"] == "30.3%"  # 60.5억 ÷ 200억
    assert [(s["fiscal_year"], s["funding_source"]) for s in data["budget_by_source"]] == [(2026, "national")]
    assert [values(c)["available"] for c in data["ledger"]] == [96 * EOK, 96 * EOK]


def test_as_of_reads_the_ledger_before_and_after_the_year_end_close(worked_example, feed, office_staff):
    with at(2027, 1, 20, 10):
        closing.close_year(
            program=worked_example,
            fiscal_year=2026,
            funding_source=FundingSource.NATIONAL,
            carried_out_accident=6 * EOK,
            carried_out_explicit=20 * EOK,
            closed_by=office_staff,
        )
    with at(2027, 2, 1, 9):
        before = get(feed, "/api/v1/briefing/", program="P", fiscal_year=2026, as_of="2027-01-19")
        after = get(feed, "/api/v1/briefing/", program="P", fiscal_year=2026, as_of="2027-01-20")
        next_year = get(feed, "/api/v1/briefing/", program="P", fiscal_year=2027, as_of="2027-01-20")
        next_year_before = get(feed, "/api/v1/briefing/", program="P", fiscal_year=2027, as_of="2027-01-19")
    total_before, total_after = values(before["ledger"][-1]), values(after["ledger"][-1])
    assert (total_before["closed"], total_before["unused"], total_before["carried_out_accident"]) == (
        False,
        None,
        None,
    )
    assert (total_after["closed"], total_after["unused"]) == (True, 950_000_000)
    assert (total_after["carried_out_accident"], total_after["carried_out_explicit"]) == (6 * EOK, 20 * EOK)
    assert total_after["paid"] == total_before["paid"] == 6_050_000_000
    # The close carried 26억 into 2027: 예산현액 26억 there from that day on, nothing before.
    carried = values(next_year["ledger"][-1])
    assert (carried["carried_in_accident"], carried["carried_in_explicit"], carried["available"]) == (
        6 * EOK,
        20 * EOK,
        26 * EOK,
    )
    assert next_year_before["ledger"] == []


@pytest.mark.parametrize("value", ["1999", "2101", "twenty", "2026.5"])
@pytest.mark.parametrize("url", ["/api/v1/programs/", "/api/v1/briefing/"])
def test_a_bad_fiscal_year_is_refused_naming_the_parameter(feed, url, value):
    response = feed.get(url, {"fiscal_year": value})
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["attr"] == "fiscal_year"
    assert error["detail"] in (
        "회계연도는 2000년부터 2100년까지입니다.",
        "회계연도는 2026처럼 정수로 적어 주십시오.",
    )


@pytest.mark.slow
def test_the_ledger_endpoints_take_the_same_queries_at_10_and_1000_programs(settings):
    from django.test import override_settings

    from tests.api.conftest import LOCAL_MEMORY_CACHE, make_feed_token
    from tests.api.test_query_counts import cold_queries

    urls = (
        "/api/v1/programs/?page_size=500&fiscal_year=2025",
        "/api/v1/programs/S-00003/",
        "/api/v1/briefing/?fiscal_year=2025",
        "/api/v1/briefing/?program=S-00003&fiscal_year=2026&since=2020-01-01",  # bulk rows have no history
    )
    with override_settings(CACHES=LOCAL_MEMORY_CACHE):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {make_feed_token('ledger-counts')}")
        ledger_portfolio(10, prefix="S")
        small = {url: cold_queries(client, url) for url in urls}
        ledger_portfolio(990, prefix="L")
        large = {url: cold_queries(client, url) for url in urls}
    assert large == small
    assert max(small.values()) <= 30, small
