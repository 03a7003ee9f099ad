"""The admin's third-party parts made fit for the office: permission names in Korean in the
group and user forms, and the periodic-task screens (django-celery-beat) for superusers only."""

from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from portfolio.admin.extensions import extend_model_admin

# Django stores the default permissions' names in English ("Can add report run"); the verbs are
# translated by the admin's own catalogue, the custom permissions' names by their app's.
DEFAULT_ACTIONS = {"add": "Add", "change": "Change", "delete": "Delete", "view": "View"}


def permission_label(permission: Permission) -> str:
    """`보고서 | 보고서 작업 | 추가` instead of `보고서 | 보고서 작업 | Can add report run`."""
    action, _, model = permission.codename.partition("_")
    if action in DEFAULT_ACTIONS and model == permission.content_type.model:
        name = gettext(DEFAULT_ACTIONS[action])
    else:
        name = gettext(permission.name)
    return f"{permission.content_type} | {name}"


class KoreanPermissionsMixin(admin.ModelAdmin):
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field


class SuperusersOnlyMixin(admin.ModelAdmin):
    """The beat schedule drives the report sweep and the monthly report: only a superuser may see
    or change it, whatever permissions a group is given."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class PeriodicTaskMixin(SuperusersOnlyMixin):
    @admin.display(description=_("Crontab in words"))
    def crontab_translation(self, task):
        # The same reading as django-celery-beat's own field, under a Korean label.
        return task.crontab.human_readable if task.crontab else "–"


for model in (Group, User):
    extend_model_admin(model, KoreanPermissionsMixin)
extend_model_admin(PeriodicTask, PeriodicTaskMixin)
for model in (ClockedSchedule, CrontabSchedule, IntervalSchedule, SolarSchedule):
    extend_model_admin(model, SuperusersOnlyMixin)
