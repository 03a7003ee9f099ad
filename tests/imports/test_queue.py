"""A large import whose queue (Redis) is down or refuses the task never stays queued without a
word: it runs in the web process and says so, or, too large for a web request, fails saying why
with nothing written. Uploaded files are deleted once no run can read them again."""

from pathlib import Path

import pytest
from django.core.files import File
from django.urls import reverse
from kombu.exceptions import OperationalError

from imports import services
from imports.models import ImportRun
from imports.tasks import run_import
from portfolio.models import BudgetLine
from tests.imports.conftest import BUDGET_HEADER, snapshot, write_csv

pytestmark = pytest.mark.django_db
NOBODY_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def large(settings, tmp_path, programs):
    """A budget file of 30 rows, above a threshold of 10 rows."""
    settings.IMPORT_ASYNC_THRESHOLD_ROWS = 10
    rows = [BUDGET_HEADER[:5]] + [
        ["AX-VALLEY", year, source, "본예산", year]
        for year in range(2001, 2011)
        for source in ("국비", "시비", "민자")
    ]
    return write_csv(tmp_path / "large.csv", rows)


@pytest.fixture
def queue_down(settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = NOBODY_LISTENS


@pytest.fixture
def import_file(client, office_staff, django_capture_on_commit_callbacks):
    """Upload a file on the admin's import page as a request does: callbacks run on commit."""
    client.force_login(office_staff)

    def import_file(path: Path):
        with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
            response = client.post(reverse("admin:portfolio_budgetline_import"), {"file": handle})
        assert response.status_code == 302, response.content[:500]
        return ImportRun.objects.get(dry_run=True)

    return import_file


@pytest.fixture
def apply(client, django_capture_on_commit_callbacks):
    def apply(preview: ImportRun) -> ImportRun:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:imports_importrun_change", args=[preview.pk]), {"apply": "1"}
            )
        assert response.status_code == 302, response.content[:500]
        return ImportRun.objects.get(dry_run=False)

    return apply


def test_when_redis_does_not_answer_a_large_import_runs_in_the_web_process_and_says_so(
    client, queue_down, large, import_file, apply
):
    preview = import_file(large)
    assert (preview.status, preview.new_rows) == ("previewed", 30)
    assert preview.message == "가져오기 대기열(Redis)이 응답하지 않습니다. 대신 웹 프로세스에서 처리했습니다."
    page = client.get(reverse("admin:imports_importrun_change", args=[preview.pk])).content.decode()
    assert preview.message in page
    assert BudgetLine.objects.count() == 0

    applied = apply(preview)
    assert (applied.status, applied.new_rows) == ("applied", 30)
    assert applied.message == preview.message
    assert BudgetLine.objects.count() == 30


def test_a_file_too_large_for_a_web_request_fails_saying_why_when_redis_does_not_answer(
    queue_down, large, import_file, settings
):
    settings.IMPORT_IN_PROCESS_MAX_ROWS = 20
    before = snapshot()
    preview = import_file(large)
    assert preview.status == "failed" and preview.finished_at is not None
    assert preview.file_error.startswith("가져오기 대기열(Redis)이 응답하지 않습니다. 약 31행인 파일은")
    assert "20행" in preview.file_error and "아무것도 저장하지 않았습니다" in preview.file_error
    assert not preview.file  # nothing can read it again
    assert snapshot() == before


def test_an_apply_the_queue_cannot_take_fails_and_leaves_its_preview_to_apply_again(
    settings, large, import_file, apply
):
    settings.IMPORT_IN_PROCESS_MAX_ROWS = 100
    settings.REDIS_URL = settings.CELERY_BROKER_URL = NOBODY_LISTENS
    preview = import_file(large)
    settings.IMPORT_IN_PROCESS_MAX_ROWS = 20
    failed = apply(preview)
    assert failed.status == "failed" and "Redis" in failed.file_error
    assert BudgetLine.objects.count() == 0
    preview.refresh_from_db()
    assert preview.can_apply and Path(preview.file.path).exists()  # try again when the queue is back


def test_a_task_the_queue_refuses_is_run_in_the_web_process_saying_why(
    settings, redis_url, large, import_file, monkeypatch
):
    def refuse(*args, **kwargs):
        raise OperationalError("OOM command not allowed when used memory > 'maxmemory'")

    settings.CELERY_BROKER_URL = redis_url
    monkeypatch.setattr(run_import, "apply_async", refuse)
    preview = import_file(large)
    assert preview.status == "previewed"
    assert preview.message == (
        "가져오기 대기열(Redis)이 작업을 받지 않았습니다: OOM command not allowed when used memory > "
        "'maxmemory' 대신 웹 프로세스에서 처리했습니다."
    )


def test_a_task_the_queue_takes_waits_for_a_worker_and_says_so(
    settings, redis_url, large, import_file, monkeypatch
):
    sent = []
    settings.CELERY_BROKER_URL = redis_url
    monkeypatch.setattr(run_import, "apply_async", lambda args, **options: sent.append(args))
    preview = import_file(large)
    assert sent == [[preview.pk]]
    assert (preview.status, preview.message) == ("queued", "작업자를 기다리는 중입니다.")


def test_without_redis_a_large_import_runs_in_the_web_process_and_says_so(settings, large, import_file):
    settings.REDIS_URL = ""
    preview = import_file(large)
    assert preview.status == "previewed"
    assert "REDIS_URL" in preview.message


def test_a_worker_taking_the_run_clears_the_waiting_message(programs, tmp_path):
    path = write_csv(tmp_path / "b.csv", [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 1]])
    run = ImportRun(kind="budget-lines", original_name="b.csv", message="작업자를 기다리는 중입니다.")
    with path.open("rb") as handle:
        run.file.save("b.csv", File(handle))
    services.execute_run(run.pk)
    run.refresh_from_db()
    assert (run.status, run.message) == ("previewed", "")


# --- the uploaded file ------------------------------------------------------------------------


def test_a_rejected_preview_deletes_its_file(import_file, programs, tmp_path):
    preview = import_file(
        write_csv(tmp_path / "bad.csv", [BUDGET_HEADER[:5], ["NOPE", 2026, "국비", "본예산", 1]])
    )
    assert preview.status == "rejected"
    assert not preview.file
    assert list(Path(services.settings.MEDIA_ROOT).rglob("bad*.csv")) == []


def test_a_previewed_file_stays_until_it_is_applied_then_goes(import_file, apply, programs, tmp_path):
    preview = import_file(
        write_csv(tmp_path / "ok.csv", [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 1]])
    )
    stored = Path(preview.file.path)
    assert preview.status == "previewed" and stored.exists()
    applied = apply(preview)
    preview.refresh_from_db()
    assert applied.status == "applied"
    assert not stored.exists() and not applied.file and not preview.file
