"""Writes to the portfolio. Every write validates the whole row (full_clean) inside a
transaction, so bad input raises ValidationError naming the field and nothing is saved."""

import datetime
import enum
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.utils.translation import gettext as _

from portfolio.models import (
    BudgetLine,
    Evidence,
    Execution,
    Indicator,
    IndicatorPart,
    IndicatorReading,
    Program,
    ReadingPart,
    Source,
)
from portfolio.models.breakdowns import parts_mismatch

M = TypeVar("M", bound=models.Model)


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@transaction.atomic
def sync_record(model: type[M], *, lookup: dict[str, Any], values: dict[str, Any]) -> tuple[M, Outcome]:
    """Create the row `lookup` names, or bring it to `values`; save only when something differs,
    so running the same load twice writes nothing and adds no history."""
    obj = model._default_manager.select_for_update().filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj, Outcome.CREATED
    changed = [name for name, value in values.items() if _field_value(obj, name) != value]
    if not changed:
        return obj, Outcome.UNCHANGED
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean()
    obj.save()
    return obj, Outcome.UPDATED


def _field_value(obj: models.Model, name: str) -> Any:
    # Compare foreign keys by id so an unsaved-vs-fetched instance does not look different.
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname)
    return getattr(obj, name)


def _normalise_relations(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """Turn related objects into ids so `sync_record` compares like with like."""
    result = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        if field.is_relation and isinstance(value, models.Model):
            result[field.attname] = value.pk
        else:
            result[name] = value
    return result


def sync(model: type[M], *, lookup: dict[str, Any], **values: Any) -> tuple[M, Outcome]:
    return sync_record(
        model, lookup=_normalise_relations(model, lookup), values=_normalise_relations(model, values)
    )


def set_budget_line(
    *,
    program: Program,
    fiscal_year: int,
    funding_source: str,
    stage: int,
    amount: int,
    source: Source | None = None,
    note: str = "",
) -> tuple[BudgetLine, Outcome]:
    """Set the amount of one budget line (program × year × source × stage)."""
    return sync(
        BudgetLine,
        lookup={
            "program": program,
            "fiscal_year": fiscal_year,
            "funding_source": funding_source,
            "stage": stage,
        },
        amount=amount,
        source=source,
        note=note,
    )


@transaction.atomic
def record_execution(
    *,
    program: Program,
    executed_on: datetime.date,
    funding_source: str,
    amount: int,
    description: str = "",
    reference: str = "",
    source: Source | None = None,
) -> Execution:
    execution = Execution(
        program=program,
        executed_on=executed_on,
        funding_source=funding_source,
        amount=amount,
        description=description,
        reference=reference,
        source=source,
    )
    execution.full_clean()
    execution.save()
    return execution


def record_reading(
    *,
    indicator: Indicator,
    period: datetime.date,
    value: Decimal,
    source: Source | None = None,
    note: str = "",
) -> tuple[IndicatorReading, Outcome]:
    """Record (or correct) the indicator's figure for one period."""
    return sync(
        IndicatorReading,
        lookup={"indicator": indicator, "period": period},
        value=value,
        source=source,
        note=note,
    )


@transaction.atomic
def set_reading_parts(*, reading: IndicatorReading, values: dict[str, Decimal]) -> list[ReadingPart]:
    """Split a reading by its indicator's breakdown: `values` maps a part's Korean name to its
    value and replaces the reading's parts; an empty dict removes the split. Refused, with
    nothing changed, when a name is not a part of the indicator or the values do not add up."""
    reading = IndicatorReading.objects.select_for_update().get(pk=reading.pk)
    parts = {part.name_ko: part for part in IndicatorPart.objects.filter(indicator=reading.indicator_id)}
    unknown = sorted(set(values) - set(parts))
    if unknown:
        raise ValidationError(
            {
                "part": _("%(names)s: not a part of the breakdown of %(indicator)s.")
                % {"names": ", ".join(unknown), "indicator": reading.indicator}
            }
        )
    error = parts_mismatch(reading.value, list(values.values()))
    if error is not None:
        raise ValidationError({"value": error})
    ReadingPart.objects.filter(reading=reading).exclude(part__name_ko__in=values).delete()
    stored = {row.part_id: row for row in ReadingPart.objects.filter(reading=reading)}
    result = []
    for name, value in values.items():
        row = stored.get(parts[name].pk) or ReadingPart(reading=reading, part=parts[name])
        if row.pk is None or row.value != value:
            row.value = value
            row.full_clean()
            row.save()
        result.append(row)
    return result


@transaction.atomic
def attach_evidence(
    *,
    file: File,
    uploaded_by: AbstractBaseUser | None,
    reading: IndicatorReading | None = None,
    execution: Execution | None = None,
    source: Source | None = None,
    description: str = "",
) -> Evidence:
    """Keep a file as evidence of one reading, execution or source. Refused (ValidationError, no
    row, no file stored) when it is too large, not an accepted kind, or not what its name says."""
    evidence = Evidence(
        file=file,
        reading=reading,
        execution=execution,
        source=source,
        description=description,
        uploaded_by_id=uploaded_by.pk if uploaded_by is not None else None,
    )
    evidence.full_clean(exclude=Evidence.FILLED_ON_SAVE)
    evidence.save()
    return evidence


def check_evidence_before_submit(reading: IndicatorReading) -> None:
    """Refuse to submit a reading of an indicator that requires evidence while it has none.
    The submit action calls this before it changes anything. One query, two without the
    indicator loaded."""
    if reading.indicator.evidence_required and not reading.evidence.exists():
        raise ValidationError(
            _(
                "%(indicator)s requires evidence: attach a file (PDF, HWP, image or spreadsheet) "
                "to the reading of %(period)s before submitting it."
            )
            % {"indicator": reading.indicator, "period": f"{reading.period:%Y-%m-%d}"},
            code="evidence_required",
        )
