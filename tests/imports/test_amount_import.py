"""Imports read amounts as the admin does (portfolio.amounts): `5억` is 500,000,000 won."""

import pytest

from portfolio.models import BudgetLine
from tests.imports.conftest import BUDGET_HEADER, errors_of, run, write_xlsx

pytestmark = pytest.mark.django_db


def test_an_import_reads_5_eok_as_500_million_won(tmp_path, programs):
    rows = [BUDGET_HEADER, ["AX-VALLEY", 2026, "국비", "본예산", "5억", ""]]
    summary, results = run("budget-lines", write_xlsx(tmp_path / "eok.xlsx", rows))
    assert summary.written, errors_of(results)
    assert BudgetLine.objects.get().amount == 500_000_000


def test_an_import_refuses_an_amount_above_the_ceiling_and_writes_nothing(tmp_path, programs):
    rows = [BUDGET_HEADER, ["AX-VALLEY", 2026, "국비", "본예산", "1,001조", ""]]
    summary, results = run("budget-lines", write_xlsx(tmp_path / "huge.xlsx", rows))
    assert not summary.written
    assert any("금액은 1,000조원까지만 적을 수 있습니다." in message for message in errors_of(results))
    assert not BudgetLine.objects.exists()
