"""The ledger's importable kinds: budget adjustments (이월, 예비비, 이용·전용·이체, 수입대체경비) and
year-end closes (결산 마감), which are applied through portfolio.closing as the admin does."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from imports.columns import (
    Column,
    date_column,
    fiscal_year_column,
    funding_source_column,
    note_column,
    program_column,
    source_column,
)
from imports.resources import SpreadsheetResource
from imports.widgets import ChoiceWidget, SignedAmountWidget, TextWidget, ZeroWhenEmptyAmountWidget
from portfolio import closing
from portfolio.display import won_ko
from portfolio.models import AdjustmentKind, BudgetAdjustment, Program, YearEndClose

ADJUSTMENT_KIND_NAMES_KO = {
    AdjustmentKind.CARRIED_EXPLICIT: "명시이월",
    AdjustmentKind.CARRIED_ACCIDENT: "사고이월",
    AdjustmentKind.CARRIED_CONTINUING: "계속비이월",
    AdjustmentKind.RESERVE: "예비비",
    AdjustmentKind.TRANSFER_ITEM: "이용",
    AdjustmentKind.TRANSFER_SUBITEM: "전용",
    AdjustmentKind.TRANSFER_AGENCY: "이체",
    AdjustmentKind.REVENUE_SUBSTITUTION: "수입대체경비",
}


class BudgetAdjustmentResource(SpreadsheetResource):
    """Adjustments have no number of their own, so the key is everything that tells two apart
    in the books: 사업코드 × 회계연도 × 재원 × 구분 × 일자 × 근거. Re-importing a sheet changes
    nothing; a corrected 금액 or 비고 changes the row; a corrected date or basis adds one."""

    kind = "budget-adjustments"
    title = _("Budget adjustments")
    key = ("program", "fiscal_year", "funding_source", "kind", "adjusted_on", "basis")

    program = program_column()
    fiscal_year = fiscal_year_column()
    funding_source = funding_source_column()
    # Not named `kind`: that is the import's kind on every resource.
    adjustment_kind = Column(
        "kind",
        "구분",
        english="kind",
        aliases=("조정구분", "조정 구분", "adjustment kind"),
        required=True,
        widget=ChoiceWidget(
            AdjustmentKind,
            aliases={"예비비사용": AdjustmentKind.RESERVE, "예비비 사용액": AdjustmentKind.RESERVE},
            names_ko=ADJUSTMENT_KIND_NAMES_KO,
        ),
        width=14,
    )
    amount = Column(
        "amount",
        "금액(원)",
        english="amount (won)",
        aliases=("금액", "amount", "amount won", "원"),
        required=True,
        widget=SignedAmountWidget(),
        number_format="#,##0;[Red]-#,##0",
        width=20,
    )
    adjusted_on = date_column("adjusted_on", "일자", "date", required=True, aliases=("조정일", "date"))
    basis = Column(
        "basis",
        "근거",
        english="basis",
        aliases=("조정근거", "승인근거", "의결근거"),
        widget=TextWidget(),
        width=30,
    )
    source = source_column()
    note = note_column()

    class Meta:
        model = BudgetAdjustment
        fields = (
            "program",
            "fiscal_year",
            "funding_source",
            "adjustment_kind",
            "amount",
            "adjusted_on",
            "basis",
            "source",
            "note",
        )
        import_id_fields = ("program", "fiscal_year", "funding_source", "kind", "adjusted_on", "basis")

    def validate(self, instance, *, exclude: list[str]) -> None:
        if self.unchanged(instance):
            return
        if instance.made_by_close_id is not None:
            close = YearEndClose.objects.get(pk=instance.made_by_close_id)
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: gettext(
                        "This carry-in was made by the year-end close of %(year)s; reopen that close to "
                        "change it."
                    )
                    % {"year": close.fiscal_year}
                }
            )
        super().validate(instance, exclude=exclude)


class YearEndCloseResource(SpreadsheetResource):
    """A row closes a program × fiscal year × funding source through portfolio.closing.close_year,
    as the admin's action does: the same rules, the same carry-ins for the next year. A row for a
    year already closed with the same amounts is unchanged; with other amounts it is refused (a
    close is changed by reopening it). A file may not close a year and the one after it: the
    second close needs the carry-ins the first one writes."""

    kind = "year-end-closes"
    title = _("Year-end closes")
    key = ("program", "fiscal_year", "funding_source")

    program = program_column()
    fiscal_year = fiscal_year_column()
    funding_source = funding_source_column()
    carried_out_explicit = Column(
        "carried_out_explicit",
        "명시이월",
        english="explicit carry-over",
        aliases=("명시 이월", "명시이월액"),
        widget=ZeroWhenEmptyAmountWidget(),
        number_format="#,##0",
        width=18,
    )
    carried_out_accident = Column(
        "carried_out_accident",
        "사고이월",
        english="accident carry-over",
        aliases=("사고 이월", "사고이월액"),
        widget=ZeroWhenEmptyAmountWidget(),
        number_format="#,##0",
        width=18,
    )
    carried_out_continuing = Column(
        "carried_out_continuing",
        "계속비이월",
        english="continuing-expense carry-over",
        aliases=("계속비 이월", "계속비이월액"),
        widget=ZeroWhenEmptyAmountWidget(),
        number_format="#,##0",
        width=18,
    )

    class Meta:
        model = YearEndClose
        fields = (
            "program",
            "fiscal_year",
            "funding_source",
            "carried_out_explicit",
            "carried_out_accident",
            "carried_out_continuing",
        )
        import_id_fields = ("program", "fiscal_year", "funding_source")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.previews: dict[tuple, closing.ClosePreview] = {}  # by key, for the rows to close

    def validate(self, instance, *, exclude: list[str]) -> None:
        if self.unchanged(instance):
            return
        if instance.pk is not None:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: gettext(
                        "Fiscal year %(year)s is already closed for this program and funding source, with "
                        "other amounts; reopen the close first to change them."
                    )
                    % {"year": instance.fiscal_year}
                }
            )
        if instance.closed_on is None:
            instance.closed_on = timezone.localdate()
        super().validate(instance, exclude=exclude)
        program, year, source = instance.program_id, instance.fiscal_year, instance.funding_source
        for other in (year - 1, year + 1):
            if (program, other, source) in self.previews:
                raise ValidationError(
                    {
                        NON_FIELD_ERRORS: gettext(
                            "This file also closes %(other)s for this program and funding source; import "
                            "the close of %(first)s first, then this one, which needs its carry-ins."
                        )
                        % {"other": other, "first": min(year, other)}
                    }
                )
        preview = closing.preview_close(
            program=Program.objects.get(pk=program),
            fiscal_year=year,
            funding_source=source,
            carried_out_explicit=instance.carried_out_explicit,
            carried_out_accident=instance.carried_out_accident,
            carried_out_continuing=instance.carried_out_continuing,
        )
        self.previews[(program, year, source)] = preview

    def new_row_details(self, instance) -> list[tuple[str, str, str]]:
        """What the close leaves: 예산현액, 지출액, and the 불용액 it makes final."""
        preview = self.previews[(instance.program_id, instance.fiscal_year, instance.funding_source)]
        return [
            (gettext("Available budget (예산현액)"), "", won_ko(preview.cell.available)),
            (gettext("Paid (지출액)"), "", won_ko(preview.cell.paid)),
            (gettext("Unused (불용액)"), "", won_ko(preview.unused)),
        ]

    def save_rows(self, creates: list, updates: list, *, user, reason: str) -> bool:
        for instance in creates:
            close = closing.close_year(
                program=Program.objects.get(pk=instance.program_id),
                fiscal_year=instance.fiscal_year,
                funding_source=instance.funding_source,
                carried_out_explicit=instance.carried_out_explicit,
                carried_out_accident=instance.carried_out_accident,
                carried_out_continuing=instance.carried_out_continuing,
                closed_by=user,
                closed_on=instance.closed_on,
            )
            # The close and its carry-ins name the importing user in their history, as the
            # importer's own bulk writes do.
            history: dict[str, Any] = {"history_user": user, "history_change_reason": reason}
            YearEndClose.history.filter(id=close.pk).update(**history)
            BudgetAdjustment.history.filter(id__in=close.carry_ins.values("pk")).update(**history)
        return True  # updates never happen: a changed close is refused in validate
