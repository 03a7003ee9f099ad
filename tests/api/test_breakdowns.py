"""The indicators' breakdown (세부 구분) in the feed: the latest reading's parts, each a figure."""

from decimal import Decimal

import pytest

from portfolio import services
from tests.test_breakdowns import make_jobs, reading_of, split

pytestmark = pytest.mark.django_db


def test_the_api_shows_the_breakdown_of_the_latest_reading(feed):
    split(make_jobs())
    answer = feed.get("/api/v1/indicators/").json()
    [row] = answer["results"]
    assert row["breakdown"]["period"] == "2025-10-24"
    assert [
        (p["name_ko"], p["name_en"], p["value"], p["unit"], p["display_ko"])
        for p in row["breakdown"]["parts"]
    ] == [
        ("청년", "Youth", 260, "jobs", "260명"),
        ("그 외", "Others", 390, "jobs", "390명"),
    ]


def test_an_unsplit_latest_reading_has_no_breakdown(feed):
    jobs = make_jobs()
    services.set_reading_parts(
        reading=reading_of(jobs, 2024), values={"청년": Decimal(150), "그 외": Decimal(250)}
    )
    [row] = feed.get("/api/v1/indicators/").json()["results"]
    assert row["breakdown"] is None
