"""Asking for reports and building runs, in this process: validation, the no-broker fallback,
failures, idempotent re-delivery, the sweep for dead builders, expiry, retries."""

import datetime
import hashlib
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from reports import builders, services, tasks
from reports.models import ReportRun
from reports.tasks import build_report, scheduled_report
from tests.reports.conftest import run_files, workbook

Status = ReportRun.Status


@pytest.fixture
def ask(db, django_capture_on_commit_callbacks):
    """request_report with its on-commit dispatch run, as after a real commit."""

    def ask(**options):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.request_report(**({"kind": "portfolio", "requested_by": None} | options))
        run.refresh_from_db()
        return run

    return ask


def queued_run(**fields) -> ReportRun:
    return ReportRun.objects.create(**({"kind": "portfolio"} | fields))


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


def test_a_failing_builder_marks_the_run_failed_with_a_message_and_no_file(
    ask, in_process, hand_made, monkeypatch
):
    real = builders.BUILDERS["portfolio"]

    def fails_half_way(path, *, progress, **options):
        def progress_then_fail(done, total):
            progress(done, total)
            if done >= total // 2 and done:
                raise OSError("disk full")

        real(path, progress=progress_then_fail, **options)

    monkeypatch.setitem(builders.BUILDERS, "portfolio", fails_half_way)
    openpyxl_files = set(ALL_TEMP_FILES)
    run = ask()
    assert run.status == Status.FAILED
    assert "disk full" in run.message and "OSError" in run.message
    assert not run.file and run.size is None
    assert run_files(run) == []
    assert build_folders(run) == []  # the partial file is gone too
    assert set(ALL_TEMP_FILES) == openpyxl_files  # and so are openpyxl's per-sheet temporary files


def test_a_finished_run_is_never_built_twice(ask, in_process, hand_made):
    run = ask()
    checksum, name = run.checksum, run.file.name
    assert services.build_run(run.pk) == "skipped"
    run.refresh_from_db()
    assert (run.status, run.attempts, run.checksum, run.file.name) == (Status.DONE, 1, checksum, name)
    assert len(run_files(run)) == 1


def test_a_run_left_running_by_a_dead_worker_is_rebuilt_into_one_file(hand_made):
    stale = timezone.now() - datetime.timedelta(minutes=10)
    run = queued_run(status=Status.RUNNING, claim="old", worker="elsewhere:1", heartbeat_at=stale, attempts=1)
    storage = run.file.storage
    storage.save(run.storage_name(), __import__("io").BytesIO(b"half a workbook"))  # what the dead one left
    assert services.build_run(run.pk, task_id="redelivered") == "done"
    run.refresh_from_db()
    assert (run.status, run.attempts, run.task_id) == (Status.DONE, 2, "redelivered")
    assert run_files(run) == [Path(run.file.path)]
    assert run.checksum == hashlib.sha256(Path(run.file.path).read_bytes()).hexdigest()
    assert workbook(run).worksheets[1]["A2"].value == "H"


def test_a_delivery_stands_down_while_a_live_builder_holds_the_run(hand_made):
    run = queued_run(status=Status.RUNNING, claim="theirs", worker="otherhost:1", heartbeat_at=timezone.now())
    assert services.build_run(run.pk) == "skipped"
    run.refresh_from_db()
    assert (run.status, run.claim, run.attempts) == (Status.RUNNING, "theirs", 0)


def test_a_delivery_whose_builder_process_is_gone_takes_over_at_once(hand_made):
    """On the same host a dead pid is proof enough: no need to wait for the heartbeat to go stale."""
    dead_pid = 2**22 + 12345  # above Linux's pid_max default: no such process
    worker = f"{socket.gethostname()}:{dead_pid}"
    run = queued_run(
        status=Status.RUNNING, claim="theirs", worker=worker, heartbeat_at=timezone.now(), attempts=1
    )
    assert services.build_run(run.pk) == "done"
    run.refresh_from_db()
    assert run.attempts == 2


def test_a_builder_that_lost_its_run_saves_nothing(hand_made, monkeypatch):
    run = queued_run()
    real = builders.BUILDERS["portfolio"]

    def taken_over_meanwhile(path, **options):
        real(path, **options)
        ReportRun.objects.filter(pk=run.pk).update(claim="the-sweep-gave-it-to-another")

    monkeypatch.setitem(builders.BUILDERS, "portfolio", taken_over_meanwhile)
    assert services.build_run(run.pk) == "abandoned"
    run.refresh_from_db()
    assert run.status == Status.RUNNING and not run.file
    assert run_files(run) == []


def test_the_sweep_requeues_a_run_whose_heartbeat_went_stale(
    in_process, hand_made, django_capture_on_commit_callbacks
):
    stale = timezone.now() - datetime.timedelta(minutes=5)
    run = queued_run(status=Status.RUNNING, claim="gone", worker="deadhost:7", heartbeat_at=stale, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_stale_runs()["requeued"] == 1
    run.refresh_from_db()
    assert (run.status, run.attempts) == (Status.DONE, 2)
    assert len(run_files(run)) == 1


def test_the_sweep_fails_a_run_after_its_last_attempt_with_a_reason(settings, hand_made):
    stale = timezone.now() - datetime.timedelta(minutes=5)
    run = queued_run(status=Status.RUNNING, claim="gone", worker="deadhost:7", heartbeat_at=stale,
                     attempts=settings.REPORT_MAX_ATTEMPTS)  # fmt: skip
    assert services.sweep_stale_runs()["failed"] == 1
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert f"{settings.REPORT_MAX_ATTEMPTS}번 시도" in run.message and "deadhost:7" in run.message


def test_the_sweep_leaves_live_builders_alone(hand_made):
    run = queued_run(status=Status.RUNNING, claim="alive", worker="otherhost:1", heartbeat_at=timezone.now())
    assert services.sweep_stale_runs() == {"requeued": 0, "failed": 0, "resent": 0, "folders_removed": 0}
    run.refresh_from_db()
    assert run.status == Status.RUNNING


def test_a_queued_run_whose_message_was_lost_is_sent_again(in_process, hand_made):
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    run = queued_run(created_at=long_ago, sent_at=long_ago)
    assert services.sweep_stale_runs()["resent"] == 1
    run.refresh_from_db()
    assert run.status == Status.DONE


def test_old_files_expire_and_their_runs_say_so(ask, in_process, settings, hand_made, client, superuser):
    run = ask()
    path = Path(run.file.path)
    later = run.finished_at + datetime.timedelta(days=settings.REPORT_RETENTION_DAYS + 1)
    assert services.expire_old_files(now=run.finished_at + datetime.timedelta(days=1)) == 0
    assert services.expire_old_files(now=later) == 1
    run.refresh_from_db()
    assert not path.exists() and not run.file and run.expired_at == later
    assert run.status == Status.DONE and not run.is_downloadable
    assert run.get_download_url() is None
    client.force_login(superuser)
    assert client.get(f"/reports/{run.pk}/download/").status_code == 404


def test_a_transient_database_error_is_retried_and_the_build_continues(hand_made, monkeypatch):
    run = queued_run()
    real, calls = builders.BUILDERS["portfolio"], []

    def flaky(path, **options):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        real(path, **options)

    monkeypatch.setitem(builders.BUILDERS, "portfolio", flaky)
    build_report.apply(args=[run.pk])  # eager: retries run at once, with the same claim
    run.refresh_from_db()
    assert (run.status, run.attempts, len(calls)) == (Status.DONE, 1, 2)


def test_repeated_transient_errors_fail_the_run_saying_so(hand_made, monkeypatch):
    run = queued_run()

    def always_down(path, **options):
        raise OperationalError("could not connect to server")

    monkeypatch.setitem(builders.BUILDERS, "portfolio", always_down)
    build_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert "could not connect" in run.message and not run.file


def test_the_kpi_report_can_be_asked_for_too(ask, in_process, hand_made):
    run = ask(kind="kpi", language="en")
    assert run.status == Status.DONE
    assert workbook(run).sheetnames == ["Cover", "KPI status", "Readings", "Charts"]
    assert run.download_filename().startswith("gwangju-kpi-")


def test_a_report_of_one_program_as_of_a_day_keeps_its_parameters(ask, in_process, hand_made):
    today = timezone.localdate()
    run = ask(root="H-A", as_of=today)
    assert (run.root, run.as_of, run.status) == ("H-A", today, Status.DONE)
    assert run.download_filename() == f"gwangju-portfolio-H-A-{today:%Y-%m-%d}-run{run.pk}.xlsx"
    assert [row[0] for row in workbook(run).worksheets[1].iter_rows(min_row=2, values_only=True)] == [
        "H-A",
        "H-A-1",
    ]


def test_giving_up_leaves_a_run_that_another_delivery_took_over(hand_made):
    """The retries of one delivery ran out, but meanwhile the sweep gave the run to another
    delivery that is building it fine: giving up must not fail that one."""
    run = queued_run(status=Status.RUNNING, claim="theirs", worker="otherhost:1", heartbeat_at=timezone.now())
    services.give_up(run.pk, "mine", OperationalError("could not connect to server"))
    run.refresh_from_db()
    assert (run.status, run.claim, run.finished_at) == (Status.RUNNING, "theirs", None)

    services.give_up(run.pk, "theirs", OperationalError("could not connect to server"))
    run.refresh_from_db()
    assert run.status == Status.FAILED and "could not connect" in run.message


def test_giving_up_without_a_claim_fails_only_a_run_nobody_holds(hand_made):
    """A delivery whose very claim kept failing holds nothing: it may fail a run still queued,
    never one that a delivery is building."""
    running = queued_run(
        status=Status.RUNNING, claim="theirs", worker="otherhost:1", heartbeat_at=timezone.now()
    )
    waiting = queued_run()
    for run in (running, waiting):
        services.give_up(run.pk, None, OperationalError("could not connect to server"))
    running.refresh_from_db()
    waiting.refresh_from_db()
    assert (running.status, waiting.status) == (Status.RUNNING, Status.FAILED)


def test_a_retry_under_the_same_claim_records_the_worker_now_building(hand_made):
    """A retry may run in another pool process than the delivery it continues. The run must name
    the process building it now: under the old name (a pid that is gone) a second delivery would
    take the run for dead and build it again beside the live retry."""
    gone = f"{socket.gethostname()}:{2**22 + 12345}"  # above Linux's pid_max default: no such process
    run = queued_run(
        status=Status.RUNNING, claim="ours", worker=gone, heartbeat_at=timezone.now(), attempts=1
    )
    here = services.worker_name()
    assert services.claim_run(run.pk, claim="ours", task_id="retry", worker=here) is not None
    run.refresh_from_db()
    assert (run.worker, run.claim, run.attempts) == (here, "ours", 1)
    # Another delivery now finds a live builder and stands down.
    assert services.claim_run(run.pk, claim=None, task_id="duplicate", worker="elsewhere:2") is None
    run.refresh_from_db()
    assert (run.claim, run.worker) == ("ours", here)


def test_a_build_faster_than_a_heartbeat_still_records_its_rows(settings, hand_made):
    """The heartbeat writes progress every few seconds; a report built before the first beat must
    still end with the builder's own count, not 0 of 0."""
    settings.REPORT_HEARTBEAT_SECONDS = 3600  # no beat during this build
    calls = []
    real = builders.BUILDERS["portfolio"]

    def counted(path, *, progress, **options):
        def remember(done, total):
            calls.append((done, total))
            progress(done, total)

        real(path, progress=remember, **options)

    run = queued_run()
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(builders.BUILDERS, "portfolio", counted)
        assert services.build_run(run.pk) == "done"
    run.refresh_from_db()
    done, total = calls[-1]
    assert total > 0 and done == total
    assert (run.status, run.rows_done, run.rows_total) == (Status.DONE, total, total)


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


# --- Temporary files of killed builds -------------------------------------------------------------


def build_folders(run: ReportRun, root: Path | None = None) -> list[Path]:
    return sorted(Path(root or tempfile.gettempdir()).glob(f"{services.build_folder_prefix()}{run.pk}-*"))


def test_a_build_keeps_all_its_temporary_files_in_its_run_folder(hand_made, monkeypatch):
    """A build killed by SIGKILL or the hard time limit runs no clean-up; everything it wrote
    (the workbook and openpyxl's file per sheet) must then be in the one folder the sweep removes."""
    run = queued_run()
    real, seen = builders.BUILDERS["portfolio"], {}
    openpyxl_files = list(ALL_TEMP_FILES)

    def watched(path, *, progress, **options):
        def look(done, total):
            progress(done, total)
            if done and "folder" not in seen:  # in the middle, while the sheets are open
                seen["folder"] = Path(path).parent
                seen["sheet files"] = [Path(name) for name in ALL_TEMP_FILES if name not in openpyxl_files]

        real(path, progress=look, **options)

    monkeypatch.setitem(builders.BUILDERS, "portfolio", watched)
    assert services.build_run(run.pk) == "done"
    run.refresh_from_db()
    folder = seen["folder"]
    assert folder.name.startswith(f"{services.build_folder_prefix()}{run.pk}-{run.claim[:12]}-")
    assert seen["sheet files"] and all(path.parent == folder for path in seen["sheet files"])
    assert not folder.exists() and build_folders(run) == []
    assert ALL_TEMP_FILES == openpyxl_files


def test_folders_left_by_killed_builds_are_removed_and_live_ones_kept(settings, tmp_path, hand_made):
    now = timezone.now()
    live = queued_run(status=Status.RUNNING, claim="a" * 32, worker="w:1", heartbeat_at=now)
    taken = queued_run(status=Status.RUNNING, claim="b" * 32, worker="w:1", heartbeat_at=now)
    done = queued_run(status=Status.DONE, expired_at=now, claim="c" * 32)
    requeued = queued_run(claim="")

    def left(run_id: int, claim: str, *, hours_ago: float = 0) -> Path:
        folder = Path(
            tempfile.mkdtemp(prefix=f"{services.build_folder_prefix()}{run_id}-{claim[:12]}-", dir=tmp_path)
        )
        (folder / "sheet-1.xml").write_text("<worksheet>")
        if hours_ago:
            moment = time.time() - hours_ago * 3600
            os.utime(folder, (moment, moment))
        return folder

    building = left(live.pk, live.claim)
    too_old = left(live.pk, live.claim, hours_ago=settings.REPORT_TIME_LIMIT_SECONDS / 3600 + 1)
    stale = [
        left(taken.pk, "d" * 32),  # a delivery the sweep took the run from
        left(done.pk, done.claim),  # its run is finished
        left(requeued.pk, "e" * 32),  # its run waits for a new delivery
        left(999_999, "f" * 32),  # its run was deleted
        too_old,
    ]
    other_installation = tmp_path / f"report-another_database-{live.pk}-{'a' * 12}-x"
    other_installation.mkdir()
    not_a_build = tmp_path / f"{services.build_folder_prefix()}notes"
    not_a_build.mkdir()

    assert services.remove_stale_build_folders(root=tmp_path) == len(stale)
    assert [folder.exists() for folder in stale] == [False] * len(stale)
    assert building.exists() and other_installation.exists() and not_a_build.exists()


def test_the_sweep_removes_the_folder_of_the_build_it_takes_the_run_from(hand_made):
    stale = timezone.now() - datetime.timedelta(minutes=5)
    run = queued_run(
        status=Status.RUNNING, claim="9" * 32, worker="deadhost:7", heartbeat_at=stale, attempts=1
    )
    folder = Path(tempfile.mkdtemp(prefix=f"{services.build_folder_prefix()}{run.pk}-{'9' * 12}-"))
    (folder / "report.xlsx").write_bytes(b"PK half a workbook")
    assert services.sweep_stale_runs()["folders_removed"] == 1
    assert not folder.exists()


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_removes_what_the_builds_killed_with_it_left(hand_made, monkeypatch, tmp_path):
    """On its own machine, at once: the sweep it sends may be taken by a worker elsewhere."""
    run = queued_run()  # the sweep re-queued it after its builder was killed
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = Path(tempfile.mkdtemp(prefix=f"{services.build_folder_prefix()}{run.pk}-{'7' * 12}-"))
    sent = []
    monkeypatch.setattr(tasks.sweep_stale_runs, "delay", lambda: sent.append("sweep"))
    tasks.sweep_when_a_worker_starts()
    assert sent == ["sweep"] and not folder.exists()


def test_a_build_that_cannot_make_its_folder_fails_saying_why_and_stops_beating(hand_made, monkeypatch):
    """Left running with its heartbeat thread still beating, the run would look alive for ever."""
    run = queued_run()

    def disk_full(run_id, claim):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("reports.services.building.make_build_folder", disk_full)
    assert services.build_run(run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == Status.FAILED and "No space left" in run.message
    assert not any(thread.name == f"report-{run.pk}-heartbeat" for thread in threading.enumerate())


def test_a_build_stopped_by_the_soft_time_limit_fails_saying_so_and_leaves_no_file(
    settings, hand_made, monkeypatch
):
    run = queued_run()
    real = builders.BUILDERS["portfolio"]

    def too_slow(path, *, progress, **options):
        def progress_then_stop(done, total):
            progress(done, total)
            if done >= total // 2 and done:
                raise SoftTimeLimitExceeded()  # what Celery raises in the task at the soft limit

        real(path, progress=progress_then_stop, **options)

    monkeypatch.setitem(builders.BUILDERS, "portfolio", too_slow)
    assert services.build_run(run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == Status.FAILED and run.finished_at
    limit = settings.REPORT_SOFT_TIME_LIMIT_SECONDS
    assert run.message == f"중단: 보고서 작성이 제한 시간 {limit}초를 넘었습니다."
    assert not run.file and run.size is None and run_files(run) == []
    assert build_folders(run) == []


@pytest.mark.django_db(transaction=True)
def test_a_build_whose_run_was_taken_over_stops_at_its_next_progress_call(settings, monkeypatch):
    """The heartbeat thread finds the run gone to another delivery (its update matches no row);
    the builder's next progress call stops it, long before it would finish, and nothing is saved."""
    settings.REPORT_HEARTBEAT_SECONDS = 1
    run = queued_run()
    seen = {}

    def long_build(path, *, progress, **options):
        Path(path).write_bytes(b"PK the first sheets")
        for done in range(1, 201):  # 10 s if nothing stopped it
            if done == 1:
                ReportRun.objects.filter(pk=run.pk).update(claim="the-sweep-gave-it-to-another")
            try:
                progress(done, 200)
            except services.Abandoned:
                seen["stopped at"] = done
                raise
            time.sleep(0.05)

    monkeypatch.setitem(builders.BUILDERS, "portfolio", long_build)
    assert services.build_run(run.pk) == "abandoned"
    assert 1 < seen["stopped at"] < 100  # within a beat or two, not at the end
    run.refresh_from_db()
    assert (run.status, run.claim, run.file.name) == (Status.RUNNING, "the-sweep-gave-it-to-another", "")
    assert run_files(run) == [] and build_folders(run) == []
