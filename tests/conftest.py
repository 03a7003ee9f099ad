"""Fixtures shared by every test: services, users by role, and a fast local cache.

Tests about PostgreSQL or Redis use the real servers. When one is missing they are skipped
with the reason, unless REQUIRE_SERVICES=1 (as in CI), which makes a missing service a failure.
"""

import functools
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import connection

from config.celery import app
from config.health import redis_answers
from portfolio.roles import MANAGERS, OFFICE_STAFF
from tests.waiting import wait_until

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def missing_service(reason: str) -> None:
    """Skip for a developer without the service; fail in CI where it must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """Every transactional test restores the rows the migrations made (groups, permissions, the
    monthly schedule) after its flush. Without this, the order of tests decides whether a test
    finds them, and a serialized test after a plain one fails on the content types that the
    flush recreated under new ids."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and "transactional_db" in getattr(item, "fixturenames", ()):
            # Transactional through a fixture (e.g. database_down), not a marker: the same.
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
            continue
        if marker and marker.kwargs.get("transaction") and "serialized_rollback" not in marker.kwargs:
            item.add_marker(pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True),
                            append=False)  # fmt: skip


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """Tests get a private in-memory cache; tests about Redis ask for `redis_url`."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def redis_url() -> str:
    url = django_settings.REDIS_URL or "redis://localhost:6379/0"
    if not redis_answers(url):
        missing_service(f"Redis does not answer at {url}")
    return url


@pytest.fixture(autouse=True)
def _postgres_marker(request):
    if request.node.get_closest_marker("postgres"):
        if connection.vendor != "postgresql":
            missing_service("needs PostgreSQL: set DATABASE_URL=postgres://…")


def make_user(django_user_model, username: str, *, group: str | None = None, superuser: bool = False):
    user = django_user_model.objects.create_user(
        username=username, password="pw-for-tests-only", is_staff=True, is_superuser=superuser
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def office_staff(db, django_user_model):
    return make_user(django_user_model, "staff", group=OFFICE_STAFF)


@pytest.fixture
def manager(db, django_user_model):
    return make_user(django_user_model, "manager", group=MANAGERS)


@pytest.fixture
def superuser(db, django_user_model):
    return make_user(django_user_model, "root", superuser=True)


@pytest.fixture
def gwangju(db):
    """The real dataset, loaded by its command."""
    from django.core.management import call_command

    call_command("load_gwangju", stdout=open(os.devnull, "w"))


@pytest.fixture(scope="session")
def media_root(tmp_path_factory):
    """One media folder for the session, shared by the test process and its Celery workers."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory, media_root):
    """A real Celery worker in a subprocess, on the real Redis, against the test database.

    Celery's in-thread test worker does not mix with Django's test database (celery#4511),
    so tests that need a worker use this one together with `transactional_db` (the worker
    only sees committed rows). Yields a handle with the process, its name and its log file.
    The session gets its own queue, so test runs sharing one Redis never take each other's tasks.
    """
    url = django_settings.REDIS_URL or "redis://localhost:6379/0"
    if not redis_answers(url):
        missing_service(f"Redis does not answer at {url}")
    worker = CeleryWorker(url, tmp_path_factory.mktemp("celery") / "worker.log", media_root=media_root)
    worker.start()
    yield worker
    worker.stop()


WORKER_COMMAND = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO",
                  "--without-gossip", "--without-mingle", "--purge"]  # fmt: skip
TEST_QUEUE = f"test-{uuid.uuid4().hex[:8]}"


def use_test_queue() -> None:
    """Send this process's tasks to the session's own queue (before anything is sent)."""
    app.conf.task_default_queue = TEST_QUEUE
    app.amqp.__dict__.pop("queues", None)  # cached properties built from the old default
    app.amqp.__dict__.pop("router", None)
    app.amqp.__dict__.pop("_producer_pool", None)


use_test_queue()


class CeleryWorker:
    """Start, stop and kill a `celery worker` subprocess pointed at the test database.

    `start(env=..., concurrency=...)` restarts it with other settings (say a short heartbeat);
    `kill()` SIGKILLs the whole worker, `kill_pool_child()` only the process running a task.
    """

    def __init__(self, redis_url: str, log_path, *, media_root=None):
        self.redis_url = redis_url
        self.log_path = log_path
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        database = connection.settings_dict
        if database["ENGINE"].endswith("sqlite3"):
            database_url = f"sqlite:///{database['NAME']}"
        else:
            auth = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
            database_url = (
                f"postgres://{auth}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
            )
        self.env = os.environ | {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DEBUG": "1",
            "CELERY_QUEUE": TEST_QUEUE,
        }
        if media_root is not None:
            self.env["MEDIA_ROOT"] = str(media_root)
        self.process = None

    def start(self, timeout: float = 30, *, env: dict | None = None, concurrency: int = 1) -> None:
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [*WORKER_COMMAND, f"--concurrency={concurrency}", "-n", self.name],
            cwd=django_settings.BASE_DIR,
            env=self.env | (env or {}),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() reaches the pool children
        )

        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"Celery worker exited at start; log:\n{self.log_path.read_text()[-3000:]}")
            return self.answers()

        wait_until(
            ready, timeout, lambda: f"Celery worker not ready; log:\n{self.log_path.read_text()[-3000:]}"
        )

    @functools.cached_property
    def client(self) -> Celery:
        """A Celery client of this worker's Redis (which may not be the project's), to send it
        tasks by name and ping it: control messages go through an app's own broker only."""
        client = Celery("test-client", broker=self.redis_url, set_as_current=False)
        client.conf.task_default_queue = TEST_QUEUE
        client.conf.broker_connection_retry_on_startup = False
        return client

    def send(self, task_name: str, *args) -> None:
        self.client.send_task(task_name, args=list(args))

    def answers(self, timeout: float = 0.5) -> bool:
        """Whether the worker answers a ping over its own Redis."""
        try:
            return bool(self.client.control.ping(destination=[self.name], timeout=timeout))
        except Exception:  # its Redis is down: no answer
            return False

    def is_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def restart(self, **options) -> None:
        self.stop()
        self.start(**options)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except Exception:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a crashed machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def pool_children(self) -> list[int]:
        """Pids of the worker's pool processes (the ones that run tasks)."""
        children = []
        for task in (Path("/proc") / str(self.process.pid) / "task").iterdir():
            children += [int(pid) for pid in (task / "children").read_text().split()]
        return children

    def kill_pool_child(self, pid: int | None = None) -> int:
        """SIGKILL one pool process, as the kernel's OOM killer would; the worker itself lives on."""
        pid = pid or self.pool_children()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")
