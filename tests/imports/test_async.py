"""Large files are previewed and applied by a real Celery worker on Redis: the request makes the
ImportRun row and sends its id on commit; the worker fills status, progress and the result."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from imports.models import ImportRun
from portfolio.models import BudgetLine
from tests.factories import ProgramFactory
from tests.imports.conftest import BUDGET_HEADER, write_csv

pytestmark = pytest.mark.redis


def wait_for(run_id: int, timeout: float = 60) -> ImportRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ImportRun.objects.get(pk=run_id)
        if run.is_finished:
            return run
        time.sleep(0.2)
    pytest.fail(f"import run {run_id} did not finish: {ImportRun.objects.get(pk=run_id).status}")


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
def test_a_running_import_shows_live_progress_from_the_cache(office_staff, client):
    run = ImportRun.objects.create(
        kind="executions", original_name="big.xlsx", status="running", rows_total=None
    )
    cache.set(run.progress_key, (40_000, 100_000))
    assert run.progress() == (40_000, 100_000) and run.progress_percent() == 40
    client.force_login(office_staff)
    page = client.get(reverse("admin:imports_importrun_change", args=[run.pk])).content.decode()
    assert '<progress max="100" value="40">' in page
    assert 'http-equiv="refresh"' in page
