"""The approvers' group, the new models' permissions for every role, and the existing readings
made 승인 (also in their history), so that no figure, today's or an earlier day's, changes."""

from django.db import migrations

from portfolio.roles import APPROVERS, DOMAIN_MODELS, MANAGERS, OFFICE_STAFF, grant

APPROVER = [
    "approve_indicatorreading",
    "add_periodlock",
    "view_periodlock",
    "unlock_periodlock",
    "view_indicatortarget",
    *(f"view_{model}" for model in DOMAIN_MODELS),
]
STAFF = ["add_indicatortarget", "change_indicatortarget", "view_indicatortarget", "view_periodlock"]
VIEW = ["view_indicatortarget", "view_periodlock"]


def approve_existing(apps, schema_editor):
    # Approved by the migration: no approver and no approval time, so the briefing's list of
    # newly approved readings does not fill up with every old one.
    for name in ("IndicatorReading", "HistoricalIndicatorReading"):
        apps.get_model("portfolio", name).objects.update(status="approved")
    grant(apps, APPROVERS, "portfolio", APPROVER)
    grant(apps, OFFICE_STAFF, "portfolio", STAFF)
    grant(apps, MANAGERS, "portfolio", VIEW)


def undo(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=APPROVERS).delete()


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0009_kpi_targets_approval_locks")]

    operations = [migrations.RunPython(approve_existing, undo)]
