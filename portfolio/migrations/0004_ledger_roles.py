"""Give the office's roles the ledger: staff keep budget adjustments and close years; managers
view both. Reopening a close is kept for superusers and whoever the office grants it to."""

from django.db import migrations

from portfolio.roles import MANAGERS, OFFICE_STAFF, grant

STAFF = [
    "add_budgetadjustment",
    "change_budgetadjustment",
    "view_budgetadjustment",
    "add_yearendclose",
    "view_yearendclose",
]
VIEW = ["view_budgetadjustment", "view_yearendclose"]


def grant_ledger(apps, schema_editor):
    grant(apps, OFFICE_STAFF, "portfolio", STAFF)
    grant(apps, MANAGERS, "portfolio", VIEW)


def revoke_ledger(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="portfolio", codename__in=STAFF)
    for group in Group.objects.filter(name__in=[OFFICE_STAFF, MANAGERS]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0003_ledger")]

    operations = [migrations.RunPython(grant_ledger, revoke_ledger)]
