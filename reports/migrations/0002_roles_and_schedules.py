"""Office staff and managers may ask for reports (add) and see and download them (view); the
default beat schedule (monthly portfolio report on the 1st at 07:00 KST, sweep, expiry)."""

from django.db import migrations

from portfolio.roles import MANAGERS, OFFICE_STAFF, grant
from reports.schedules import EXPIRY, MONTHLY_REPORT, SWEEP, ensure_schedules

REPORT_PERMISSIONS = ["add_reportrun", "view_reportrun"]


def grant_report_permissions(apps, schema_editor):
    for group in (OFFICE_STAFF, MANAGERS):
        grant(apps, group, "reports", REPORT_PERMISSIONS)


def revoke_report_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="reports", codename__in=REPORT_PERMISSIONS)
    for group in Group.objects.filter(name__in=[OFFICE_STAFF, MANAGERS]):
        group.permissions.remove(*perms)


def add_schedules(apps, schema_editor):
    ensure_schedules(apps)


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[MONTHLY_REPORT, SWEEP, EXPIRY]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("portfolio", "0002_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(grant_report_permissions, revoke_report_permissions),
        migrations.RunPython(add_schedules, remove_schedules),
    ]
