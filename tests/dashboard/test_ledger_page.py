"""The dashboard by fiscal year: the worked example's 예산현액, 지출액 and 집행률 on the program's
page with 예산현액's parts by funding source, the year picker (and a bad year said plainly), the
rate beside the rate expected by the day, and a fixed number of queries at 10 and 1,000 programs."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import ledger_data
from tests.dashboard.test_views import text, tile
from tests.ledger_data import ledger_portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked_example(db):
    return ledger_data.worked_example()


SEOUL = datetime.timezone(datetime.timedelta(hours=9))
PAGE = "/dashboard/programs/P/"


def at(*moment):
    return time_machine.travel(datetime.datetime(*moment, tzinfo=SEOUL), tick=False)


def ledger_rows(response) -> list[list[str]]:
    """The ledger table's rows as lists of cell texts."""
    match = re.search(r'<table class="ledger-table">.*?</table>', response.content.decode(), re.S)
    assert match, "no ledger table"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(0), re.S)
    return [
        [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_the_program_page_shows_the_worked_example_s_figures(manager_client, worked_example):
    with at(2026, 12, 3, 9):
        response = manager_client.get(PAGE, {"fiscal_year": 2026})
    assert response.status_code == 200
    assert "예산현액 96억원" in tile(response, "budget")
    assert "지출액 60억 5,000만원" in tile(response, "executed")
    assert "원인행위액: 70억원" in tile(response, "executed")
    rate = tile(response, "rate")
    assert "집행률 63.0%" in rate
    assert "이날까지 기대 집행률: 93.9%" in rate  # 60 % + 40 % × 156/184 days on 3 December
    assert "2026 회계연도 기준 금액과 집행률" in text(response)
    header, national, total = ledger_rows(response)
    assert header[:2] == ["재원", "본예산"] and header[-2:] == ["다음연도 이월", "불용액"]
    assert national == [
        "국비",
        "80억원",
        "90억원",  # 2차 추경, the adopted budget
        "5억원",  # 사고이월 carried in
        "2억원",
        "-1억원",
        "0원",
        "96억원",
        "70억원",
        "60억 5,000만원",
        "63.0%",
        "–",
        "마감 전",
    ]
    assert total[0] == "합계" and total[1:] == national[1:]


def test_the_page_defaults_to_the_year_of_the_day_and_offers_the_others(
    manager_client, manager, worked_example
):
    with at(2027, 3, 2, 9):
        manager_client.force_login(manager)  # a session of that day
        response = manager_client.get(PAGE)
    assert "2027 회계연도 기준" in text(response)
    assert "이 회계연도에 입력된 예산이나 집행이 없습니다." in text(response)
    assert "예산현액 –" in tile(response, "budget")  # nothing entered for 2027: unknown, not 0원
    html = response.content.decode()
    assert '<option value="2026">2026</option>' in html
    assert '<option value="2027" selected>2027</option>' in html
    with at(2027, 3, 2, 9):
        chosen = manager_client.get(PAGE, {"fiscal_year": 2026})
    assert "집행률 63.0%" in tile(chosen, "rate")
    assert "이날까지 기대 집행률: 100.0%" in tile(chosen, "rate")  # 2026 is over
    # Across years only the total cost is a base, and P has none.
    assert "총사업비가 입력되지 않았습니다." in tile(chosen, "cumulative")
    assert 'href="/dashboard/?fiscal_year=2026"' in chosen.content.decode()  # links keep the year


@pytest.mark.parametrize(
    ("value", "message"),
    [("1999", "회계연도는 2000년부터 2100년까지입니다."), ("이천", "회계연도를 2026처럼 정수로 입력하세요.")],
)
def test_a_bad_fiscal_year_is_said_plainly_and_the_day_s_year_is_shown(
    manager_client,
    worked_example,
    value,
    message,
):
    with at(2026, 12, 3, 9):
        response = manager_client.get(PAGE, {"fiscal_year": value})
    assert response.status_code == 400
    assert message in text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    assert "집행률 63.0%" in tile(response, "rate")  # 2026's figures, nothing half-done


def queries_for(client, path: str) -> int:
    client.get(path)  # warm per-process caches (content types, permissions) first
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


@pytest.mark.slow
def test_pages_by_fiscal_year_take_the_same_queries_at_10_and_1000_programs(manager_client):
    paths = ("/dashboard/?fiscal_year=2026", "/dashboard/programs/S-00003/?fiscal_year=2025")
    ledger_portfolio(10, prefix="S")
    small = {path: queries_for(manager_client, path) for path in paths}
    ledger_portfolio(990, prefix="L")
    large = {path: queries_for(manager_client, path) for path in paths}
    assert large == small
    assert small[paths[0]] <= 16, small
