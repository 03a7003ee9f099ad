"""Production settings pass Django's deploy checks, refuse to start without a secret, and
/healthz reports the database and the broker."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k" * 20 + "9Zq!x-Lp2@vT7#rB4$yN8&mC1*wE5^uJ3(",
        ALLOWED_HOSTS="ai.gwangju.go.kr",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_bad_boolean_is_an_error_naming_the_variable():
    result = manage("check", DEBUG="ture")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_the_office_works_in_korean_and_seoul_time(settings):
    assert settings.LANGUAGE_CODE == "ko-kr"
    assert settings.TIME_ZONE == "Asia/Seoul"
    assert [code for code, _ in settings.LANGUAGES] == ["ko", "en"]


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, settings, redis_url, celery_worker):
    settings.REDIS_URL = redis_url
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "ok"  # with a worker on the queue; without one it is degraded
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "mode": "celery"}
    assert body["workers"]["ok"] is True


@pytest.mark.django_db
def test_healthz_says_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # the web still serves; reports wait for the broker
    assert response.json()["status"] == "degraded"
    assert response.json()["broker"]["error"] == "Redis does not answer"


@pytest.mark.django_db
def test_healthz_answers_a_health_check_that_calls_by_address(client, settings):
    # Docker's HEALTHCHECK and load balancers call http://127.0.0.1:8000/healthz, a host that
    # production's ALLOWED_HOSTS does not list; every other page still refuses that host.
    settings.ALLOWED_HOSTS = ["ai.gwangju.go.kr"]
    settings.REDIS_URL = ""
    assert client.get("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/dashboard/", HTTP_HOST="127.0.0.1:8000").status_code == 400


@pytest.mark.django_db
def test_healthz_without_redis_configured_builds_in_process(client, settings):
    settings.REDIS_URL = ""
    assert client.get(reverse("healthz")).json()["broker"]["mode"] == "in-process"


def test_every_korean_message_is_translated():
    """No empty or fuzzy entries in any app's Korean catalogue (run `make messages` after
    adding a string, then translate it)."""
    for po in ROOT.glob("*/locale/ko/LC_MESSAGES/django.po"):
        text = po.read_text(encoding="utf-8")
        assert "#, fuzzy" not in text, po
        entries = text.split("\n\n")[1:]  # the first entry is the header
        # An empty translation is a msgstr "" with no continuation lines after it.
        untranslated = [e for e in entries if e.rstrip().endswith(('msgstr ""', 'msgstr[0] ""'))]
        assert not untranslated, f"{po}: {untranslated[:3]}"
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_size > 0, f"{mo} is missing: run `make messages`"


def test_no_two_apps_translate_the_same_message_differently():
    """Django merges the apps' catalogues and the first app wins, so a second, different
    translation of the same message would silently never show. Use a context (pgettext)
    where the meaning really differs."""
    import gettext

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for mo in sorted(ROOT.glob("*/locale/ko/LC_MESSAGES/django.mo")):
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog
        for msgid, msgstr in catalog.items():
            if not msgid:
                continue  # the header
            app, first = seen.setdefault(msgid, (mo.parts[-5], msgstr))
            if first != msgstr:
                clashes.append(f"{msgid!r}: {app} {first!r} ≠ {mo.parts[-5]} {msgstr!r}")
    assert not clashes, "\n".join(clashes)


def test_production_refuses_a_short_secret_key_naming_the_variable():
    result = manage("check", DEBUG="0", SECRET_KEY="x" * 49, ALLOWED_HOSTS="ai.gwangju.go.kr")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be at least 50 characters" in result.stderr
    assert "x" * 49 not in result.stderr  # the key itself is never printed


def test_production_refuses_a_wildcard_allowed_host_naming_the_variable():
    result = manage("check", DEBUG="0", SECRET_KEY="k" * 60, ALLOWED_HOSTS="ai.gwangju.go.kr,*")
    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS must name the site's hosts" in result.stderr


def test_development_still_starts_with_the_short_development_key():
    result = manage("check", DEBUG="1", ALLOWED_HOSTS="*")
    assert result.returncode == 0, result.stderr


@pytest.fixture
def database_down(transactional_db):
    """The next connection goes nowhere: PostgreSQL on a port where nothing listens, or SQLite in
    a folder that does not exist. Restored (and reconnected) before the test database is reset."""
    from django.db import connection

    key, value = (
        ("NAME", "/nonexistent-folder/db.sqlite3") if connection.vendor == "sqlite" else ("PORT", "1")
    )
    saved = connection.settings_dict[key]
    connection.close()
    connection.settings_dict[key] = value
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict[key] = saved


def test_healthz_says_down_without_the_drivers_text(client, settings, database_down, caplog):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert set(body["database"]) == {"ok", "vendor"}
    assert body["database"]["ok"] is False
    text = response.content.decode()
    for detail in ("127.0.0.1", "port", "nonexistent", "password", "role", "postgres@"):
        assert detail not in text
    assert "the database does not answer" in caplog.text  # the detail is in the log


@pytest.fixture
def logged_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("kim", password="-", is_staff=True))
    return client


def test_a_page_answers_503_with_retry_after_while_the_database_is_down(logged_in, database_down):
    response = logged_in.get("/dashboard/")  # the session and the user are read from the database
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "지금 데이터베이스가 응답하지 않습니다." in response.content.decode()


def test_the_api_answers_503_in_its_error_shape_while_the_database_is_down(client, database_down):
    response = client.get("/api/v1/programs/", HTTP_AUTHORIZATION="Token abc")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["errors"][0]["code"] == "database_unavailable"
