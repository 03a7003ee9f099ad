"""Importing in the admin: upload, preview (per row: new, changed, unchanged, error), apply.

`SpreadsheetImportMixin` goes on the portfolio model admins. It keeps django-import-export's
changelist buttons, export (as an import-ready workbook) and permission hooks, and replaces its
import view with the preview-and-apply flow of this app, where every run is an ImportRun row
that a worker can fill for large files. `ImportRunAdmin` lists the runs and shows each one.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin

from imports import services
from imports.models import ImportRun
from imports.readers import too_large_message
from imports.resources import BY_MODEL, RESOURCES
from imports.results import Outcome
from imports.workbook import ImportReadyXLSX, template_workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy("An Excel workbook (.xlsx) or a CSV file (UTF-8 or CP949)."),
    )

    def __init__(self, *args, too_large: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large  # bytes of a file the upload handler stopped storing
        if too_large:
            self.fields["file"].required = False

    def clean_file(self):
        if self.too_large:
            raise forms.ValidationError(too_large_message(self.too_large))
        return self.cleaned_data["file"]


def can_import(user, model) -> bool:
    """Import needs the imports permission and the right to add and change the model's rows."""
    opts = model._meta
    return user.has_perms(
        [
            "imports.add_importrun",
            f"{opts.app_label}.add_{opts.model_name}",
            f"{opts.app_label}.change_{opts.model_name}",
        ]
    )


class SpreadsheetImportMixin(ImportExportMixin):
    import_export_change_list_template = "admin/imports/change_list_import_export.html"

    @property
    def spreadsheet_resource(self):
        return BY_MODEL[self.model]

    def get_resource_classes(self, request):
        return [self.spreadsheet_resource]

    def get_export_formats(self):
        return [ImportReadyXLSX.for_resource(self.spreadsheet_resource)]

    def get_import_formats(self):
        return []

    def has_import_permission(self, request) -> bool:
        return can_import(request.user, self.model)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)  # whoever may see the list may take it away

    def get_urls(self):
        info = self.get_model_info()
        return [
            path(
                "import/template/",
                self.admin_site.admin_view(self.template_view),
                name="{}_{}_import_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def template_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        resource = self.spreadsheet_resource()
        response = HttpResponse(template_workbook(resource), content_type=XLSX_TYPE)
        filename = f"template-{resource.kind}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource = self.spreadsheet_resource()
        if request.method == "POST":
            files = request.FILES  # parsing the body first lets the size-limit handler flag the file
            too_large = "file" in getattr(request, "upload_too_large", ())
            size = int(request.META.get("CONTENT_LENGTH") or 0) if too_large else 0
            form = UploadForm(request.POST, files, too_large=size)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                run = services.start_import(
                    kind=resource.kind, file=upload, name=upload.name, user=request.user
                )
                return HttpResponseRedirect(reverse("admin:imports_importrun_change", args=[run.pk]))
        else:
            form = UploadForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import %(kind)s") % {"kind": resource.title},
            "opts": self.model._meta,
            "form": form,
            "resource": resource,
            "columns": resource.columns(),
            "recent": ImportRun.objects.filter(kind=resource.kind).select_related("created_by")[:10],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/imports/upload.html", context)

    def process_import(self, request, **kwargs):
        # django-import-export's confirm step; the preview page's Apply button replaces it.
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "original_name",
        "phase",
        "status",
        "new_rows",
        "changed_rows",
        "unchanged_rows",
        "error_rows",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "status", "dry_run")
    list_select_related = ("created_by",)
    search_fields = ("original_name",)
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("run"))
    def phase(self, run: ImportRun) -> str:
        return _("preview") if run.dry_run else _("apply")

    def has_add_permission(self, request) -> bool:
        return False  # runs are made by uploading a file on a model's import page

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = get_object_or_404(ImportRun.objects.select_related("created_by", "preview"), pk=object_id)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        resource = RESOURCES[run.kind]
        model = resource._meta.model
        allowed = can_import(request.user, model)
        if request.method == "POST" and "apply" in request.POST:
            if not allowed:
                raise PermissionDenied
            try:
                applied = services.apply_preview(preview=run, user=request.user)
            except ValueError as error:
                messages.error(request, str(error))
                return HttpResponseRedirect(request.path)
            return HttpResponseRedirect(reverse("admin:imports_importrun_change", args=[applied.pk]))
        sections = [
            (outcome, run.rows.get(str(outcome), []), getattr(run, f"{outcome}_rows"))
            for outcome in (Outcome.ERROR, Outcome.CHANGED, Outcome.NEW, Outcome.UNCHANGED)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": str(run),
            "opts": self.opts,
            "run": run,
            "model_opts": model._meta,
            "sections": sections,
            "can_apply": allowed and run.can_apply,
            "changelist_url": reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"),
            "import_url": reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_import"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/imports/run.html", context)
