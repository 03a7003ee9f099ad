"""Admin for 성과관리: readings with their approval status and actions (submit, approve, return),
the approvers' queue of submitted readings, yearly targets, and locked periods. The rules live in
portfolio.performance and the models; these pages only call them and show their refusals."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portfolio import performance
from portfolio.admin.base import KPI_VALUE_INPUT, CachedSourceChoicesMixin, PortfolioAdmin
from portfolio.admin.evidence import (
    EvidenceOwnerAdminMixin,
    ReadingEvidenceInline,
    ReadingForm,
    ReadingPartInline,
)
from portfolio.admin.versioning import VersionedInlineMixin
from portfolio.display import quantity_ko
from portfolio.models import IndicatorReading, IndicatorTarget, PeriodLock, ReadingStatus, SubmittedReading
from portfolio.models.periods import final_quarters, lock_refusal, quarter_of

APPROVE = "portfolio.approve_indicatorreading"


def run(modeladmin, request, work, done_message: str) -> None:
    """Call a workflow function and tell the user what it did, or why it did nothing."""
    try:
        count = work()
    except (ValidationError, PermissionDenied) as refusal:
        text = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        modeladmin.message_user(
            request, gettext("Nothing was changed: %(why)s") % {"why": text}, messages.ERROR
        )
    else:
        modeladmin.message_user(request, done_message % {"count": count}, messages.SUCCESS)


def ask_reason(modeladmin, request, queryset, action: str, title: str, work, done_message: str):
    """An action's second step: a page asking for the reason, then the work with it."""
    reason = request.POST.get("reason", "")
    error = None
    if request.POST.get("apply"):
        try:
            count = work(reason)
        except (ValidationError, PermissionDenied) as refusal:
            error = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        else:
            modeladmin.message_user(request, done_message % {"count": count}, messages.SUCCESS)
            return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.opts,
        "objects": list(queryset),
        "action": action,
        "error": error,
        "reason": reason,
    }
    return TemplateResponse(request, "admin/portfolio/reason_action.html", context)


@admin.action(description=_("Submit the selected readings for approval"))
def submit_selected(modeladmin, request, queryset):
    run(
        modeladmin,
        request,
        lambda: performance.submit_readings(readings=queryset, user=request.user),
        gettext("Submitted %(count)s readings for approval."),
    )


@admin.action(description=_("Approve the selected readings"), permissions=["approve"])
def approve_selected(modeladmin, request, queryset):
    run(
        modeladmin,
        request,
        lambda: performance.approve_readings(readings=queryset, user=request.user),
        gettext("Approved %(count)s readings: they count in every figure now."),
    )


@admin.action(description=_("Return the selected readings to their authors"), permissions=["approve"])
def return_selected(modeladmin, request, queryset):
    return ask_reason(
        modeladmin,
        request,
        queryset,
        "return_selected",
        gettext("Return readings"),
        lambda reason: performance.return_readings(readings=queryset, user=request.user, reason=reason),
        gettext("Returned %(count)s readings to their authors."),
    )


class LockedPeriodRowsMixin:
    """Readings of a locked period offer no change or delete (the models refuse them anyway)."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _locked(obj)

    def get_deleted_objects(self, objs, request):
        # "Delete selected" asks only for the model-wide permission: name the locked readings as
        # needing a permission nobody has, so the action refuses them.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            if _locked(obj):
                perms_needed.add(str(obj))
        return deleted, model_count, perms_needed, protected


def _locked(obj) -> bool:
    return obj is not None and obj.pk is not None and lock_refusal(obj.period) is not None


class ReadingAdminBase(LockedPeriodRowsMixin, PortfolioAdmin):
    list_select_related = ("indicator", "source", "created_by", "approved_by")
    autocomplete_fields = ("indicator", "source")
    readonly_fields = ("status", "created_by", "submitted_at", "approved_by", "approved_at", "return_reason")

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm(APPROVE)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        was = obj.status
        super().save_model(request, obj, form, change)
        if was == ReadingStatus.APPROVED and obj.status == ReadingStatus.DRAFT:
            self.message_user(
                request,
                gettext("The figure changed, so the reading is a draft again: submit it for approval."),
                messages.WARNING,
            )


@admin.register(IndicatorReading)
class IndicatorReadingAdmin(EvidenceOwnerAdminMixin, ReadingAdminBase):
    form = ReadingForm
    inlines = (ReadingPartInline, ReadingEvidenceInline)
    formfield_overrides = KPI_VALUE_INPUT
    list_display = (
        "indicator",
        "period",
        "value_display",
        "status",
        "created_by",
        "approved_by",
        "approved_at",
    )
    list_filter = ("status", "indicator__metric")
    search_fields = ("indicator__code", "indicator__name_ko", "note")
    date_hierarchy = "period"
    actions = (submit_selected, approve_selected, return_selected)

    @admin.display(description=_("value"), ordering="value")
    def value_display(self, reading):
        return quantity_ko(reading.value, reading.indicator.unit)


@admin.register(SubmittedReading)
class SubmittedReadingAdmin(ReadingAdminBase):
    """The approvers' queue: submitted readings, oldest submission first."""

    list_display = ("submitted_at", "indicator", "period", "value", "source", "created_by", "note", "files")
    list_display_links = None
    search_fields = ("indicator__code", "indicator__name_ko", "note")
    ordering = ("submitted_at", "pk")
    actions = (approve_selected, return_selected)

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(status=ReadingStatus.SUBMITTED).prefetch_related("evidence")
        )

    @admin.display(description=_("evidence files"))
    def files(self, reading):
        """The reading's evidence files, each a link to its permission-checked download."""
        links = [(item.get_download_url(), item.original_name) for item in reading.evidence.all()]
        return format_html_join(", ", '<a href="{}">{}</a>', links) or "–"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(APPROVE)

    def has_module_permission(self, request):
        return request.user.has_perm(APPROVE)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadingFormSet(BaseInlineFormSet):
    """An indicator's readings, those of locked periods shown disabled and skipped on save (as the
    ledger's closed years are), so the indicator itself can still be edited."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.covered = final_quarters()  # one query for every row

    def add_fields(self, form, index):
        super().add_fields(form, index)
        reading = form.instance
        if reading.pk is not None and quarter_of(reading.period) in self.covered.get(reading.period.year, ()):
            # The row's id and indicator stay enabled: without its id the row would be taken for
            # a new one. Unchanged and disabled, it is neither validated nor saved nor deleted.
            keep = {self.model._meta.pk.name, self.fk.name}
            for name, field in form.fields.items():
                field.disabled = name not in keep
            form.empty_permitted = True

    def clean(self):
        super().clean()
        for form in self.deleted_forms:  # a backstop: the model refuses it too
            if form.instance.pk is not None:
                refusal = lock_refusal(form.instance.period)
                if refusal:
                    raise ValidationError(refusal)


class ReadingInline(VersionedInlineMixin, CachedSourceChoicesMixin, admin.TabularInline):
    model = IndicatorReading
    formset = ReadingFormSet
    extra = 1
    fields = ("period", "value", "source", "note", "status")
    readonly_fields = ("status",)
    formfield_overrides = KPI_VALUE_INPUT

    def get_queryset(self, request):
        # Each row's label (IndicatorReading.__str__) names its indicator.
        return super().get_queryset(request).select_related("indicator")


class YearlyTargetInline(CachedSourceChoicesMixin, admin.TabularInline):
    model = IndicatorTarget
    extra = 1
    fields = ("fiscal_year", "value", "basis", "source")


@admin.action(description=_("Unlock the selected periods"), permissions=["unlock"])
def unlock_selected(modeladmin, request, queryset):
    def unlock(reason: str) -> int:
        for lock in queryset:
            performance.unlock_period(lock=lock, user=request.user, reason=reason)
        return len(queryset)

    return ask_reason(
        modeladmin,
        request,
        queryset,
        "unlock_selected",
        gettext("Unlock periods"),
        unlock,
        gettext("Unlocked %(count)s periods."),
    )


@admin.register(PeriodLock)
class PeriodLockAdmin(PortfolioAdmin):
    """Locking is adding a row (by an approver); unlocking is an action that asks for the reason."""

    list_display = (
        "__str__",
        "locked_by",
        "locked_at",
        "is_active",
        "unlocked_by",
        "unlocked_at",
        "unlock_reason",
    )
    list_filter = ("fiscal_year", "part")
    list_select_related = ("locked_by", "unlocked_by")
    fields = ("fiscal_year", "part", "note")
    actions = (unlock_selected,)

    @admin.display(description=_("locked"), boolean=True)
    def is_active(self, lock):
        return lock.is_active

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_unlock_permission(self, request) -> bool:
        return request.user.has_perm("portfolio.unlock_periodlock")

    def save_model(self, request, obj, form, change):
        lock = performance.lock_period(
            fiscal_year=obj.fiscal_year, part=obj.part, user=request.user, note=obj.note
        )
        obj.pk = lock.pk

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        user = request.user

        class LockForm(form):
            def clean(self):
                cleaned = super().clean()
                # The checks lock_period makes, as form errors rather than a failed save.
                try:
                    performance.check_lockable(
                        fiscal_year=cleaned.get("fiscal_year"), part=cleaned.get("part"), user=user
                    )
                except (ValidationError, PermissionDenied) as refusal:
                    raise ValidationError(
                        refusal.messages if isinstance(refusal, ValidationError) else str(refusal)
                    ) from refusal
                return cleaned

        return form if change else LockForm
