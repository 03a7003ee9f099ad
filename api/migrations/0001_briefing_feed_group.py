"""The "Briefing feed" group (브리핑 피드): view permissions on the portfolio, nothing else."""

from django.db import migrations

from api.roles import BRIEFING_FEED
from portfolio.roles import DOMAIN_MODELS, grant


def create_group(apps, schema_editor):
    grant(apps, BRIEFING_FEED, "portfolio", [f"view_{model}" for model in DOMAIN_MODELS])


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=BRIEFING_FEED).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0002_roles"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
