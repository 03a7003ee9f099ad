"""Housekeeping, in this process: the sweep for dead builders and lost messages, the removal of
what killed builds left in the temporary folder (by the sweep and by a starting worker), expiry."""

import datetime
import os
import tempfile
import time
from pathlib import Path

import pytest
from django.utils import timezone

from reports import services, tasks
from reports.models import ReportRun
from tests.reports.conftest import queued_run, run_files

Status = ReportRun.Status


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
