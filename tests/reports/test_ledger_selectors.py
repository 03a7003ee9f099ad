"""The selectors added for reports: budget by year, and the streamed listings."""

import datetime

import pytest

from portfolio import selectors
from portfolio.models import BudgetLine, Execution
from portfolio.selectors.ledger import known_sum


def test_budget_by_year_adds_up_the_year_and_source_cells(hand_made):
    by_year = {year.key: year for year in selectors.budget_by_year()}
    cells = selectors.budget_by_year_and_source()
    assert set(by_year) == {cell.fiscal_year for cell in cells}
    for year, totals in by_year.items():
        mine = [cell for cell in cells if cell.fiscal_year == year]
        assert totals.planned == known_sum(cell.planned for cell in mine)
        assert totals.budget == known_sum(cell.budget for cell in mine)
        assert totals.executed == known_sum(cell.executed for cell in mine)
    assert by_year[2025].budget == 5_500_000_000 + 2_000_000_000 + 700_000_000
    assert by_year[2025].execution_rate == selectors.execution_rate(
        by_year[2025].executed, by_year[2025].budget
    )


def test_budget_by_year_leaves_national_context_out_unless_asked(hand_made):
    city = {year.key: year.planned for year in selectors.budget_by_year()}
    everything = {year.key: year.planned for year in selectors.budget_by_year(include_national=True)}
    assert everything[2026] - city[2026] == 10_100_000_000_000


def test_budget_by_year_as_of_a_day_before_any_line_is_empty(hand_made):
    assert selectors.budget_by_year(as_of=datetime.date(2001, 1, 1)) == []


def test_the_execution_ledger_streams_every_execution_in_scope(hand_made, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        listing = selectors.execution_ledger()
        rows = list(listing.rows)
    assert listing.count == len(rows) == Execution.objects.count()
    assert listing.fields[0] == "executed_on" and rows == sorted(rows, key=lambda row: row[0])
    assert {row[1] for row in selectors.execution_ledger(root="H-B").rows} == {hand_made["beta"].pk}


def test_the_budget_line_ledger_follows_the_scope(hand_made):
    city = selectors.budget_line_ledger()
    assert city.count == BudgetLine.objects.exclude(program__is_national_context=True).count()
    everything = selectors.budget_line_ledger(include_national=True)
    assert everything.count == BudgetLine.objects.count()
    subtree = list(selectors.budget_line_ledger(root="H-A").rows)
    assert {row[0] for row in subtree} == {hand_made["alpha"].pk, hand_made["alpha_1"].pk}


def test_firm_and_source_listings(hand_made):
    scope = selectors.load_scope()
    firms = selectors.firms_for_scope(scope)
    assert firms.count == 2 and [row[0] for row in firms.rows] == ["가나다 주식회사", "라마바 AI"]
    assert [row[1] for row in selectors.sources_for_scope(scope).rows] == ["H1"]


def test_an_unknown_root_is_an_error(db):
    from portfolio.models import Program

    with pytest.raises(Program.DoesNotExist):
        selectors.execution_ledger(root="NOPE")
