"""Stale edits in the admin: a form opened before someone else saved the same row is refused,
saying who changed what and when, and the other person's save is kept.

Every change form (and every existing inline row) carries the row's version in a hidden input.
On submit the stored version is read under a row lock (the admin's change view runs in one
transaction), so two submits of the same version cannot both pass; a stale one is a form
error, and nothing of that submit is saved. The model's save checks the version again
(portfolio.models.versioning), for every write path.
"""

from typing import Any

from django import forms
from django.contrib.admin import ModelAdmin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.models.versioning import VERSION_FIELD

VERSION_INPUT = "seen_version"


def describe_value(field: models.Field | None, value: Any) -> str:
    if value in (None, ""):
        return "–"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def latest_change_text(instance: models.Model) -> str:
    """Who last saved the row, when, and each field's old → new value, from its change history."""
    opts = instance._meta
    latest = instance.history.first()  # type: ignore[attr-defined]  # simple-history's manager
    if latest is None:
        return _("Someone else saved this %(model)s while you were editing it.") % {
            "model": opts.verbose_name
        }
    changes = []
    if latest.prev_record is not None:
        for change in latest.diff_against(latest.prev_record).changes:
            try:
                found = opts.get_field(change.field)
            except FieldDoesNotExist:
                found = None
            field = found if isinstance(found, models.Field) else None
            label = field.verbose_name if field is not None else change.field
            changes.append(
                f"{label}: {describe_value(field, change.old)} → {describe_value(field, change.new)}"
            )
    user = latest.history_user
    return _(
        "Someone else saved this %(model)s while you were editing it: %(user)s at %(time)s (%(changes)s)."
    ) % {
        "model": opts.verbose_name,
        "user": (user.get_full_name() or user.get_username()) if user else _("an unknown user"),
        "time": timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M"),
        "changes": "; ".join(changes) or _("no field changed"),
    }


def stale_message(instance: models.Model) -> str:
    return " ".join(
        [
            latest_change_text(instance),
            _("Your changes were not saved, so theirs are kept. Reload the page and make your change again."),
        ]
    )


class VersionedForm(forms.ModelForm):
    """A model form that refuses to save over a version of the row its user never saw."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and VERSION_INPUT in self.fields:
            self.fields[VERSION_INPUT].initial = getattr(self.instance, VERSION_FIELD, None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        seen = cleaned.get(VERSION_INPUT)
        instance = self.instance
        if seen is None or instance.pk is None or not hasattr(instance, VERSION_FIELD):
            return cleaned  # a new row, or a submit that did not come from the change page
        model = type(instance)
        rows = model._default_manager.filter(pk=instance.pk)
        if not transaction.get_autocommit(router.db_for_write(model)):
            rows = rows.select_for_update()  # held until the admin's transaction ends
        stored = rows.values_list(VERSION_FIELD, flat=True).first()
        if stored is not None and stored != seen:
            raise ValidationError(stale_message(instance), code="stale")
        setattr(instance, VERSION_FIELD, seen)  # the save checks this version once more
        return cleaned


def with_version_input(fields: list[str] | tuple[str, ...], *, editing: bool) -> list[str]:
    """`fields` with the hidden version input last when an existing row is being edited."""
    plain = [name for name in fields if name != VERSION_INPUT]
    return [*plain, VERSION_INPUT] if editing else plain


class VersionedAdminMixin(ModelAdmin):
    """For a ModelAdmin: the change page sends the version back, and a stale submit is refused."""

    form: type[forms.ModelForm] = VersionedForm

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return with_version_input(
            fields, editing=obj is not None and self.has_change_permission(request, obj)
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        editing = obj is not None and self.has_change_permission(request, obj)
        if not fieldsets or (VERSION_INPUT in flatten_fieldsets(fieldsets)) == editing:
            return fieldsets
        (name, options), *rest = fieldsets
        first = {**options, "fields": with_version_input(options["fields"], editing=editing)}
        return [(name, first), *rest]


class VersionedInlineMixin(InlineModelAdmin):
    """For an inline: every existing row sends its version back, and a stale row is refused."""

    form: type[forms.ModelForm] = VersionedForm

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return with_version_input(fields, editing=self.has_change_permission(request, obj))
