"""With Redis down, a report is built in the web process only when it fits in a web request: a
larger one is refused with the reason, and nothing is built or left queued."""

import pytest

from portfolio.models import BudgetLine, Execution, IndicatorReading, Program
from reports.models import ReportRun
from tests.reports.conftest import build_folders, run_files

Status = ReportRun.Status
NOBODY_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = NOBODY_LISTENS


def rows_in_the_portfolio() -> int:
    return sum(model.objects.count() for model in (Program, BudgetLine, Execution, IndicatorReading))


def test_the_estimate_counts_programs_lines_executions_and_readings(hand_made):
    assert ReportRun(kind="portfolio").estimated_rows() == 5 + 9 + 4 + 4 == rows_in_the_portfolio()


def test_with_redis_down_a_report_too_large_for_a_web_request_is_refused_saying_why(
    ask, redis_down, settings, hand_made
):
    settings.REPORT_IN_PROCESS_MAX_ROWS = 21
    run = ask()
    assert run.status == Status.FAILED and run.finished_at is not None
    assert run.message == (
        "보고서 대기열(Redis)이 응답하지 않습니다. 약 22행인 보고서는 웹 요청 안에 만들 수 없어 만들지 "
        "않았습니다. 대기열이 복구되면 다시 요청하거나, 사업 하나의 보고서를 요청하세요."
    )
    assert (run.attempts, run.file.name) == (0, "")  # never started
    assert run_files(run) == [] and build_folders(run) == []


def test_with_redis_down_a_report_that_fits_in_a_web_request_is_still_built_here(
    ask, redis_down, settings, hand_made
):
    settings.REPORT_IN_PROCESS_MAX_ROWS = 22
    run = ask()
    assert run.status == Status.DONE, run.message
    assert run.message.endswith(
        "보고서 대기열(Redis)이 응답하지 않습니다. 대신 웹 프로세스에서 만들었습니다."
    )
    assert len(run_files(run)) == 1


def test_without_redis_configured_a_large_report_is_still_built_in_process(
    ask, in_process, settings, hand_made
):
    """No Redis at all is a set-up choice (`make run` on a bare machine), not an outage."""
    settings.REPORT_IN_PROCESS_MAX_ROWS = 1
    run = ask()
    assert run.status == Status.DONE and "REDIS_URL" in run.message
