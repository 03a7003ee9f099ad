"""Building runs, in this process: failures with a message and no file, idempotent re-delivery,
deliveries that stand down or take over, retries under one claim, giving up, the soft time limit,
a run taken away mid-build, and the temporary files a build leaves (none)."""

import datetime
import hashlib
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils import timezone

from reports import builders, services
from reports.models import ReportRun
from reports.tasks import build_report
from tests.reports.conftest import build_folders, queued_run, run_files, workbook

Status = ReportRun.Status


@pytest.fixture
def private_tmp(monkeypatch, tmp_path) -> Path:
    """A temporary folder of this test's own, so that the files other tests leave do not count."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def sheet_files(folder: Path) -> list[Path]:
    """openpyxl's files of write-only sheets, kept until the workbook is saved."""
    return sorted(folder.glob("openpyxl.*"))


def test_a_failing_builder_marks_the_run_failed_with_a_message_and_no_file(
    ask, in_process, hand_made, monkeypatch, private_tmp
):
    real = builders.BUILDERS["portfolio"]

    def fails_half_way(path, *, progress, **options):
        def progress_then_fail(done, total):
            progress(done, total)
            if done >= total // 2 and done:
                raise OSError("disk full")

        real(path, progress=progress_then_fail, **options)

    monkeypatch.setitem(builders.BUILDERS, "portfolio", fails_half_way)
    run = ask()
    assert run.status == Status.FAILED
    assert "disk full" in run.message and "OSError" in run.message
    assert not run.file and run.size is None
    assert run_files(run) == []
    assert build_folders(run) == []  # the partial file is gone too
    assert sheet_files(private_tmp) == []  # and so are openpyxl's per-sheet temporary files


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


def test_a_build_keeps_its_workbook_in_its_run_folder_and_leaves_no_temporary_files(
    hand_made, monkeypatch, private_tmp
):
    """The workbook is written in the one folder the sweep removes after a killed build;
    openpyxl's file per sheet lives in the temporary folder until the workbook is saved."""
    run = queued_run()
    real, seen = builders.BUILDERS["portfolio"], {}

    def watched(path, *, progress, **options):
        def look(done, total):
            progress(done, total)
            if done and "folder" not in seen:  # in the middle, while the sheets are open
                seen["folder"] = Path(path).parent
                seen["sheet files"] = sheet_files(private_tmp)

        real(path, progress=look, **options)

    monkeypatch.setitem(builders.BUILDERS, "portfolio", watched)
    assert services.build_run(run.pk) == "done"
    run.refresh_from_db()
    folder = seen["folder"]
    assert folder.name.startswith(f"{services.build_folder_prefix()}{run.pk}-{run.claim[:12]}-")
    assert seen["sheet files"]
    assert not folder.exists() and build_folders(run) == []
    assert sheet_files(private_tmp) == []


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


def test_a_claim_written_before_the_database_dropped_is_kept_by_the_retry(hand_made, monkeypatch):
    """The claim commits, then the connection drops before the worker hears so: the retry must
    carry the same token and continue the build, not find a live-looking stranger's claim, stand
    down and leave the run to the stale-heartbeat sweep (which would spend an attempt)."""
    run = queued_run()
    real, calls = services.claim_run, []

    def claimed_then_connection_lost(run_id, **options):
        calls.append(options["claim"])
        claimed = real(run_id, **options)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return claimed

    monkeypatch.setattr("reports.services.building.claim_run", claimed_then_connection_lost)
    build_report.apply(args=[run.pk])  # eager: the retry runs at once
    run.refresh_from_db()
    assert len(calls) == 2 and calls[0] == calls[1] == run.claim  # one token, made before claiming
    assert (run.status, run.attempts) == (Status.DONE, 1), run.message
    assert len(run_files(run)) == 1


def test_a_claim_that_failed_outright_is_made_by_the_retry_under_the_same_token(hand_made, monkeypatch):
    run = queued_run()
    real, calls = services.claim_run, []

    def database_down_once(run_id, **options):
        calls.append(options["claim"])
        if len(calls) == 1:
            raise OperationalError("could not connect to server")
        return real(run_id, **options)

    monkeypatch.setattr("reports.services.building.claim_run", database_down_once)
    build_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert calls[0] == calls[1] == run.claim
    assert (run.status, run.attempts) == (Status.DONE, 1)


def test_giving_up_after_claims_that_never_committed_fails_the_queued_run_saying_why(hand_made, monkeypatch):
    run = queued_run()

    def database_down(run_id, **options):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("reports.services.building.claim_run", database_down)
    build_report.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == Status.FAILED and "could not connect" in run.message
