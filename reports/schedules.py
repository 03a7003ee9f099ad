"""The default beat schedule, kept in the database (django-celery-beat) so it is editable in the
admin: the monthly portfolio report on the 1st at 07:00 Korea time, the sweep for dead builds,
and the daily expiry of old files. `ensure_schedules` is idempotent and never overwrites an
edit made in the admin; the data migration calls it once."""

import json

MONTHLY_REPORT = "월간 포트폴리오 보고서 (Monthly portfolio report)"
SWEEP = "보고서 작업 점검 (Report sweep: re-queue dead builds)"
EXPIRY = "오래된 보고서 파일 삭제 (Expire old report files)"


def ensure_schedules(apps=None, *, sweep_seconds: int | None = None) -> None:
    from django.conf import settings

    if apps is None:
        from django.apps import apps
    sweep_seconds = sweep_seconds or settings.REPORT_SWEEP_SECONDS
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")

    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_month="1", month_of_year="*", day_of_week="*", timezone="Asia/Seoul"
    )
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Seoul"
    )
    every, _ = IntervalSchedule.objects.get_or_create(every=sweep_seconds, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=MONTHLY_REPORT,
        defaults={
            "task": "reports.scheduled_report",
            "crontab": monthly,
            "kwargs": json.dumps({"kind": "portfolio", "language": "ko"}),
            "description": "매월 1일 07:00(KST) 포트폴리오 보고서 / Portfolio report on the 1st at 07:00 KST",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={"task": "reports.sweep_stale_runs", "interval": every, "kwargs": "{}"},
    )
    PeriodicTask.objects.get_or_create(
        name=EXPIRY,
        defaults={"task": "reports.expire_old_files", "crontab": nightly, "kwargs": "{}"},
    )
