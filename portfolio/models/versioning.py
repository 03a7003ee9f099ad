"""Optimistic locking: every editable row carries a version that each save checks and moves on.

Two people who open the same row both see version n. The first save moves the row to n + 1
with `UPDATE … SET version = version + 1 WHERE pk = … AND version = n`; the second save's
UPDATE then matches no row, and it is refused instead of silently writing back fields its
author never touched. The check is a plain conditional UPDATE through the public QuerySet
API, made just before Django's own UPDATE in the same save, so every write path that calls
save() (admin, services, scripts) is covered. Bulk writes (bulk_update) bypass save() and must
move the version themselves.
"""

from typing import Any

from django.db import models
from django.db.models import F
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _

VERSION_FIELD = "version"


class RecordChangedError(Exception):
    """Saving a copy of a row that someone else changed after this copy was read."""

    def __init__(self, instance: models.Model, seen: int) -> None:
        self.instance = instance
        self.seen = seen
        super().__init__(
            f"{type(instance).__name__} {instance.pk} was changed by someone else "
            f"after version {seen} was read; reload it and make the change again."
        )


class VersionField(models.PositiveIntegerField):
    """The row's version: 1 when created, one more on every save through the model."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("verbose_name", _("version"))
        kwargs.setdefault("default", 1)
        kwargs.setdefault("editable", False)  # never a form or import column; the admin sends it hidden
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: type[models.Model], name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        if not cls._meta.abstract:
            pre_save.connect(claim_next_version, sender=cls)


def claim_next_version(
    sender: type[models.Model],
    instance: models.Model,
    raw: bool = False,
    using: str | None = None,
    **kwargs: Any,
) -> None:
    """Move the stored row from the version this copy holds to the next one, or refuse.

    The UPDATE also locks the row until the transaction ends, so two saves of the same version
    cannot both pass. A new row (adding) has nothing to check; fixtures (raw) keep their values.
    """
    if raw or instance._state.adding or instance.pk is None:
        return
    seen = getattr(instance, VERSION_FIELD)
    rows = sender._default_manager.using(using).filter(pk=instance.pk)
    moved = rows.filter(**{VERSION_FIELD: seen}).update(**{VERSION_FIELD: F(VERSION_FIELD) + 1})
    if moved:
        setattr(instance, VERSION_FIELD, seen + 1)
    elif rows.exists():
        raise RecordChangedError(instance, seen)
    # else: the row is gone; Django's save inserts it again, as it always has.
