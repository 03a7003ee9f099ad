"""A large import whose queue (Redis) is down or refuses the task never stays queued without a
word: it runs in the web process and says so, or, too large for a web request, fails saying why
with nothing written. Uploaded files are deleted once no run can read them again."""

import datetime
import socket
from pathlib import Path

import pytest
from django.core.files import File
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from imports import services
from imports.models import ImportRun
from imports.tasks import run_import
from jobs.services import sweep_jobs
from jobs.tasks import sweep
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


# --- the sweep: imports get the reports' guarantees -----------------------------------------


def stored_run(tmp_path, **fields) -> ImportRun:
    """A one-row budget preview with its uploaded file, as the upload page stores it."""
    path = write_csv(tmp_path / "sweep.csv", [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 7]])
    run = ImportRun(kind="budget-lines", original_name="sweep.csv", rows_total=1, **fields)
    with path.open("rb") as handle:
        run.file.save("sweep.csv", File(handle))
    return run


def test_the_sweep_sends_again_an_import_whose_worker_died(
    settings, programs, tmp_path, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = ""  # the re-sent run is done here, so the test can read its outcome
    stale = timezone.now() - datetime.timedelta(minutes=5)
    run = stored_run(
        tmp_path, status="running", claim="gone", worker="deadhost:7", heartbeat_at=stale, attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_jobs(ImportRun)["requeued"] == 1
    run.refresh_from_db()
    assert (run.status, run.attempts, run.new_rows) == ("previewed", 2, 1)
    assert BudgetLine.objects.count() == 0


def test_the_sweep_fails_an_import_after_its_last_attempt_and_deletes_its_upload(
    settings, programs, tmp_path
):
    stale = timezone.now() - datetime.timedelta(minutes=5)
    run = stored_run(tmp_path, status="running", claim="gone", worker="deadhost:7", heartbeat_at=stale,
                     attempts=settings.REPORT_MAX_ATTEMPTS)  # fmt: skip
    stored = Path(run.file.path)
    assert sweep_jobs(ImportRun)["failed"] == 1
    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at is not None
    assert f"{settings.REPORT_MAX_ATTEMPTS}번 시도" in run.file_error and "deadhost:7" in run.file_error
    assert not run.file and not stored.exists()  # a failed preview is never read again
    assert BudgetLine.objects.count() == 0


def test_the_sweep_leaves_an_import_with_a_live_worker_alone(programs, tmp_path):
    run = stored_run(
        tmp_path, status="running", claim="alive", worker="otherhost:1", heartbeat_at=timezone.now()
    )
    assert sweep_jobs(ImportRun) == {"requeued": 0, "failed": 0, "resent": 0}
    run.refresh_from_db()
    assert (run.status, run.claim) == ("running", "alive")


def test_an_import_whose_message_was_lost_is_sent_again(settings, programs, tmp_path):
    settings.REDIS_URL = ""
    run = stored_run(tmp_path)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    ImportRun.objects.filter(pk=run.pk).update(created_at=long_ago, sent_at=long_ago)
    assert sweep_jobs(ImportRun)["resent"] == 1
    run.refresh_from_db()
    assert (run.status, run.new_rows) == ("previewed", 1)


def test_a_redelivered_import_takes_over_from_a_dead_worker_at_once(programs, tmp_path):
    """On the same host a dead pid is proof enough: the redelivery does not wait for the heartbeat."""
    dead = f"{socket.gethostname()}:{2**22 + 12345}"  # above Linux's pid_max default: no such process
    run = stored_run(
        tmp_path, status="running", claim="gone", worker=dead, heartbeat_at=timezone.now(), attempts=1
    )
    assert services.execute_run(run.pk, claim="redelivery", task_id="again") == "done"
    run.refresh_from_db()
    assert (run.status, run.attempts, run.claim, run.task_id) == ("previewed", 2, "redelivery", "again")


def test_a_second_delivery_stands_down_while_a_live_worker_runs_the_import(programs, tmp_path):
    run = stored_run(
        tmp_path, status="running", claim="theirs", worker="otherhost:1", heartbeat_at=timezone.now()
    )
    assert services.execute_run(run.pk, claim="mine") == "skipped"
    run.refresh_from_db()
    assert (run.status, run.claim, run.attempts) == ("running", "theirs", 0)


def test_an_apply_that_lost_its_claim_writes_nothing(programs, tmp_path, monkeypatch):
    """The sweep gave the run to another delivery while this one was writing: its rows roll back."""
    run = stored_run(tmp_path, dry_run=False)
    real = services.Importer.run

    def taken_over_meanwhile(importer, path, **options):
        summary = real(importer, path, **options)
        ImportRun.objects.filter(pk=run.pk).update(claim="the-sweep-gave-it-to-another")
        return summary

    monkeypatch.setattr(services.Importer, "run", taken_over_meanwhile)
    before = snapshot()
    assert services.execute_run(run.pk) == "abandoned"
    run.refresh_from_db()
    assert (run.status, run.new_rows) == ("running", 0)
    assert snapshot() == before


def test_previews_nobody_applied_are_deleted_after_the_retention_period(settings, programs, tmp_path):
    settings.IMPORT_PREVIEW_RETENTION_DAYS = 7
    now = timezone.now()

    def preview(days_ago: float, **fields) -> ImportRun:
        run = stored_run(tmp_path, status="previewed", **fields)
        ImportRun.objects.filter(pk=run.pk).update(finished_at=now - datetime.timedelta(days=days_ago))
        return run

    forgotten, recent = preview(8), preview(6)
    applied = preview(30)
    ImportRun.objects.create(
        kind="budget-lines", dry_run=False, preview=applied, status="applied", original_name="x"
    )
    retried = preview(9)  # its apply failed, nothing else: still never applied
    failed_apply = ImportRun.objects.create(
        kind="budget-lines", dry_run=False, preview=retried, status="failed", file=retried.file.name
    )
    files = {run.pk: Path(run.file.path) for run in (forgotten, recent, applied, retried)}

    assert services.delete_old_previews(now=now) == 2
    assert set(ImportRun.objects.filter(dry_run=True).values_list("pk", flat=True)) == {recent.pk, applied.pk}
    assert not files[forgotten.pk].exists() and not files[retried.pk].exists()
    assert files[recent.pk].exists() and files[applied.pk].exists()
    failed_apply.refresh_from_db()
    assert (failed_apply.preview, failed_apply.file.name) == (None, "")


def test_the_one_sweep_task_sweeps_reports_and_imports(settings, programs, tmp_path):
    stale = timezone.now() - datetime.timedelta(minutes=5)
    stored_run(tmp_path, status="running", claim="gone", worker="deadhost:7", heartbeat_at=stale,
               attempts=settings.REPORT_MAX_ATTEMPTS)  # fmt: skip
    counts = sweep.apply().get()
    assert set(counts) == {"report", "import"}
    assert counts["import"] == {"requeued": 0, "failed": 1, "resent": 0, "previews_deleted": 0}
    assert counts["report"]["failed"] == 0
