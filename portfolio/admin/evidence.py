"""Evidence files as inlines on the reading, execution and source change pages, and a reading's
breakdown (세부 구분) as an inline whose parts must add up to the reading's value."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portfolio.admin.versioning import VersionedForm, VersionedInlineMixin
from portfolio.files import ACCEPTED
from portfolio.models import Evidence, IndicatorPart, ReadingPart
from portfolio.models.breakdowns import parts_mismatch

PARTS_PREFIX = "parts"  # the breakdown inline's formset prefix (ReadingPart.reading's related name)


class EvidenceForm(forms.ModelForm):
    """A stored file is never replaced (upload a new one, delete the old): its input is shown
    disabled, and a plain file input never prints the storage name or a URL."""

    # Inputs whose file the upload handler stopped storing as it arrived, being too large
    # (imports.uploads.SizeLimitedUploadHandler); set per request by EvidenceInline.
    skipped_uploads: frozenset[str] = frozenset()

    class Meta:
        model = Evidence
        fields = ("file", "description")
        widgets = {"file": forms.FileInput(attrs={"accept": ACCEPTED})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["file"].disabled = True
        elif self.upload_skipped:
            self.fields["file"].required = False  # the clean() below says why there is no file

    @property
    def upload_skipped(self) -> bool:
        return self.add_prefix("file") in self.skipped_uploads

    def has_changed(self) -> bool:
        # An empty extra row is left alone, but not one whose file was too large to keep.
        return super().has_changed() or self.upload_skipped

    def clean(self):
        if self.upload_skipped:
            limit = min(settings.EVIDENCE_MAX_UPLOAD_MB, settings.IMPORT_MAX_UPLOAD_MB)
            raise ValidationError(
                {
                    "file": _("The file is too large; evidence files may be up to %(limit)s MB.")
                    % {"limit": limit}
                }
            )
        return super().clean()


class EvidenceInline(admin.TabularInline):
    model = Evidence
    form = EvidenceForm
    extra = 1
    fields = ("file", "description", "download", "size_kb", "uploaded_by", "uploaded_at")
    readonly_fields = ("download", "size_kb", "uploaded_by", "uploaded_at")
    verbose_name = _("evidence file")
    verbose_name_plural = _("evidence files")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        skipped = frozenset(getattr(request, "upload_too_large", ()))
        if skipped:
            formset.form = type("EvidenceForm", (formset.form,), {"skipped_uploads": skipped})
        return formset

    @admin.display(description=_("download"))
    def download(self, evidence: Evidence) -> str:
        if evidence.pk is None:
            return "–"
        return format_html('<a href="{}">{}</a>', evidence.get_download_url(), evidence.original_name)

    @admin.display(description=_("size (KB)"))
    def size_kb(self, evidence: Evidence) -> str:
        return "–" if evidence.size is None else f"{(evidence.size + 1023) // 1024:,}"


class ReadingEvidenceInline(EvidenceInline):
    fk_name = "reading"


class ExecutionEvidenceInline(EvidenceInline):
    fk_name = "execution"


class SourceEvidenceInline(EvidenceInline):
    fk_name = "source"


class EvidenceOwnerAdminMixin(admin.ModelAdmin):
    """For the admin of a row that carries evidence: records who uploaded each new file."""

    def save_formset(self, request, form, formset, change):
        if formset.model is Evidence:
            for evidence_form in formset.forms:
                evidence = evidence_form.instance
                if evidence.pk is None and evidence_form.has_changed():
                    evidence.uploaded_by = request.user
        super().save_formset(request, form, formset, change)


class ReadingForm(VersionedForm):
    """A reading's change form. When the page sends its breakdown along, the breakdown inline
    checks the new parts against the new value, so the reading's own clean() must not hold the
    new value against the parts stored before this submit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if f"{PARTS_PREFIX}-TOTAL_FORMS" in self.data:
            self.instance.parts_checked_elsewhere = True


class ReadingPartsFormSet(BaseInlineFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.part_choices = IndicatorPart.objects.filter(indicator=self.instance.indicator_id)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["part"].queryset = self.part_choices

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        values = [
            form.cleaned_data["value"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("value") is not None
        ]
        error = parts_mismatch(self.instance.value, values)
        if error is not None:
            raise error


class ReadingPartInline(VersionedInlineMixin, admin.TabularInline):
    model = ReadingPart
    formset = ReadingPartsFormSet
    fields = ("part", "value")
    verbose_name = _("breakdown value")
    verbose_name_plural = _("breakdown (parts must add up to the value)")

    def get_extra(self, request, obj=None, **kwargs):
        # One empty row per part not filled in yet; none before the reading (and so its
        # indicator) is saved.
        if obj is None or obj.pk is None:
            return 0
        return max(0, obj.indicator.parts.count() - obj.parts.count())


class IndicatorPartInline(VersionedInlineMixin, admin.TabularInline):
    model = IndicatorPart
    fields = ("name_ko", "name_en", "sort_order")
    extra = 0
    verbose_name_plural = _("breakdown parts (e.g. 청년 / 그 외)")
