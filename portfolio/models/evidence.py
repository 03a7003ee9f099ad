"""Evidence (증빙): files attached to a KPI reading, an execution or a source.

One model with three nullable foreign keys and a check that exactly one is set, rather than a
generic relation: the database keeps each link valid and deletes a row's evidence with it, the
admin inlines and the permission check follow plain foreign keys, and a reading's evidence is an
ordinary `reading.evidence` query. The files live in the reports' storage (a local folder outside
MEDIA_URL, or a private S3 bucket) under random names, and only `portfolio.views.download_evidence`
serves them, after checking the view permission of the row they belong to.
"""

import hashlib
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portfolio.files import extension, kind_of, validate_evidence_file
from reports.models import report_storage

OWNER_FIELDS = ("reading", "execution", "source")


def evidence_path(evidence: "Evidence", filename: str) -> str:
    """A random name (the user's file name is kept in `original_name`), so no name can be
    guessed and two uploads never collide."""
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension(filename)}"


def exactly_one_owner() -> Q:
    one = [Q(**{f"{name}__isnull": name != owner for name in OWNER_FIELDS}) for owner in OWNER_FIELDS]
    return one[0] | one[1] | one[2]


class Evidence(models.Model):
    reading = models.ForeignKey(
        "portfolio.IndicatorReading",
        verbose_name=_("indicator reading"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    execution = models.ForeignKey(
        "portfolio.Execution",
        verbose_name=_("execution"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    source = models.ForeignKey(
        "portfolio.Source",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(
        _("file"),
        storage=report_storage,
        upload_to=evidence_path,
        max_length=300,
        validators=[validate_evidence_file],
    )
    original_name = models.CharField(_("file name"), max_length=255, editable=False)
    content_type = models.CharField(_("content type"), max_length=100, editable=False)
    size = models.BigIntegerField(_("size (bytes)"), editable=False)
    checksum = models.CharField(_("SHA-256"), max_length=64, editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    history = HistoricalRecords()

    # Read from the upload when the row is first saved (see save()), so not validated before.
    FILLED_ON_SAVE = ("original_name", "content_type", "size", "checksum")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.CheckConstraint(
                name="evidence_has_exactly_one_owner",
                condition=exactly_one_owner(),
                violation_error_message=_(
                    "An evidence file belongs to exactly one reading, execution or source."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or PurePath(self.file.name or "").name

    def save(self, *args, **kwargs) -> None:
        # A new upload: remember its name, kind, size and checksum before the storage renames it.
        if self.pk is None and self.file and not self.checksum:
            upload = self.file
            self.original_name = PurePath(upload.name).name[:255]
            self.content_type = kind_of(upload.name).content_type
            self.size = upload.size
            digest = hashlib.sha256()
            upload.open("rb")
            for chunk in upload.chunks():
                digest.update(chunk)
            self.checksum = digest.hexdigest()
        super().save(*args, **kwargs)

    @property
    def owner(self) -> models.Model:
        return self.reading or self.execution or self.source  # type: ignore[return-value]

    def get_download_url(self) -> str:
        return reverse("portfolio:evidence-download", args=[self.pk])

    def clean_fields(self, exclude=None) -> None:
        # A stored file was checked when it arrived and is never replaced: editing the description
        # does not fetch it from storage again.
        if self.pk is not None:
            exclude = {*(exclude or ()), "file"}
        super().clean_fields(exclude=exclude)


@receiver(post_delete, sender=Evidence)
def remove_evidence_file(sender, instance: Evidence, **kwargs) -> None:
    """Delete the stored file once the row's deletion is committed (never before: a rolled-back
    delete keeps its file)."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
