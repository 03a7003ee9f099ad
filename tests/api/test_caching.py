"""ETag and Last-Modified on every GET, 304 on a conditional GET, and a data version that moves on
after every committed write (admin, services, bulk imports, `synth`, another process), at the
start of every server process and by command, so the very next request shows the write."""

import datetime
import uuid
from io import StringIO

import pytest
import redis
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

from api import caching
from api.caching import VERSION_KEY
from portfolio.models import Milestone, Program
from portfolio.services import sync
from tests.api.conftest import prefixed_redis_cache
from tests.imports.conftest import BUDGET_HEADER, write_csv

pytestmark = pytest.mark.django_db

SEOUL = datetime.timezone(datetime.timedelta(hours=9))

ENDPOINTS = [
    "/api/v1/programs/",
    "/api/v1/programs/AX-VALLEY/",
    "/api/v1/milestones/",
    "/api/v1/indicators/",
    "/api/v1/briefing/",
]


def data_version():
    return cache.get(VERSION_KEY)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_get_has_an_etag_and_last_modified_and_a_match_answers_304(
    gwangju_feed, url, django_assert_num_queries
):
    first = gwangju_feed.get(url)
    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and last_modified.endswith("GMT")
    assert first["Cache-Control"] == "private, no-cache"
    assert "Accept-Language" in first["Vary"] and "Authorization" in first["Vary"]
    with django_assert_num_queries(0):  # the token's lookup is kept, and no data is read
        again = gwangju_feed.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert gwangju_feed.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert gwangju_feed.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_etag_differs_by_parameters_and_language(gwangju_feed):
    etags = {
        gwangju_feed.get("/api/v1/briefing/")["ETag"],
        gwangju_feed.get("/api/v1/briefing/", {"program": "AX-VALLEY"})["ETag"],
        gwangju_feed.get("/api/v1/briefing/", HTTP_ACCEPT_LANGUAGE="en")["ETag"],
    }
    assert len(etags) == 3
    lists = [gwangju_feed.get("/api/v1/programs/", params)["ETag"] for params in ({}, {"level": "program"})]
    assert lists[0] != lists[1]


def test_a_wildcard_or_a_date_matches_only_what_exists(gwangju_feed):
    feed, later = gwangju_feed, "Fri, 01 Jan 2100 00:00:00 GMT"
    assert feed.get("/api/v1/programs/AX-VALLEY/", HTTP_IF_NONE_MATCH="*").status_code == 304
    assert feed.get("/api/v1/programs/NOPE/", HTTP_IF_NONE_MATCH="*").status_code == 404
    assert feed.get("/api/v1/programs/NOPE/", HTTP_IF_MODIFIED_SINCE=later).status_code == 404
    assert feed.get("/api/v1/programs/", {"page": 9}, HTTP_IF_NONE_MATCH="*").status_code == 404
    assert feed.get("/api/v1/briefing/").status_code == 200  # cached now
    assert feed.get("/api/v1/briefing/", HTTP_IF_NONE_MATCH="*").status_code == 304
    future = feed.get("/api/v1/briefing/", {"as_of": "2099-01-01"}, HTTP_IF_NONE_MATCH="*")
    assert future.status_code == 400
    assert feed.get("/api/v1/briefing/", {"x": "1"}, HTTP_IF_NONE_MATCH="*").status_code == 400


def test_a_conditional_get_still_needs_a_token(gwangju_feed):
    from rest_framework.test import APIClient

    etag = gwangju_feed.get("/api/v1/briefing/")["ETag"]
    assert APIClient().get("/api/v1/briefing/", HTTP_IF_NONE_MATCH=etag).status_code == 401


def test_a_service_write_shows_in_the_very_next_request(gwangju_feed, django_capture_on_commit_callbacks):
    before = gwangju_feed.get("/api/v1/briefing/")
    with django_capture_on_commit_callbacks(execute=True):
        sync(Program, lookup={"code": "AX-VALLEY"}, total_cost=700_000_000_000)
    after = gwangju_feed.get("/api/v1/briefing/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json()["headline"]["total_cost"]["display_ko"] == "7,000억원"


def test_an_admin_save_shows_in_the_very_next_request(
    gwangju_feed, superuser, client, django_capture_on_commit_callbacks
):
    def titles():
        return [row["title_en"] for row in gwangju_feed.get("/api/v1/milestones/").json()["results"]]

    milestone = Milestone.objects.filter(program__code="AX-VALLEY").first()
    assert "Valley launch, renamed" not in titles()
    client.force_login(superuser)
    page = client.get(f"/admin/portfolio/milestone/{milestone.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data["title_en"] = "Valley launch, renamed"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/portfolio/milestone/{milestone.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "Valley launch, renamed" in titles()


def test_a_bulk_import_shows_in_the_very_next_request(
    gwangju_feed, tmp_path, django_capture_on_commit_callbacks
):
    def national_2026_budget():
        query = {"program": "AX-VALLEY", "fiscal_year": 2026}  # the frozen day is in fiscal 2025
        rows = gwangju_feed.get("/api/v1/briefing/", query).json()["budget_by_source"]
        return {row["funding_source"]: row["budget"]["value"] for row in rows}.get("national")

    before = national_2026_budget()
    path = write_csv(tmp_path / "b.csv", [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", "1,000"]])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_data", "budget-lines", str(path), stdout=StringIO())
    assert (before, national_2026_budget()) == (None, 1000)


def test_a_write_in_another_process_shows_in_the_very_next_request(gwangju_feed):
    first = gwangju_feed.get("/api/v1/briefing/")
    # Another process committed a write and moved the shared version on (no signal here).
    Program.objects.filter(code="AX-VALLEY").update(total_cost=700_000_000_000)
    cache.set(VERSION_KEY, caching.Version(data_version()).number + 10**9, timeout=None)
    second = gwangju_feed.get("/api/v1/briefing/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second.json()["headline"]["total_cost"]["display_ko"] == "7,000억원"


def test_synth_moves_the_version(gwangju, django_capture_on_commit_callbacks):
    version = data_version()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("synth", programs=5, lines=20, stdout=StringIO())
    assert data_version() not in (None, version)


def test_a_transaction_bumps_the_version_once_however_many_rows(
    gwangju, monkeypatch, django_capture_on_commit_callbacks
):
    bumps = []
    monkeypatch.setattr(caching, "bump", lambda: bumps.append("bump"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for program in Program.objects.all()[:5]:
                program.save()
    assert len(callbacks) >= 5  # one per row saved (and per history row)...
    assert bumps == ["bump"]  # ...and one write to the cache


def test_a_rolled_back_write_does_not_move_the_version(gwangju, django_capture_on_commit_callbacks):
    version = data_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                sync(Program, lookup={"code": "NAIRI"}, sort_order=99)
                raise RuntimeError("abandon")
        except RuntimeError:
            pass
    assert callbacks == []
    assert data_version() == version


def test_reads_do_not_move_the_version(gwangju_feed):
    gwangju_feed.get("/api/v1/programs/")
    version = data_version()
    for url in ENDPOINTS:
        gwangju_feed.get(url)
    assert data_version() == version


def test_a_process_start_moves_the_version_and_cached_answers_are_rebuilt(gwangju_feed):
    """After a restore the database may hold older data than the cache: a web or worker start
    (config/wsgi.py, config/celery.py) and `bump_data_version` make every answer be built again."""
    first = gwangju_feed.get("/api/v1/programs/AX-VALLEY/")
    # What a restore does: the data changes and nothing in the app hears of it.
    Program.objects.filter(code="AX-VALLEY").update(name_en="Restored name")
    assert gwangju_feed.get("/api/v1/programs/AX-VALLEY/").json()["name_en"] != "Restored name"
    version = data_version()
    caching.on_process_start()
    assert data_version() != version
    again = gwangju_feed.get("/api/v1/programs/AX-VALLEY/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again.json()["name_en"] == "Restored name"


def test_the_command_moves_the_version(gwangju):
    version = caching.current_version().number
    out = StringIO()
    call_command("bump_data_version", stdout=out)
    assert data_version() != version
    assert out.getvalue().strip() == f"Data version: {data_version()}"


def test_a_web_or_worker_start_calls_the_hook(monkeypatch):
    import gc
    import importlib

    from celery.signals import worker_ready

    import config.celery
    import config.wsgi

    starts = []
    monkeypatch.setattr(caching, "on_process_start", lambda: starts.append("start"))
    monkeypatch.setattr(gc, "freeze", lambda: None)
    importlib.reload(config.wsgi)  # what a server process does when it starts
    assert starts == ["start"]
    assert config.celery._forget_cached_answers in [ref() for _, ref in worker_ready.receivers]
    config.celery._forget_cached_answers()
    assert starts == ["start", "start"]


@pytest.mark.redis
def test_the_briefing_is_cached_in_redis_by_data_version(
    redis_cache, gwangju_feed, redis_url, django_assert_num_queries
):
    first = gwangju_feed.get("/api/v1/briefing/")
    version = redis_cache.get(VERSION_KEY)
    raw = redis.Redis.from_url(redis_url)
    assert len(list(raw.scan_iter(redis_cache.make_key("api:answer:*", version=version)))) == 1
    caching.forget_local()  # as another process would be
    with django_assert_num_queries(3):  # the token and its user, the user's and groups' permissions
        second = gwangju_feed.get("/api/v1/briefing/")
    assert second.content == first.content
    with django_assert_num_queries(0):
        assert gwangju_feed.get("/api/v1/briefing/").content == first.content


@pytest.mark.redis
@pytest.mark.parametrize("conditional", [False, True])
def test_a_cached_answer_costs_one_round_trip_to_redis(redis_cache, gwangju_feed, monkeypatch, conditional):
    """The data version read and the token's throttle counter incremented in one pipeline: one
    write to Redis's socket and one answer (the answer and the token's lookup come from the
    process's copies)."""
    first = gwangju_feed.get("/api/v1/briefing/")
    sent: list[bytes] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def send_packed_command(connection, command, *args, **kwargs):
        sent.append(b"".join(command) if isinstance(command, list) else command)
        return original(connection, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send_packed_command)
    headers = {"HTTP_IF_NONE_MATCH": first["ETag"]} if conditional else {}
    response = gwangju_feed.get("/api/v1/briefing/", **headers)
    assert response.status_code == (304 if conditional else 200)
    assert len(sent) == 1
    assert [word in sent[0] for word in (b"GET", b"INCR", b"EXPIRE")] == [True, True, True]


@pytest.mark.redis
def test_the_throttle_counts_in_one_redis_counter_per_token_and_period(
    redis_cache, redis_url, gwangju_feed, settings
):
    settings.API_THROTTLE_RATE = "5/min"
    statuses = [gwangju_feed.get("/api/v1/briefing/").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    raw = redis.Redis.from_url(redis_url)
    (counter,) = raw.scan_iter(match=f"{redis_cache.key_prefix}:*throttle_token*")
    assert int(raw.get(counter)) == 7  # refused requests are counted too; the period ends all the same
    assert 60 < raw.ttl(counter) <= 120


@pytest.mark.redis
def test_the_redis_fixture_deletes_its_own_keys_and_nothing_else(settings, redis_url):
    raw = redis.Redis.from_url(redis_url)
    outside = f"not-the-tests-{uuid.uuid4().hex}"  # say, the Celery broker's queue
    raw.set(outside, "broker data", ex=60)
    try:
        with prefixed_redis_cache(settings, redis_url) as redis_cache:
            redis_cache.set("mine", 1)
            mine = redis_cache.make_key("mine")
            assert raw.exists(outside) and raw.exists(mine)
        assert raw.exists(outside)
        assert not raw.exists(mine)
    finally:
        raw.delete(outside)


@pytest.mark.redis
def test_throttling_with_redis_answers_429(redis_cache, gwangju_feed, settings):
    settings.API_THROTTLE_RATE = "2/min"
    assert [gwangju_feed.get("/api/v1/briefing/").status_code for _ in range(3)] == [200, 200, 429]


CLOSED_PORT_CACHE = {
    "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
}


def test_without_a_cache_the_feed_still_answers_from_the_database(gwangju_feed, settings, caplog):
    settings.CACHES = CLOSED_PORT_CACHE  # a Redis address where nothing listens
    for url in ENDPOINTS:
        response = gwangju_feed.get(url)
        assert response.status_code == 200, url
        assert response["ETag"] and response["Last-Modified"]
    assert gwangju_feed.get("/api/v1/briefing/").json()["headline"]["jobs"]["value"] == 650
    assert "Cache unavailable" in caplog.text


def test_without_a_cache_writes_still_succeed(gwangju, settings, caplog, django_capture_on_commit_callbacks):
    settings.CACHES = CLOSED_PORT_CACHE
    with django_capture_on_commit_callbacks(execute=True):
        sync(Program, lookup={"code": "AX-VALLEY"}, total_cost=700_000_000_000)
    assert Program.objects.get(code="AX-VALLEY").total_cost == 700_000_000_000
    assert "could not move the API's data version on" in caplog.text


def test_last_modified_moves_on_at_midnight_even_without_a_write(gwangju, feed):
    import time_machine

    with time_machine.travel(datetime.datetime(2025, 10, 24, 23, 0, tzinfo=SEOUL), tick=False):
        evening = feed.get("/api/v1/briefing/")
    with time_machine.travel(datetime.datetime(2025, 10, 25, 0, 30, tzinfo=SEOUL), tick=False):
        morning = feed.get("/api/v1/briefing/", HTTP_IF_MODIFIED_SINCE=evening["Last-Modified"])
    assert morning.status_code == 200  # overdue flags are computed for the new day
    assert morning["Last-Modified"] == "Fri, 24 Oct 2025 15:00:00 GMT"  # 00:00 in Seoul
    assert morning["ETag"] != evening["ETag"]
