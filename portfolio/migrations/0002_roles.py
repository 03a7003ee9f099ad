"""Make the office's roles: staff keep the data (add, change, view); managers view."""

from django.db import migrations

from portfolio.roles import DOMAIN_MODELS, MANAGERS, OFFICE_STAFF, grant


def make_roles(apps, schema_editor):
    grant(
        apps,
        OFFICE_STAFF,
        "portfolio",
        [f"{action}_{model}" for model in DOMAIN_MODELS for action in ("add", "change", "view")],
    )
    grant(apps, MANAGERS, "portfolio", [f"view_{model}" for model in DOMAIN_MODELS])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[OFFICE_STAFF, MANAGERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(make_roles, remove_roles)]
