"""Large files are previewed and applied by a real Celery worker on Redis: the request makes the
ImportRun row and sends its id on commit; the worker fills status, progress and the result."""

import pytest
from django.urls import reverse

from imports.models import ImportRun
from portfolio.models import BudgetLine
from tests.factories import ProgramFactory
from tests.imports.conftest import BUDGET_HEADER, write_csv
from tests.waiting import wait_until

pytestmark = pytest.mark.redis
NOBODY_LISTENS = "redis://127.0.0.1:1/0"


def wait_for(run_id: int, timeout: float = 60) -> ImportRun:
    return wait_until(
        lambda: (run := ImportRun.objects.get(pk=run_id)).is_finished and run,
        timeout,
        lambda: f"import run {run_id} did not finish: {ImportRun.objects.get(pk=run_id).status}",
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_file_is_previewed_and_applied_by_a_worker(
    client, superuser, celery_worker, settings, tmp_path
):
    settings.IMPORT_ASYNC_THRESHOLD_ROWS = 100
    ProgramFactory(code="AX-VALLEY")
    years = range(2000, 2100)
    rows = [BUDGET_HEADER[:5]] + [
        ["AX-VALLEY", year, source, "본예산", year] for year in years for source in ("국비", "시비", "민자")
    ]
    path = write_csv(tmp_path / "large.csv", rows)
    client.force_login(superuser)
    with path.open("rb") as handle:
        response = client.post(reverse("admin:portfolio_budgetline_import"), {"file": handle})
    preview_id = ImportRun.objects.get().pk
    assert response.url == reverse("admin:imports_importrun_change", args=[preview_id])
    preview = wait_for(preview_id)
    try:
        assert (preview.status, preview.new_rows, preview.rows_done, preview.rows_total) == (
            "previewed",
            300,
            300,
            300,
        )
        assert preview.attempts == 1
        assert BudgetLine.objects.count() == 0

        client.post(response.url, {"apply": "1"})
        applied = wait_for(ImportRun.objects.get(dry_run=False).pk)
        assert (applied.status, applied.new_rows) == ("applied", 300)
        assert BudgetLine.objects.count() == 300
        assert set(BudgetLine.history.values_list("history_user", flat=True)) == {superuser.pk}
        assert (
            "적용했습니다."
            in client.get(reverse("admin:imports_importrun_change", args=[applied.pk])).content.decode()
        )
    finally:
        preview.file.delete(save=False)


@pytest.mark.django_db
def test_a_running_import_shows_live_progress_from_its_row(office_staff, client):
    run = ImportRun.objects.create(
        kind="executions", original_name="big.xlsx", status="running", rows_done=40_000, rows_total=100_000
    )
    assert run.progress() == (40_000, 100_000) and run.progress_percent() == 40
    client.force_login(office_staff)
    page = client.get(reverse("admin:imports_importrun_change", args=[run.pk])).content.decode()
    assert '<progress max="100" value="40">' in page
    assert 'http-equiv="refresh"' in page


@pytest.fixture
def redis_down(settings):
    """Redis configured but not answering: cache, broker and queue all point at a closed port."""
    settings.REDIS_URL = settings.CELERY_BROKER_URL = NOBODY_LISTENS
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": NOBODY_LISTENS,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }


@pytest.mark.django_db
def test_with_redis_down_a_one_row_upload_is_imported_in_the_web_process(
    redis_down, client, office_staff, tmp_path, django_capture_on_commit_callbacks
):
    ProgramFactory(code="AX-VALLEY")
    path = write_csv(tmp_path / "one.csv", [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 5]])
    client.force_login(office_staff)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post(reverse("admin:portfolio_budgetline_import"), {"file": handle})
    assert response.status_code == 302, response.content[:500]
    preview = ImportRun.objects.get()
    assert (preview.status, preview.new_rows, preview.rows_done, preview.rows_total) == ("previewed", 1, 1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response.url, {"apply": "1"})
    assert response.status_code == 302, response.content[:500]
    applied = ImportRun.objects.get(dry_run=False)
    assert (applied.status, applied.new_rows) == ("applied", 1)
    assert list(BudgetLine.objects.values_list("amount", flat=True)) == [5]


@pytest.mark.django_db
def test_with_redis_down_the_page_of_a_running_import_still_answers(redis_down, client, office_staff):
    run = ImportRun.objects.create(
        kind="executions", original_name="big.xlsx", status="running", rows_done=10, rows_total=40
    )
    client.force_login(office_staff)
    response = client.get(reverse("admin:imports_importrun_change", args=[run.pk]))
    assert response.status_code == 200
    assert '<progress max="100" value="25">' in response.content.decode()
