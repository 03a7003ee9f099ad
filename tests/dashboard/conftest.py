"""Fixtures for the dashboard's tests: logged-in clients and a synthetic portfolio."""

import os

import pytest
from django.core.management import call_command

PASSWORD = "pw-for-tests-only"  # as tests/conftest.py's make_user sets


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def synthetic(programs: int, lines: int | None = None) -> None:
    """`synth` as the benchmarks run it, quietly and without history rows."""
    lines = programs * 10 if lines is None else lines
    call_command("synth", programs=programs, lines=lines, no_history=True, stdout=open(os.devnull, "w"))
