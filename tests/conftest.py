"""Fixtures shared by every test: services, users by role, and a fast local cache.

Tests about PostgreSQL or Redis use the real servers. When one is missing they are skipped
with the reason, unless REQUIRE_SERVICES=1 (as in CI), which makes a missing service a failure.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group

from config.health import redis_answers
from portfolio.roles import MANAGERS, OFFICE_STAFF

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def missing_service(reason: str) -> None:
    """Skip for a developer without the service; fail in CI where it must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """Tests get a private in-memory cache; tests about Redis ask for `redis_url`."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def redis_url() -> str:
    url = django_settings.REDIS_URL or "redis://localhost:6379/0"
    if not redis_answers(url):
        missing_service(f"Redis does not answer at {url}")
    return url


@pytest.fixture(autouse=True)
def _postgres_marker(request):
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            missing_service("needs PostgreSQL: set DATABASE_URL=postgres://…")


def make_user(django_user_model, username: str, *, group: str | None = None, superuser: bool = False):
    user = django_user_model.objects.create_user(
        username=username, password="pw-for-tests-only", is_staff=True, is_superuser=superuser
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def office_staff(db, django_user_model):
    return make_user(django_user_model, "staff", group=OFFICE_STAFF)


@pytest.fixture
def manager(db, django_user_model):
    return make_user(django_user_model, "manager", group=MANAGERS)


@pytest.fixture
def superuser(db, django_user_model):
    return make_user(django_user_model, "root", superuser=True)


@pytest.fixture
def gwangju(db):
    """The real dataset, loaded by its command."""
    from django.core.management import call_command

    call_command("load_gwangju", stdout=open(os.devnull, "w"))
