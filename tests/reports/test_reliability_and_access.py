"""The Celery reliability settings themselves, the monthly schedule, download permissions, and
the storage settings from the environment."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.shortcuts import resolve_url
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from config.celery import app
from reports import services
from reports.models import ReportRun
from reports.schedules import EXPIRY, MONTHLY_REPORT, SWEEP
from reports.tasks import RETRY_BACKOFF_MAX, build_report


def test_the_reliability_settings_hold():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    longest = django_settings.REPORT_TIME_LIMIT_SECONDS
    assert conf.task_time_limit == longest
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility >= 2 * longest
    # The task itself says so too, whatever the global defaults become.
    assert build_report.acks_late is True and build_report.reject_on_worker_lost is True
    # No retry waits anywhere near the visibility timeout, and a dead builder is noticed long before.
    assert RETRY_BACKOFF_MAX * 10 < visibility
    assert django_settings.REPORT_STALE_SECONDS * 10 < visibility
    assert django_settings.REPORT_STALE_SECONDS >= 2 * django_settings.REPORT_HEARTBEAT_SECONDS


def test_settings_refuse_a_stale_limit_shorter_than_two_heartbeats():
    env = os.environ | {"DEBUG": "1", "REPORT_HEARTBEAT_SECONDS": "10", "REPORT_STALE_SECONDS": "15"}
    result = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True,
                            cwd=django_settings.BASE_DIR)  # fmt: skip
    assert result.returncode != 0 and "REPORT_STALE_SECONDS" in result.stderr


def test_an_s3_bucket_from_the_environment_becomes_the_report_storage():
    env = os.environ | {
        "DEBUG": "1",
        "REPORTS_S3_BUCKET": "gwangju-reports",
        "REPORTS_S3_ENDPOINT_URL": "https://objectstorage.example.test",
        "REPORTS_S3_REGION": "kr-standard",
        "REPORTS_S3_PREFIX": "office",
    }
    code = (
        "from reports.models import report_storage; s = report_storage(); "
        "import json; print(json.dumps([type(s._wrapped).__name__, s.bucket_name, s.endpoint_url, "
        "s.region_name, s.location, s.default_acl, s.querystring_auth]))"
    )
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], env=env, capture_output=True,
                            text=True, cwd=django_settings.BASE_DIR)  # fmt: skip
    assert result.returncode == 0, result.stderr
    endpoint = "https://objectstorage.example.test"
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "S3Storage", "gwangju-reports", endpoint, "kr-standard", "office", "private", True,
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_monthly_portfolio_report_is_scheduled_on_the_1st_at_7_korea_time():
    task = PeriodicTask.objects.get(name=MONTHLY_REPORT)
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week) == (
        "0",
        "7",
        "1",
        "*",
        "*",
    )
    assert str(cron.timezone) == "Asia/Seoul"
    assert task.task == "reports.scheduled_report" and task.enabled
    assert json.loads(task.kwargs) == {"kind": "portfolio", "language": "ko"}
    assert PeriodicTask.objects.get(name=SWEEP).interval.every == 30
    assert PeriodicTask.objects.get(name=EXPIRY).task == "reports.expire_old_files"
    assert set(app.tasks) >= {
        "reports.scheduled_report",
        "reports.sweep_stale_runs",
        "reports.expire_old_files",
    }


@pytest.mark.django_db
def test_the_schedule_is_editable_in_the_admin(client, superuser):
    client.force_login(superuser)
    task = PeriodicTask.objects.get(name=MONTHLY_REPORT)
    response = client.get(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]))
    assert response.status_code == 200
    assert "reports.scheduled_report" in response.content.decode()


@pytest.fixture
def done_run(db, in_process, hand_made, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.request_report(kind="portfolio", requested_by=None)
    run.refresh_from_db()
    assert run.status == ReportRun.Status.DONE
    return run


@pytest.mark.parametrize("who", ["office_staff", "manager", "superuser"])
def test_staff_and_managers_may_download_reports(client, request, roles, done_run, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(done_run.get_download_url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{done_run.ascii_filename()}"' in response["Content-Disposition"]
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == open(done_run.file.path, "rb").read()


def test_a_user_without_the_report_permission_may_not_download(client, done_run):
    user = User.objects.create_user("visitor", password="pw-for-tests-only", is_staff=True)
    client.force_login(user)
    assert client.get(done_run.get_download_url()).status_code == 403


def test_an_anonymous_download_goes_to_the_login_page(client, done_run):
    response = client.get(done_run.get_download_url())
    assert response.status_code == 302 and response["Location"].startswith(
        resolve_url(django_settings.LOGIN_URL)
    )


def test_a_run_without_a_file_cannot_be_downloaded(client, roles, manager, db):
    run = ReportRun.objects.create(kind="portfolio")
    client.force_login(manager)
    assert run.get_download_url() is None
    assert client.get(reverse("reports:download", args=[run.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[run.pk + 1000])).status_code == 404


def test_the_report_permissions_are_granted_to_both_roles(roles, office_staff, manager):
    for user in (office_staff, manager):
        assert user.has_perm("reports.add_reportrun") and user.has_perm("reports.view_reportrun")
        assert not user.has_perm("reports.change_reportrun") and not user.has_perm("reports.delete_reportrun")


@pytest.mark.django_db
def test_the_data_migration_granted_them(django_user_model):
    from django.contrib.auth.models import Group

    from portfolio.roles import MANAGERS, OFFICE_STAFF

    for name in (OFFICE_STAFF, MANAGERS):
        codenames = set(Group.objects.get(name=name).permissions.filter(content_type__app_label="reports")
                        .values_list("codename", flat=True))  # fmt: skip
        assert codenames == {"add_reportrun", "view_reportrun"}


def test_a_done_run_needs_its_file(db):
    run = ReportRun(kind="portfolio", status=ReportRun.Status.DONE)
    with pytest.raises(ValidationError):
        run.full_clean()
