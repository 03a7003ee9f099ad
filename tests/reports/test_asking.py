"""Asking for reports, in this process: validation naming the field, the no-broker fallback,
the parameters kept, and one run per scheduled message however often it is delivered."""

import datetime
import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reports import services
from reports.models import ReportRun
from reports.tasks import scheduled_report
from tests.reports.conftest import queued_run, run_files, workbook

Status = ReportRun.Status


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"kind": "budget"}, "kind"),
        ({"language": "fr"}, "language"),
        ({"as_of": datetime.date.today() + datetime.timedelta(days=400)}, "as_of"),
        ({"root": "NO-SUCH-PROGRAM"}, "root"),
    ],
)
def test_it_rejects_bad_requests_naming_the_field_and_creates_nothing(ask, options, field):
    with pytest.raises(ValidationError) as error:
        ask(**options)
    assert field in error.value.message_dict
    assert not ReportRun.objects.exists()


def test_without_redis_the_report_is_built_in_process_and_says_so(ask, in_process, hand_made, manager):
    run = ask(requested_by=manager)
    assert run.status == Status.DONE
    assert "REDIS_URL" in run.message
    assert run.requested_by == manager and run.attempts == 1
    assert run_files(run) == [Path(run.file.path)]
    assert run.size == Path(run.file.path).stat().st_size
    assert run.checksum == hashlib.sha256(Path(run.file.path).read_bytes()).hexdigest()
    assert workbook(run).worksheets[1]["A2"].value == "H"


def test_when_redis_does_not_answer_it_builds_in_process_and_says_why(ask, settings, hand_made):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    run = ask()
    assert run.status == Status.DONE
    assert "Redis" in run.message and "응답하지 않습니다" in run.message


def test_with_the_fallback_off_an_unanswered_queue_fails_the_run_saying_why(ask, settings, hand_made):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.REPORT_IN_PROCESS_FALLBACK = False
    run = ask()
    assert run.status == Status.FAILED
    assert "Redis" in run.message and "다시 요청" in run.message
    assert not run.file and run_files(run) == []


def test_the_kpi_report_can_be_asked_for_too(ask, in_process, hand_made):
    run = ask(kind="kpi", language="en")
    assert run.status == Status.DONE
    assert workbook(run).sheetnames == [
        "Cover",
        "KPI status",
        "KPIs by year",
        "Readings",
        "Charts",
        "Breakdowns",
    ]
    assert run.download_filename().startswith("Gwangju AI KPI report_")
    assert run.ascii_filename().startswith("gwangju-kpi-")


def test_a_report_of_one_program_as_of_a_day_keeps_its_parameters(ask, in_process, hand_made):
    today = timezone.localdate()
    run = ask(root="H-A", as_of=today)
    assert (run.root, run.as_of, run.status) == ("H-A", today, Status.DONE)
    name = f"광주 AI 포트폴리오 보고서_H-A_{today.year}회계연도_{today:%Y-%m-%d} 기준_{run.pk}호.xlsx"
    assert run.download_filename() == name
    assert run.ascii_filename() == f"gwangju-portfolio-H-A-{today:%Y-%m-%d}-run{run.pk}.xlsx"
    assert [
        row[0] for row in workbook(run).worksheets[1].iter_rows(min_row=2, max_row=3, values_only=True)
    ] == [
        "H-A",
        "H-A-1",
    ]


def test_a_scheduled_message_delivered_again_makes_no_second_report(
    in_process, hand_made, django_capture_on_commit_callbacks
):
    """With late acknowledgement, a worker that dies after asking for the monthly report but
    before acknowledging the message gets it delivered again, same message, same task id."""

    def deliver(task_id: str) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return scheduled_report.apply(kwargs={"kind": "portfolio"}, task_id=task_id).get()

    first = deliver("beat-2026-04-01")
    again = deliver("beat-2026-04-01")
    assert again == first
    assert ReportRun.objects.filter(trigger="schedule").count() == 1
    run = ReportRun.objects.get(pk=first)
    assert (run.status, run.schedule_key, run.attempts) == (Status.DONE, "beat-2026-04-01", 1)
    assert len(run_files(run)) == 1

    # The next slot is another message: another report.
    deliver("beat-2026-05-01")
    assert ReportRun.objects.filter(trigger="schedule").count() == 2


def test_the_database_keeps_one_run_per_scheduled_message(hand_made):
    """Two deliveries of one message at the same moment both pass the look-up; the unique key
    lets one row in, and request_report hands the other the run that was made."""
    made = queued_run(trigger="schedule", schedule_key="beat-twice")
    with pytest.raises(IntegrityError), transaction.atomic():
        queued_run(trigger="schedule", schedule_key="beat-twice")
    queued_run(kind="kpi"), queued_run(kind="kpi")  # runs asked for otherwise carry no key
    real_filter = ReportRun.objects.filter

    def misses_the_twin(*args, **kwargs):  # as if the twin committed just after the look-up
        return (
            ReportRun.objects.none()
            if kwargs == {"schedule_key": "beat-twice"}
            else real_filter(*args, **kwargs)
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ReportRun.objects, "filter", misses_the_twin)
        run = services.request_report(
            kind="portfolio", requested_by=None, trigger="schedule", schedule_key="beat-twice"
        )
    assert run.pk == made.pk
    assert ReportRun.objects.filter(schedule_key="beat-twice").count() == 1
