"""The worker fixture itself, workers that survive faults, and health checks that say when no
worker is there: a real worker on a private Redis that the test kills and restarts in the middle
of a report, and `make run`'s worker started again when it exits."""

import io
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from config.celery import app
from reports.models import ReportRun
from reports.tasks import build_report, sweep_stale_runs
from tests.conftest import CeleryWorker, missing_service
from tests.reports.conftest import finished
from tests.waiting import wait_until

Status = ReportRun.Status
FAST = {"REPORT_HEARTBEAT_SECONDS": "1", "REPORT_STALE_SECONDS": "4"}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_answers_on_redis(celery_worker):
    replies = app.control.ping(destination=[celery_worker.name], timeout=2)
    assert replies and list(replies[0]) == [celery_worker.name]
    assert celery_worker.process.poll() is None


@pytest.fixture
def nobody_on_the_queue(monkeypatch, redis_url, settings):
    """Redis answers, but no worker consumes this queue."""
    settings.REDIS_URL = redis_url
    monkeypatch.setitem(app.conf, "task_default_queue", "nobody-consumes-this-queue")


@pytest.mark.django_db
def test_healthz_is_degraded_when_no_worker_consumes_the_queue(client, nobody_on_the_queue):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # the web still serves; reports and large imports wait
    body = response.json()
    assert (body["status"], body["broker"]["ok"]) == ("degraded", True)
    assert body["workers"] == {
        "ok": False,
        "queue": "nobody-consumes-this-queue",
        "workers": [],
        "error": "No worker consumes the queue",
    }


@pytest.mark.django_db
def test_the_healthcheck_command_says_so_and_fails_with_workers_when_no_worker_consumes_the_queue(
    nobody_on_the_queue,
):
    out = io.StringIO()
    call_command("healthcheck", "--broker", stdout=out)  # Redis answers: `make run` starts the worker
    assert json.loads(out.getvalue())["status"] == "degraded"
    with pytest.raises(SystemExit) as exit_:
        call_command("healthcheck", "--workers", stdout=io.StringIO())
    assert exit_.value.code == 1


@pytest.mark.django_db
def test_healthz_is_ok_and_names_the_worker_that_consumes_the_queue(client, settings, celery_worker):
    settings.REDIS_URL = celery_worker.redis_url
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "ok"
    assert celery_worker.name in body["workers"]["workers"]
    out = io.StringIO()
    call_command("healthcheck", "--broker", "--workers", stdout=out)
    assert json.loads(out.getvalue())["workers"]["ok"] is True


# --- Redis killed and restarted under a worker building a report -----------------------------


class PrivateRedis:
    """A redis-server of the test's own, on a free port, without persistence (as a restarted
    Redis that lost its queue)."""

    def __init__(self, log_path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_path
        self.process = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self.answers, 10, "the private Redis did not start")

    def answers(self) -> bool:
        from config.health import redis_answers

        return redis_answers(self.url, timeout=0.2)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        missing_service("redis-server is not installed")
    redis = PrivateRedis(tmp_path / "redis.log")
    redis.start()
    yield redis
    if redis.process.poll() is None:
        redis.kill()


@pytest.fixture
def large_portfolio(db):
    """Big enough that a build takes several seconds, so Redis can be killed in the middle."""
    call_command("synth", programs=200, lines=40_000, no_history=True, stdout=io.StringIO())


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_survives_redis_killed_and_restarted_mid_report_and_loses_no_report(
    private_redis, large_portfolio, media_root, tmp_path
):
    worker = CeleryWorker(private_redis.url, tmp_path / "worker.log", media_root=media_root)
    # Two pool processes, as `make run` and the Dockerfile start it: with one of them free, the
    # worker is waiting on Redis for a message when Redis dies, the case that made kombu exit
    # (config/broker.py). With one process busy building, nothing waits and the crash never shows.
    worker.start(env=FAST, concurrency=2)
    try:
        in_flight = ReportRun.objects.create(kind="portfolio")
        worker.send(build_report.name, in_flight.pk)

        def building() -> bool:
            in_flight.refresh_from_db()
            return in_flight.status == Status.RUNNING and in_flight.rows_done > 0

        wait_until(building, 60, lambda: worker.log_text()[-2000:])
        private_redis.kill()
        time.sleep(2)  # down long enough for the worker to notice and start reconnecting
        private_redis.start()
        back = time.monotonic()

        wait_until(
            worker.answers, 60, lambda: f"the worker does not answer again:\n{worker.log_text()[-3000:]}"
        )
        assert worker.is_alive(), worker.log_text()[-3000:]
        reconnected = time.monotonic() - back

        # The restarted Redis lost the message (no persistence): the sweep that beat sends finds
        # the run's heartbeat stale and sends it again; a new report is built as usual.
        after = ReportRun.objects.create(kind="kpi")
        worker.send(build_report.name, after.pk)

        def both_finished() -> bool:
            worker.send(sweep_stale_runs.name)  # what beat sends every REPORT_SWEEP_SECONDS
            in_flight.refresh_from_db()
            after.refresh_from_db()
            return finished(in_flight) and finished(after)

        wait_until(both_finished, 120, lambda: f"{in_flight.status} {in_flight.message}", poll=2)
        recovered = time.monotonic() - back
        assert (in_flight.status, after.status) == (Status.DONE, Status.DONE), in_flight.message
        assert in_flight.attempts == 2  # re-run from the start, once
        for run in (in_flight, after):  # files in the folder the worker writes to
            assert len(list((media_root / "reports").rglob(f"report-{run.pk}-*"))) == 1
        assert worker.is_alive(), worker.log_text()[-3000:]
        assert "Unrecoverable error" not in worker.log_text()
        print(
            f"Redis killed mid-report: worker answered {reconnected:.1f} s after Redis came back; "
            f"the in-flight report was done {recovered:.1f} s after"
        )
    finally:
        worker.stop()


# --- under `make run` ----------------------------------------------------------------------


def test_make_run_starts_the_worker_under_keep_running():
    procfile = (Path(settings.BASE_DIR) / "Procfile.dev").read_text()
    (worker,) = [line for line in procfile.splitlines() if line.startswith("worker:")]
    assert worker.split(":", 1)[1].split()[:5] == ["python", "-m", "config.keep_running", "celery", "-A"]


def test_keep_running_starts_an_exiting_command_again_and_stops_on_sigterm(tmp_path):
    runs = tmp_path / "runs.txt"
    command = [sys.executable, "-c", f"open({str(runs)!r}, 'a').write('ran\\n'); raise SystemExit(3)"]
    keeper = subprocess.Popen(
        [sys.executable, "-m", "config.keep_running", *command],
        cwd=settings.BASE_DIR,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: runs.exists() and runs.read_text().count("ran") >= 2, 20, "not started again")
        assert keeper.poll() is None  # still looking after it
    finally:
        keeper.send_signal(signal.SIGTERM)
        keeper.wait(timeout=10)
    assert "exited with code 3; starting it again" in keeper.stderr.read()


def test_keep_running_passes_a_stop_on_to_the_command_and_ends(tmp_path):
    started = tmp_path / "started"
    command = [sys.executable, "-c", f"import time; open({str(started)!r}, 'w'); time.sleep(60)"]
    keeper = subprocess.Popen([sys.executable, "-m", "config.keep_running", *command], cwd=settings.BASE_DIR)
    wait_until(started.exists, 20, "the command did not start")
    begun = time.monotonic()
    keeper.send_signal(signal.SIGTERM)
    assert keeper.wait(timeout=10) != 0  # the command's exit code, killed by the signal
    assert time.monotonic() - begun < 5
