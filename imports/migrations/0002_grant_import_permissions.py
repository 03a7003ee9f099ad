"""Office staff may import (start and see import runs); managers may not."""

from django.db import migrations

from portfolio.roles import OFFICE_STAFF, grant


def grant_imports(apps, schema_editor):
    grant(apps, OFFICE_STAFF, "imports", ["add_importrun", "view_importrun"])


def revoke_imports(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="imports", codename__in=["add_importrun", "view_importrun"])
    for group in Group.objects.filter(name=OFFICE_STAFF):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("portfolio", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_imports, revoke_imports)]
