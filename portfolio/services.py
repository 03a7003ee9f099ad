"""Writes to the portfolio. Every write validates the whole row (full_clean) inside a
transaction, so bad input raises ValidationError naming the field and nothing is saved."""

import datetime
import enum
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction

from portfolio.models import BudgetLine, Execution, Indicator, IndicatorReading, Program, Source

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
