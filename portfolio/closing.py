"""The year-end close (결산 마감) of a program × fiscal year × funding source, and its reopening.

Staff give the amounts carried into the next year by kind; 불용액 is worked out, never typed. A
close writes its row and the matching carry-in adjustments of the next year in one transaction,
or nothing; reopening (a permission of its own) removes both again.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portfolio.display import won_ko
from portfolio.models import (
    AdjustmentKind,
    BudgetAdjustment,
    FundingSource,
    Program,
    YearEndClose,
)
from portfolio.selectors.ledger import LedgerCell, ledger

CARRY_KINDS = {
    "explicit": AdjustmentKind.CARRIED_EXPLICIT,
    "accident": AdjustmentKind.CARRIED_ACCIDENT,
    "continuing": AdjustmentKind.CARRIED_CONTINUING,
}


@dataclass(frozen=True)
class ClosePreview:
    """What closing a year would write: its ledger, the carry-overs and the 불용액 they leave."""

    program: Program
    fiscal_year: int
    funding_source: str
    cell: LedgerCell
    carried_out_explicit: int
    carried_out_accident: int
    carried_out_continuing: int

    @property
    def carried_out(self) -> int:
        return self.carried_out_explicit + self.carried_out_accident + self.carried_out_continuing

    @property
    def unused(self) -> int:
        # Closing a year states its figures: what nobody entered is none.
        return (self.cell.available or 0) - (self.cell.paid or 0) - self.carried_out

    def carry_ins(self) -> list[tuple[str, int]]:
        """(adjustment kind, amount) for each carry-in the next year gets."""
        amounts = {
            "explicit": self.carried_out_explicit,
            "accident": self.carried_out_accident,
            "continuing": self.carried_out_continuing,
        }
        return [(CARRY_KINDS[name], amount) for name, amount in amounts.items() if amount]


def _own_cell(program: Program, fiscal_year: int, funding_source: str) -> LedgerCell:
    """The program's own ledger cell (not its subtree's: a close is booked on one program)."""
    book = ledger(root=program.code, fiscal_year=fiscal_year, include_national=True)
    for cell in book.own.get(program.pk, []):
        if cell.funding_source == funding_source:
            return cell
    return LedgerCell(fiscal_year=fiscal_year, funding_source=funding_source)


def preview_close(
    *,
    program: Program,
    fiscal_year: int,
    funding_source: str,
    carried_out_explicit: int = 0,
    carried_out_accident: int = 0,
    carried_out_continuing: int = 0,
) -> ClosePreview:
    """Check a close without writing anything. Raises ValidationError naming each broken rule:
    불용액 would be negative; 사고이월 more than the commitments not yet paid (원인행위액 − 지출액);
    사고이월 more than 예산현액 less the year's own 사고이월 carry-in (재이월 금지)."""
    if funding_source not in FundingSource.values:
        raise ValidationError({"funding_source": _("Unknown funding source.")})
    amounts = {
        "carried_out_explicit": carried_out_explicit,
        "carried_out_accident": carried_out_accident,
        "carried_out_continuing": carried_out_continuing,
    }
    errors = {
        name: _("Amount must not be negative.")
        for name, amount in amounts.items()
        if amount is None or amount < 0
    }
    if errors:
        raise ValidationError(errors)
    if YearEndClose.objects.filter(
        program=program, fiscal_year=fiscal_year, funding_source=funding_source
    ).exists():
        raise ValidationError(_("This year is already closed for that program and funding source."))
    preview = ClosePreview(
        program, fiscal_year, funding_source, _own_cell(program, fiscal_year, funding_source), **amounts
    )
    cell = preview.cell
    unpaid = (cell.committed or 0) - (cell.paid or 0)
    accident_errors = []
    if carried_out_accident > unpaid:
        accident_errors.append(
            _(
                "사고이월 of %(amount)s is more than the commitments not yet paid "
                "(원인행위액 − 지출액 = %(unpaid)s)."
            )
            % {"amount": won_ko(carried_out_accident), "unpaid": won_ko(unpaid)}
        )
    may_carry = (cell.available or 0) - cell.carried_in_accident
    if carried_out_accident > may_carry:
        accident_errors.append(
            _(
                "사고이월 of %(amount)s is more than 예산현액 less this year's own 사고이월 carry-in "
                "(%(limit)s): money carried in by 사고이월 cannot go out by 사고이월 again (재이월 금지)."
            )
            % {"amount": won_ko(carried_out_accident), "limit": won_ko(may_carry)}
        )
    if accident_errors:
        errors["carried_out_accident"] = accident_errors
    if preview.unused < 0:
        errors["__all__"] = _(
            "불용액 would be negative (%(unused)s): 예산현액 %(available)s − 지출액 %(paid)s − "
            "다음연도 이월액 %(carried)s."
        ) % {
            "unused": won_ko(preview.unused),
            "available": won_ko(cell.available or 0),
            "paid": won_ko(cell.paid or 0),
            "carried": won_ko(preview.carried_out),
        }
    if errors:
        raise ValidationError(errors)
    return preview


@transaction.atomic
def close_year(
    *,
    program: Program,
    fiscal_year: int,
    funding_source: str,
    carried_out_explicit: int = 0,
    carried_out_accident: int = 0,
    carried_out_continuing: int = 0,
    closed_by: AbstractBaseUser | None = None,
    closed_on: datetime.date | None = None,
    note: str = "",
) -> YearEndClose:
    """Close a year: record the carry-overs and give the next year its carry-in adjustments, all
    in one transaction. Raises ValidationError (nothing written) when a rule is broken."""
    Program.objects.select_for_update().filter(pk=program.pk).first()  # one close at a time per program
    preview = preview_close(
        program=program,
        fiscal_year=fiscal_year,
        funding_source=funding_source,
        carried_out_explicit=carried_out_explicit,
        carried_out_accident=carried_out_accident,
        carried_out_continuing=carried_out_continuing,
    )
    close = YearEndClose(
        program=program,
        fiscal_year=fiscal_year,
        funding_source=funding_source,
        carried_out_explicit=carried_out_explicit,
        carried_out_accident=carried_out_accident,
        carried_out_continuing=carried_out_continuing,
        closed_on=closed_on or timezone.localdate(),
        closed_by=closed_by,
        note=note,
    )
    close.full_clean()
    close.save()
    basis = _("Year-end close of %(year)s") % {"year": fiscal_year}
    for kind, amount in preview.carry_ins():
        carry_in = BudgetAdjustment(
            program=program,
            fiscal_year=fiscal_year + 1,
            funding_source=funding_source,
            kind=kind,
            amount=amount,
            adjusted_on=datetime.date(fiscal_year + 1, 1, 1),
            basis=basis,
            made_by_close=close,
        )
        carry_in.full_clean()
        carry_in.save()
    return close


@transaction.atomic
def reopen_year(*, close: YearEndClose, user: AbstractBaseUser | None, reason: str) -> None:
    """Reopen a close: remove it and the carry-ins it gave the next year. Needs the
    portfolio.reopen_yearendclose permission and a reason (kept in the history)."""
    if user is not None and not user.has_perm("portfolio.reopen_yearendclose"):
        raise PermissionDenied(_("Reopening a year-end close needs the permission to reopen closes."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the close is reopened.")})
    close = YearEndClose.objects.select_for_update().get(pk=close.pk)
    next_close = YearEndClose.objects.filter(
        program_id=close.program_id, fiscal_year=close.fiscal_year + 1, funding_source=close.funding_source
    ).first()
    if next_close is not None and close.carried_out:
        raise ValidationError(
            _("Fiscal year %(year)s is closed too and holds this close's carry-ins: reopen it first.")
            % {"year": close.fiscal_year + 1}
        )
    for carry_in in close.carry_ins.all():
        _delete_with_reason(carry_in, reason)
    _delete_with_reason(close, reason)


def _delete_with_reason(obj: YearEndClose | BudgetAdjustment, reason: str) -> None:
    """Delete a row and write why on the history record of its deletion."""
    pk = obj.pk
    obj.delete()
    record = type(obj).history.filter(id=pk, history_type="-").order_by("-history_id").first()
    if record is not None:
        record.history_change_reason = reason[:100]  # the history table's column width
        record.save(update_fields=["history_change_reason"])
