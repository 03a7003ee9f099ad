"""What the admin's lists show, for a 1366 px screen and a reader: milestone dates only as precise
as they are known, an overdue badge only where a milestone is overdue, KPI values with their unit
and without the stored "2500.0000", and the program list in tree order."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from portfolio.display import precise_date_ko
from portfolio.models import Indicator, IndicatorReading, Milestone, Program
from tests.factories import MilestoneFactory

pytestmark = pytest.mark.django_db
SEOUL_DAY = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))


def test_a_date_is_written_as_precisely_as_it_is_known():
    day = datetime.date(2026, 12, 31)
    assert precise_date_ko(day, "year") == "2026년"
    assert precise_date_ko(day, "month") == "2026년 12월"
    assert precise_date_ko(day, "day") == "2026-12-31"
    assert precise_date_ko(None, "year") == ""


def cells(html: str, column: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(rf'<t[hd] class="field-{column}[^"]*">(.*?)</t[hd]>', html, re.S)
    ]


@time_machine.travel(SEOUL_DAY, tick=False)
def test_milestones_show_their_precision_and_a_badge_only_when_overdue(client, office_staff, gwangju):
    late = MilestoneFactory(title_ko="늦은 일정", planned_date=datetime.date(2026, 9, 30),
                            date_precision=Milestone.Precision.MONTH)  # fmt: skip
    client.force_login(office_staff)
    html = client.get(reverse("admin:portfolio_milestone_changelist")).content.decode()
    planned = cells(html, "planned_display")
    assert "2017년" in planned  # AI 중심도시 추진 시작, known to the year
    assert "2026년 9월" in planned  # the late one, known to the month
    assert "2025-08-22" in planned  # 예비타당성조사 면제 확정, known to the day
    overdue = [m for m in Milestone.objects.all() if m.is_overdue()]
    assert late in overdue
    assert html.count('class="badge-overdue"') == len(overdue) < Milestone.objects.count()
    assert "icon-no.svg" not in html and "icon-yes.svg" not in html


def test_kpi_values_are_shown_with_their_unit_and_typed_without_trailing_zeros(client, office_staff, gwangju):
    client.force_login(office_staff)
    html = client.get(reverse("admin:portfolio_indicator_changelist")).content.decode()
    assert "2,500대" in cells(html, "actual")
    assert ".0000" not in html
    html = client.get(reverse("admin:portfolio_indicatorreading_changelist")).content.decode()
    assert "2,500대" in cells(html, "value_display")
    assert ".0000" not in html
    gpus = Indicator.objects.get(code="NADC-GPUS")
    assert gpus.readings.get().value == Decimal("2500.0000")
    html = client.get(reverse("admin:portfolio_indicator_change", args=[gpus.pk])).content.decode()
    assert re.search(r'name="readings-0-value" value="2500"', html)
    assert "2500.0000" not in html


def test_a_kpi_value_typed_with_decimals_is_kept_exactly(client, office_staff, gwangju):
    reading = IndicatorReading.objects.select_related("indicator").get(indicator__code="NADC-GPUS")
    assert str(reading) == "NADC-GPUS 2025-10-23 2,500대"


def test_the_program_list_is_in_tree_order_indented_by_depth(client, office_staff, gwangju):
    client.force_login(office_staff)
    html = client.get(reverse("admin:portfolio_program_changelist")).content.decode()
    codes = re.findall(r'<th class="field-code"><a href="[^"]+">([^<]+)</a>', html)
    assert codes[:7] == ["GJ-AI", "GJ-AI-P1", "GJ-AI-P1-NADC", "GJ-AI-P1-SIM", "GJ-AI-P1-TALENT",
                         "AX-VALLEY", "NAICC-BID"]  # fmt: skip
    assert '<span class="tree-depth-2">국가AI데이터센터</span>' in html
    assert '<span class="tree-depth-0">AI 중심도시 광주</span>' in html
    by_code = client.get(reverse("admin:portfolio_program_changelist"), {"o": "1"}).content.decode()
    assert re.findall(r'<th class="field-code"><a href="[^"]+">([^<]+)</a>', by_code) == sorted(
        Program.objects.values_list("code", flat=True)
    )
