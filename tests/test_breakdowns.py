"""Breakdowns (세부 구분): a reading split into its indicator's parts, which must add up to the
reading's value (service, model and admin refuse otherwise, changing nothing); the API shows the
latest reading's parts (tests/api/test_breakdowns.py) and the KPI report lists every split
reading."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from portfolio import selectors, services
from portfolio.models import IndicatorPart, IndicatorReading, ReadingPart
from reports.builders import kpi as kpi_report
from tests.factories import IndicatorFactory, ProgramFactory, ReadingFactory
from tests.reports.conftest import sheet_rows, workbook
from tests.test_concurrent_edits import form_data

pytestmark = pytest.mark.django_db


def make_jobs():
    """The jobs KPI with its breakdown 청년 / 그 외 and two readings, 400 then 650 명."""
    indicator = IndicatorFactory(code="P1-JOBS", name_ko="일자리 창출", name_en="Jobs created", unit="명")
    indicator.unit_en = "jobs"
    indicator.save()
    IndicatorPart.objects.create(indicator=indicator, name_ko="그 외", name_en="Others", sort_order=2)
    IndicatorPart.objects.create(indicator=indicator, name_ko="청년", name_en="Youth", sort_order=1)
    ReadingFactory(indicator=indicator, period=datetime.date(2024, 12, 31), value=Decimal(400))
    ReadingFactory(indicator=indicator, period=datetime.date(2025, 10, 24), value=Decimal(650))
    return indicator


@pytest.fixture
def jobs(db):
    return make_jobs()


def reading_of(indicator, year: int) -> IndicatorReading:
    return indicator.readings.get(period__year=year)


def stored_parts(reading) -> dict[str, Decimal]:
    return {row.part.name_ko: row.value for row in ReadingPart.objects.filter(reading=reading)}


def test_a_reading_is_split_into_parts_that_add_up(jobs):
    services.set_reading_parts(
        reading=reading_of(jobs, 2025), values={"청년": Decimal(260), "그 외": Decimal(390)}
    )
    assert stored_parts(reading_of(jobs, 2025)) == {"청년": Decimal(260), "그 외": Decimal(390)}


def test_parts_that_do_not_add_up_are_refused_and_nothing_changes(jobs):
    reading = reading_of(jobs, 2025)
    services.set_reading_parts(reading=reading, values={"청년": Decimal(260), "그 외": Decimal(390)})
    with pytest.raises(ValidationError) as refusal:
        services.set_reading_parts(reading=reading, values={"청년": Decimal(300), "그 외": Decimal(390)})
    assert refusal.value.message_dict == {
        "value": [
            "세부 구분의 합계는 690이지만 실적 값은 650입니다. 세부 구분의 합계가 실적 값과 같아야 합니다. "
            "저장하지 않았습니다."
        ]
    }
    assert stored_parts(reading) == {"청년": Decimal(260), "그 외": Decimal(390)}
    assert ReadingPart.history.count() == 2  # the two first saves, nothing of the refused one


def test_a_name_outside_the_breakdown_is_refused(jobs):
    reading = reading_of(jobs, 2025)
    with pytest.raises(ValidationError) as refusal:
        services.set_reading_parts(reading=reading, values={"청년": Decimal(650), "여성": Decimal(0)})
    assert refusal.value.message_dict == {"part": ["여성: P1-JOBS 일자리 창출 지표의 세부 구분이 아닙니다."]}
    assert ReadingPart.objects.count() == 0


def test_a_part_of_another_indicator_is_refused(jobs):
    other = IndicatorPart.objects.create(indicator=IndicatorFactory(), name_ko="이전")
    part = ReadingPart(reading=reading_of(jobs, 2025), part=other, value=Decimal(650))
    with pytest.raises(ValidationError) as refusal:
        part.full_clean()
    assert refusal.value.message_dict == {"part": ["“이전”은(는) 다른 지표의 세부 구분입니다."]}


def test_a_new_value_alone_is_refused_while_the_parts_say_otherwise(jobs):
    reading = reading_of(jobs, 2025)
    services.set_reading_parts(reading=reading, values={"청년": Decimal(260), "그 외": Decimal(390)})
    with pytest.raises(ValidationError) as refusal:
        services.record_reading(indicator=jobs, period=reading.period, value=Decimal(700))
    assert "세부 구분의 합계는 650이지만 실적 값은 700입니다." in refusal.value.message_dict["value"][0]
    reading.refresh_from_db()
    assert reading.value == Decimal(650)
    # Removing the split frees the value again.
    services.set_reading_parts(reading=reading, values={})
    services.record_reading(indicator=jobs, period=reading.period, value=Decimal(700))
    assert reading_of(jobs, 2025).value == Decimal(700)


def test_an_unchanged_value_is_not_checked_against_the_parts_again(jobs, django_assert_num_queries):
    services.set_reading_parts(
        reading=reading_of(jobs, 2025), values={"청년": Decimal(260), "그 외": Decimal(390)}
    )
    reading = reading_of(jobs, 2025)
    reading.note = "고침"
    # An import of unchanged values reads no parts per row: the one query is the locked-period
    # check (확정/잠정) every write makes, the stored period being known from the load.
    with django_assert_num_queries(1):
        reading.clean()
    reading.value = Decimal(651)
    with django_assert_num_queries(2), pytest.raises(ValidationError):  # + the parts
        reading.clean()


def test_an_import_cannot_change_the_value_of_a_split_reading(jobs, tmp_path):
    from tests.imports.conftest import run, write_csv

    reading = reading_of(jobs, 2025)
    services.set_reading_parts(reading=reading, values={"청년": Decimal(260), "그 외": Decimal(390)})
    rows = [["지표코드", "기준일", "값"], ["P1-JOBS", "2025-10-24", 700]]
    summary, results = run("indicator-readings", write_csv(tmp_path / "readings.csv", rows))
    assert summary.counts["error"] == 1
    assert "세부 구분의 합계는 650이지만 실적 값은 700입니다." in str(results[0].errors)
    reading.refresh_from_db()
    assert (reading.value, reading.history.count()) == (Decimal(650), 1)


# --- the admin ------------------------------------------------------------------------------------


def change_url(reading) -> str:
    return reverse("admin:portfolio_indicatorreading_change", args=[reading.pk])


def parts_form(client, reading, value, parts: dict[str, str]) -> dict:
    """The change page as a browser would post it, with the reading's value and new parts."""
    form = form_data(client.get(change_url(reading))) | {"value": value}
    by_name = {part.name_ko: part.pk for part in reading.indicator.parts.all()}
    form |= {"parts-TOTAL_FORMS": len(parts), "parts-INITIAL_FORMS": 0}
    for index, (name, part_value) in enumerate(parts.items()):
        form |= {f"parts-{index}-part": by_name[name], f"parts-{index}-value": part_value}
    return form


def test_the_admin_offers_one_row_per_part_of_the_breakdown(client, office_staff, jobs):
    client.force_login(office_staff)
    response = client.get(change_url(reading_of(jobs, 2025)))
    formset = next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "parts"
    )
    assert len(formset.forms) == 2
    assert [label for _value, label in formset.forms[0].fields["part"].choices][1:] == ["청년", "그 외"]


def test_the_admin_refuses_parts_that_do_not_add_up_and_saves_nothing(client, office_staff, jobs):
    client.force_login(office_staff)
    reading = reading_of(jobs, 2025)
    response = client.post(
        change_url(reading), parts_form(client, reading, "650", {"청년": "200", "그 외": "400"})
    )
    assert response.status_code == 200
    assert "세부 구분의 합계는 600이지만 실적 값은 650입니다." in response.content.decode()
    assert ReadingPart.objects.count() == 0
    assert reading.history.count() == 1


def test_the_admin_saves_a_new_value_and_its_parts_together(client, office_staff, jobs):
    client.force_login(office_staff)
    reading = reading_of(jobs, 2025)
    services.set_reading_parts(reading=reading, values={"청년": Decimal(260), "그 외": Decimal(390)})
    form = form_data(client.get(change_url(reading))) | {"value": "700"}
    values = {ReadingPart.objects.get(reading=reading, part__name_ko=name).pk: v for name, v in
              {"청년": "300", "그 외": "400"}.items()}  # fmt: skip
    for index in range(2):
        form[f"parts-{index}-value"] = values[int(form[f"parts-{index}-id"])]
    response = client.post(change_url(reading), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert reading_of(jobs, 2025).value == Decimal(700)
    assert stored_parts(reading) == {"청년": Decimal(300), "그 외": Decimal(400)}


def test_the_indicator_page_defines_the_breakdown(client, office_staff, jobs):
    client.force_login(office_staff)
    page = client.get(reverse("admin:portfolio_indicator_change", args=[jobs.pk])).content.decode()
    assert 'value="청년"' in page and 'value="그 외"' in page
    assert "증빙 필수" in page


# --- reads ------------------------------------------------------------------------------------


def split(jobs):
    services.set_reading_parts(
        reading=reading_of(jobs, 2024), values={"청년": Decimal(150), "그 외": Decimal(250)}
    )
    services.set_reading_parts(
        reading=reading_of(jobs, 2025), values={"그 외": Decimal(390), "청년": Decimal(260)}
    )


def test_the_kpi_report_lists_every_split_reading(jobs, tmp_path):
    split(jobs)
    path = tmp_path / "kpi.xlsx"
    kpi_report.build(path)
    assert sheet_rows(workbook(path), "세부 구분") == [
        ("P1-JOBS", "일자리 창출", "명", datetime.datetime(2024, 12, 31), "청년", 150, 0.375, 400),
        ("P1-JOBS", "일자리 창출", "명", datetime.datetime(2024, 12, 31), "그 외", 250, 0.625, 400),
        ("P1-JOBS", "일자리 창출", "명", datetime.datetime(2025, 10, 24), "청년", 260, 0.4, 650),
        ("P1-JOBS", "일자리 창출", "명", datetime.datetime(2025, 10, 24), "그 외", 390, 0.6, 650),
    ]
    english = tmp_path / "kpi-en.xlsx"
    kpi_report.build(english, language="en")
    assert sheet_rows(workbook(english), "Breakdowns")[0][1:5] == (
        "Jobs created", "jobs", datetime.datetime(2024, 12, 31), "Youth"
    )  # fmt: skip


def test_as_of_gives_the_parts_as_they_stood():
    with time_machine.travel(datetime.datetime(2025, 10, 25, 10, tzinfo=datetime.UTC)):
        jobs = make_jobs()
    with time_machine.travel(datetime.datetime(2025, 11, 1, 10, tzinfo=datetime.UTC)):
        split(jobs)
    with time_machine.travel(datetime.datetime(2025, 11, 20, 10, tzinfo=datetime.UTC)):
        reading = reading_of(jobs, 2025)
        services.set_reading_parts(reading=reading, values={"청년": Decimal(300), "그 외": Decimal(350)})
        IndicatorPart.objects.filter(name_ko="청년").update(name_en="Young people")  # no history: not seen
    [then] = selectors.kpi_progress(as_of=datetime.date(2025, 11, 10), breakdowns=True)
    assert [(p.name_ko, p.value) for p in then.breakdown] == [("청년", 260), ("그 외", 390)]
    [now] = selectors.kpi_progress(breakdowns=True)
    assert [(p.name_ko, p.value) for p in now.breakdown] == [("청년", 300), ("그 외", 350)]
    [before] = selectors.kpi_progress(as_of=datetime.date(2025, 10, 31), breakdowns=True)
    assert before.breakdown == ()


@pytest.mark.parametrize("n_indicators", [3, 60])
def test_breakdowns_take_one_more_query_whatever_the_number_of_readings(
    django_assert_num_queries, n_indicators
):
    program = ProgramFactory()
    for index in range(n_indicators):
        indicator = IndicatorFactory(program=program)
        young = IndicatorPart.objects.create(indicator=indicator, name_ko="청년")
        others = IndicatorPart.objects.create(indicator=indicator, name_ko="그 외")
        reading = ReadingFactory(indicator=indicator, value=Decimal(10 + index))
        ReadingPart.objects.create(reading=reading, part=young, value=Decimal(4))
        ReadingPart.objects.create(reading=reading, part=others, value=Decimal(6 + index))
    # Programs, indicators, readings and the yearly targets: 4, whatever the number of readings.
    with django_assert_num_queries(4):
        assert all(not kpi.breakdown for kpi in selectors.kpi_progress())
    with django_assert_num_queries(5):
        kpis = selectors.kpi_progress(breakdowns=True)
    assert [sum(p.value for p in kpi.breakdown) for kpi in kpis] == [kpi.actual for kpi in kpis]
    with django_assert_num_queries(6):  # from the history: the parts, then their names
        assert len(selectors.kpi_progress(as_of=datetime.date.today(), breakdowns=True)) == n_indicators


def test_load_gwangju_defines_the_breakdowns_of_firms_and_jobs_without_figures(gwangju):
    assert list(
        IndicatorPart.objects.filter(indicator__code="P1-JOBS").values_list("name_ko", flat=True)
    ) == [
        "청년",
        "그 외",
    ]
    assert list(
        IndicatorPart.objects.filter(indicator__code="P1-FIRMS").values_list("name_ko", flat=True)
    ) == [
        "이전",
        "창업",
        "투자유치",
    ]
    assert ReadingPart.objects.count() == 0  # the articles give no split
    from django.core.management import call_command

    history = IndicatorPart.history.count()
    call_command("load_gwangju", stdout=open("/dev/null", "w"))
    assert (IndicatorPart.objects.count(), IndicatorPart.history.count()) == (5, history)
