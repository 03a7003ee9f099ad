"""Reading in a second thread while writing: the same rows, errors raised where they are used,
and nothing left running when the consumer stops early."""

import threading
import time

import pytest
from django.db import connection

from portfolio import selectors
from portfolio.models import BudgetLine
from reports.builders.overlap import Later, can_overlap, read_ahead
from tests import factories as f


def test_inside_a_transaction_everything_runs_in_line(hand_made):
    assert connection.in_atomic_block and not can_overlap()
    before = threading.active_count()
    rows = list(read_ahead(selectors.budget_line_ledger().rows))
    assert len(rows) == 8 and threading.active_count() == before
    assert Later(lambda: 42).get() == 42


@pytest.mark.django_db(transaction=True)
def test_rows_read_ahead_in_a_thread_are_the_same_rows(hand_made):
    assert can_overlap()
    expected = list(selectors.budget_line_ledger().rows)
    assert list(read_ahead(selectors.budget_line_ledger().rows, chunk=3, depth=1)) == expected
    assert Later(lambda: BudgetLine.objects.count()).get() == 9


@pytest.mark.django_db(transaction=True)
def test_an_error_while_reading_ahead_is_raised_to_the_consumer():
    def broken():
        yield (1,)
        raise RuntimeError("the database went away")

    rows = read_ahead(broken(), chunk=1)
    assert next(rows) == (1,)
    with pytest.raises(RuntimeError, match="went away"):
        next(rows)


@pytest.mark.django_db(transaction=True)
def test_a_consumer_that_stops_early_stops_the_reader():
    program = f.ProgramFactory()
    for year in range(2001, 2041):
        f.BudgetLineFactory(program=program, fiscal_year=year)
    rows = read_ahead(selectors.budget_line_ledger().rows, chunk=2, depth=1)
    next(rows)
    rows.close()  # e.g. the writer failed
    deadline = time.monotonic() + 5
    while any(thread.name == "report-rows" for thread in threading.enumerate()):
        assert time.monotonic() < deadline, "the reading thread did not stop"
        time.sleep(0.05)
