"""An amount typed as people say it, in a real browser: `5억` in the budget-line form reads
"5억원" beside the box while typing and is saved as 500,000,000 won. The screenshot at
1366×768 is kept in docs/screens/ for people to look at.

Skipped, saying why, where Chromium is missing; a failure instead with REQUIRE_SERVICES=1.
"""

from pathlib import Path

import pytest
from django.conf import settings

from portfolio.models import BudgetLine
from tests.dashboard import conftest as browser_fixtures
from tests.dashboard.conftest import log_in
from tests.factories import ProgramFactory

browser = browser_fixtures.browser
open_page = browser_fixtures.open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SCREENS = Path(settings.BASE_DIR) / "docs" / "screens"


def test_typing_5_eok_reads_5_eok_won_and_saves_500_million(open_page, office_staff):
    program = ProgramFactory(code="AX-VALLEY", name_ko="AX 실증밸리")
    page = open_page(width=1366, height=768)
    log_in(page, "staff")
    page.goto(f"/admin/portfolio/budgetline/add/?program={program.pk}")
    page.get_by_label("회계연도").fill("2026")
    page.get_by_label("재원").select_option("city")
    page.get_by_label("예산 단계").select_option("2")
    amount = page.locator("#id_amount")
    reading = page.locator("output.amount-reading")

    amount.press_sequentially("600000000000")
    assert reading.inner_text() == "6,000억원"
    amount.fill("")
    amount.press_sequentially("5억")
    assert reading.inner_text() == "5억원"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / "budget-line-add-5eok.png")

    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/portfolio/budgetline/")
    assert BudgetLine.objects.get().amount == 500_000_000
