"""The office's roles, as auth groups made by a data migration.

Other apps give these groups their own permissions in their own migrations with `grant`.
"""

OFFICE_STAFF = "인공지능산업실 직원"  # keep the data: add, change, view
MANAGERS = "관리자(과장·국장)"  # look only: view
APPROVERS = "성과 승인권자"  # approve or return KPI readings, lock and unlock periods

DOMAIN_MODELS = (
    "source",
    "program",
    "budgetline",
    "execution",
    "milestone",
    "indicator",
    "indicatorreading",
    "firm",
)


def grant(apps, group_name: str, app_label: str, codenames: list[str]) -> None:
    """Give a group permissions, creating the group and any missing permission rows first
    (on a fresh database post_migrate has not made them yet)."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # migration state has no models module; the command insists
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    perms = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    missing = set(codenames) - set(perms.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Permissions not found for {app_label}: {sorted(missing)}")
    group.permissions.add(*perms)
