"""Rows of a closed fiscal year, and carry-ins a close made, are read-only in the admin: the model
clean() refuses such saves anyway, so the admin offers no edit or delete for them at all."""

from django.forms.models import BaseInlineFormSet

from portfolio.models import BudgetAdjustment, BudgetStage, YearEndClose


def closed_keys(program_id: int | None) -> set[tuple[int, str]]:
    """(fiscal year, funding source) of a program's closed years. One query."""
    if program_id is None:
        return set()
    return set(
        YearEndClose.objects.filter(program_id=program_id).values_list("fiscal_year", "funding_source")
    )


def is_locked(obj, closed: set[tuple[int, str]]) -> bool:
    """Whether a budget line, adjustment or execution may no longer change."""
    if isinstance(obj, BudgetAdjustment) and obj.made_by_close_id:
        return True
    if getattr(obj, "stage", None) == BudgetStage.PLAN:
        return False  # plans are not part of the closed year's budget
    return (obj.fiscal_year, obj.funding_source) in closed


class ClosedYearReadOnlyMixin:
    """For a ModelAdmin of budget lines, adjustments or executions: no change or delete of a
    locked row (its change page becomes view-only)."""

    def row_locked(self, obj) -> bool:
        return obj is not None and obj.pk is not None and is_locked(obj, closed_keys(obj.program_id))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.row_locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.row_locked(obj)

    def get_deleted_objects(self, objs, request):
        # The bulk "delete selected" action asks only for the model-wide permission: name the
        # locked rows as needing a permission nobody has, so the action refuses them.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        closed_by_program: dict[int, set[tuple[int, str]]] = {}
        for obj in objs:
            closed = closed_by_program.setdefault(obj.program_id, closed_keys(obj.program_id))
            if is_locked(obj, closed):
                perms_needed.add(str(obj))
        return deleted, model_count, perms_needed, protected


class LockedRowsFormSet(BaseInlineFormSet):
    """An inline formset on a program whose rows of closed years are shown disabled and skipped
    on save, so a program with a closed year can still be edited elsewhere."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.closed = closed_keys(self.instance.pk)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if form.instance.pk is not None and is_locked(form.instance, self.closed):
            # The row's id and program stay enabled: a browser leaves disabled inputs out, and
            # without its id the row would be taken for a new one.
            keep = {self.model._meta.pk.name, self.fk.name}
            for name, field in form.fields.items():
                field.disabled = name not in keep
            # Unchanged and disabled, the row is neither validated (its clean() would refuse the
            # closed year) nor saved.
            form.empty_permitted = True
            form.locked = True
