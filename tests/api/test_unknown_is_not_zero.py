"""A figure nobody entered is null (shown "–"), not 0; 0 is given only when 0 was entered or
computed from entered rows."""

import datetime

import pytest

from portfolio.models import BudgetStage, ExecutionKind
from tests.factories import BudgetLineFactory, ExecutionFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def cells(feed, code: str) -> dict:
    budget = feed.get(f"/api/v1/programs/{code}/").json()["budget"]
    return {cell["fiscal_year"]: cell for cell in budget}


def test_a_zero_budget_entered_is_0_and_a_budget_never_entered_is_null(feed):
    program = ProgramFactory(code="ZERO")
    BudgetLineFactory(program=program, fiscal_year=2025, stage=BudgetStage.ORIGINAL, amount=0)
    BudgetLineFactory(program=program, fiscal_year=2026, stage=BudgetStage.PLAN, amount=5)

    by_year = cells(feed, "ZERO")

    entered = by_year[2025]
    assert (entered["budget"]["value"], entered["budget"]["display_ko"]) == (0, "0원")
    assert (entered["planned"]["value"], entered["planned"]["display_ko"]) == (None, "–")
    assert (entered["executed"]["value"], entered["executed"]["display_ko"]) == (None, "–")
    plan_only = by_year[2026]
    assert (plan_only["planned"]["value"], plan_only["budget"]["value"]) == (5, None)


def test_a_commitment_makes_the_years_payments_known_as_0(feed):
    program = ProgramFactory(code="COMMIT")
    BudgetLineFactory(program=program, fiscal_year=2025, amount=100)
    ExecutionFactory(
        program=program,
        fiscal_year=2025,
        executed_on=datetime.date(2025, 3, 1),
        kind=ExecutionKind.COMMITMENT,
        amount=40,
    )
    [cell] = cells(feed, "COMMIT").values()
    assert (cell["budget"]["value"], cell["executed"]["value"]) == (100, 0)
    assert cell["execution_rate"]["value"] == 0.0
