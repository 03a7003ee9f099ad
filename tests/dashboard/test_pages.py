"""How a page is put together: the tree table's depth and what it leaves to the program pages."""

import pytest

from dashboard.pages import dashboard_page, tree_rows
from portfolio import selectors
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """ROOT ─┬─ A ─┬─ A1
          │     └─ A2
          └─ B ── B1 ── B11
    OTHER"""
    root = ProgramFactory(code="ROOT", kind="portfolio", sort_order=1)
    a = ProgramFactory(code="A", parent=root, sort_order=1)
    ProgramFactory(code="A1", parent=a, kind="project")
    ProgramFactory(code="A2", parent=a, kind="project")
    b = ProgramFactory(code="B", parent=root, sort_order=2)
    b1 = ProgramFactory(code="B1", parent=b, kind="project")
    ProgramFactory(code="B11", parent=b1, kind="project")
    ProgramFactory(code="OTHER", kind="portfolio", sort_order=2)


def shown(rows) -> list[tuple[str, int]]:
    return [(row.program.code, row.hidden_below) for row in rows]


def test_the_table_shows_two_levels_and_counts_what_lies_below(tree):
    rows = tree_rows(selectors.program_totals())
    assert shown(rows) == [("ROOT", 0), ("A", 2), ("B", 2), ("OTHER", 0)]


def test_a_program_page_shows_the_program_and_its_children(tree):
    rows = tree_rows(selectors.program_totals(root="B"))
    assert shown(rows) == [("B", 0), ("B1", 1)]


def test_a_program_page_knows_where_the_program_sits(tree):
    page = dashboard_page(code="B1")
    assert [node.code for node in page.ancestors] == ["ROOT", "B"]
    assert page.root.code == "B1" and page.root.depth == 2  # its depth in the whole tree
    assert [row.program.code for row in page.tree] == ["B1", "B11"]
