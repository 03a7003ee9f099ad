"""The office imports in the admin: download the template, upload, preview row by row, apply;
export gives a file that imports back unchanged; managers can look but never import."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportRun
from imports.resources import RESOURCES
from portfolio.models import BudgetLine, Execution, Indicator, Program
from tests.factories import (
    BudgetLineFactory,
    ExecutionFactory,
    FirmFactory,
    MilestoneFactory,
    ReadingFactory,
    SourceFactory,
)
from tests.imports.conftest import BUDGET_HEADER, snapshot, write_xlsx, xlsx_with_one_cell

pytestmark = pytest.mark.django_db
ADMIN_URL = {
    "budget-lines": "budgetline",
    "executions": "execution",
    "milestones": "milestone",
    "indicator-readings": "indicatorreading",
    "firms": "firm",
}


def url(kind: str, view: str) -> str:
    return reverse(f"admin:portfolio_{ADMIN_URL[kind]}_{view}")


def upload(client, kind: str, path, name: str = "예산.xlsx"):
    with open(path, "rb") as handle:
        return client.post(url(kind, "import"), {"file": SimpleUploadedFile(name, handle.read())})


def test_office_staff_preview_then_apply_an_import(client, office_staff, programs, tmp_path):
    client.force_login(office_staff)
    BudgetLineFactory(program=programs["ax"], fiscal_year=2026, funding_source="city", stage=2, amount=5)
    rows = [
        BUDGET_HEADER[:5],
        ["AX-VALLEY", 2026, "국비", "본예산", "1,000원"],
        ["AX-VALLEY", 2026, "시비", "본예산", 7],
    ]
    response = upload(client, "budget-lines", write_xlsx(tmp_path / "a.xlsx", rows))
    preview = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "admin:imports_importrun_change", args=[preview.pk]
    )
    assert (preview.status, preview.dry_run, preview.new_rows, preview.changed_rows) == (
        "previewed",
        True,
        1,
        1,
    )
    assert BudgetLine.objects.count() == 1  # a preview writes nothing

    page = client.get(response.url).content.decode()
    assert "새로 추가 (1)" in page and "변경 (1)" in page
    assert "금액(원): 5 → 7" in page
    assert 'name="apply"' in page

    response = client.post(response.url, {"apply": "1"})
    applied = ImportRun.objects.get(dry_run=False)
    assert response.url == reverse("admin:imports_importrun_change", args=[applied.pk])
    assert (applied.status, applied.preview, applied.created_by) == ("applied", preview, office_staff)
    assert sorted(BudgetLine.objects.values_list("funding_source", "amount")) == [
        ("city", 7),
        ("national", 1000),
    ]
    assert {h.history_user for h in BudgetLine.history.filter(history_type__in="+~").exclude(amount=5)} == {
        office_staff
    }
    assert "적용했습니다." in client.get(response.url).content.decode()


def test_applying_a_preview_over_a_line_a_manager_changed_since_shows_who_changed_what(
    client, office_staff, superuser, programs, tmp_path
):
    line = BudgetLineFactory(
        program=programs["ax"], fiscal_year=2026, funding_source="city", stage=2, amount=5
    )
    client.force_login(office_staff)
    rows = [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "시비", "본예산", 7]]
    preview_url = upload(client, "budget-lines", write_xlsx(tmp_path / "a.xlsx", rows)).url

    client.force_login(superuser)  # someone else saves the line in the admin meanwhile
    change = reverse("admin:portfolio_budgetline_change", args=[line.pk])
    form = client.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(program=line.program_id, amount=9)
    assert client.post(change, data).status_code == 302, client.post(change, data).context["errors"]

    client.force_login(office_staff)
    page = client.post(preview_url, {"apply": "1"}, follow=True).content.decode()
    applied = ImportRun.objects.get(dry_run=False)
    assert applied.status == "rejected"
    assert "미리보기 뒤에 바뀐 행이 1개 있어 아무것도 저장하지 않았습니다" in page
    assert "금액(원) 5 → 9, " in page and f"{superuser.username} 변경" in page
    line.refresh_from_db()
    assert line.amount == 9


def test_a_preview_with_errors_cannot_be_applied(client, office_staff, programs, tmp_path):
    client.force_login(office_staff)
    rows = [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 1], ["NOPE", 2026, "국비", "본예산", 1]]
    response = upload(client, "budget-lines", write_xlsx(tmp_path / "a.xlsx", rows))
    run = ImportRun.objects.get()
    assert run.status == "rejected"
    page = client.get(response.url).content.decode()
    assert "사업코드: 사업코드 ‘NOPE’인 사업이 없습니다." in page
    assert 'name="apply"' not in page
    client.post(response.url, {"apply": "1"})
    assert ImportRun.objects.count() == 1 and BudgetLine.objects.count() == 0


def test_managers_cannot_import(client, manager, programs, tmp_path):
    client.force_login(manager)
    before = snapshot()
    assert client.get(url("budget-lines", "import")).status_code == 403
    rows = [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 1]]
    assert upload(client, "budget-lines", write_xlsx(tmp_path / "a.xlsx", rows)).status_code == 403
    page = client.get(url("budget-lines", "changelist")).content.decode()
    assert f'href="{url("budget-lines", "import")}"' not in page
    assert ImportRun.objects.count() == 0 and snapshot() == before
    assert export(client, "budget-lines").startswith(b"PK")  # but they may export what they can see


def test_managers_cannot_apply_a_preview_someone_else_made(client, office_staff, manager, programs, tmp_path):
    client.force_login(office_staff)
    rows = [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 1]]
    response = upload(client, "budget-lines", write_xlsx(tmp_path / "a.xlsx", rows))
    client.force_login(manager)
    assert client.post(response.url, {"apply": "1"}).status_code == 403
    assert BudgetLine.objects.count() == 0


def test_the_import_permission_comes_from_the_office_staff_group_only(office_staff, manager):
    assert office_staff.has_perm("imports.add_importrun")
    assert not manager.has_perm("imports.add_importrun")
    assert not manager.has_perm("imports.view_importrun")


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(client, office_staff, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    client.force_login(office_staff)
    big = SimpleUploadedFile("big.csv", b"a,b\n" + b"1,2\n" * 400_000)
    response = client.post(url("budget-lines", "import"), {"file": big})
    assert response.status_code == 200
    assert "MB입니다. 1 MB까지만 가져올 수 있습니다." in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_a_small_upload_that_unpacks_past_the_limit_is_refused_and_deleted(
    client, office_staff, programs, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_UNZIPPED_MB = 5
    before = snapshot()
    client.force_login(office_staff)
    bomb = xlsx_with_one_cell(tmp_path / "bomb.xlsx", text_bytes=8 << 20)
    assert bomb.stat().st_size < 1024 * 1024
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "budget-lines", bomb)
    run = ImportRun.objects.get()
    assert (run.status, run.file.name, run.new_rows) == ("rejected", "", 0)
    assert run.file_error == (
        "통합 문서의 압축을 풀면 8 MB입니다. 압축을 풀어 5 MB 이하인 통합 문서만 가져올 수 있습니다"
        "(IMPORT_MAX_UNZIPPED_MB). 더 작은 파일로 나누어 주세요."
    )
    assert [path for path in (tmp_path / "media").rglob("*") if path.is_file()] == []  # the upload is gone
    assert snapshot() == before


def test_the_changelist_keeps_its_totals_line_and_offers_import_template_and_export(client, office_staff):
    client.force_login(office_staff)
    BudgetLineFactory(amount=600_000_000_000)
    page = client.get(url("budget-lines", "changelist")).content.decode()
    assert "6,000억원" in page  # AmountTotalsMixin's line still renders under import-export's buttons
    for view in ("import", "import_template", "export"):
        assert url("budget-lines", view) in page


# The kinds whose admin lists carry the import buttons (the ledger's new kinds are tested
# without the admin in test_ledger_imports).
@pytest.mark.parametrize("kind", list(ADMIN_URL))
def test_each_template_has_headers_dropdowns_formats_and_two_example_rows(client, manager, kind):
    client.force_login(manager)  # anyone who can look may download a template
    response = client.get(url(kind, "import_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    resource = RESOURCES[kind]()
    assert [cell.value for cell in sheet[1]] == [column.header for column in resource.columns()]
    assert sheet.max_row == 3
    examples = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert all(any(str(value).startswith("예시") for value in row if value) for row in examples)
    assert all(cell.font.i for row in sheet.iter_rows(min_row=2) for cell in row)
    assert book.sheetnames[1:] == ["작성 안내", "코드"] and book["코드"].sheet_state == "hidden"
    dropdowns = {str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation}
    letters = {column.attribute: chr(ord("A") + n) for n, column in enumerate(resource.columns())}
    if "funding_source" in letters:
        assert dropdowns[letters["funding_source"]] == '"국비,시비,도비,민자,기타"'
    if "stage" in letters:
        rounds = ",".join(f"{n}차 추경" for n in range(1, 21))
        assert dropdowns[letters["stage"]] == f'"계획,본예산,{rounds}"'
    if "status" in letters:
        assert dropdowns[letters["status"]] == '"예정,진행 중,완료,지연,취소"'
    if "amount" in letters:
        assert sheet[f"{letters['amount']}2"].number_format == "#,##0"
    for column in resource.columns():
        if column.number_format == "yyyy-mm-dd" and sheet[f"{letters[column.attribute]}2"].value:
            assert sheet[f"{letters[column.attribute]}2"].number_format == "yyyy-mm-dd"


def test_an_untouched_template_imports_nothing(client, office_staff, programs, tmp_path):
    client.force_login(office_staff)
    path = tmp_path / "template.xlsx"
    path.write_bytes(client.get(url("executions", "import_template")).content)
    before = snapshot()
    upload(client, "executions", path, name="template.xlsx")
    run = ImportRun.objects.get()
    assert (run.status, run.error_rows) == ("rejected", 2)
    assert snapshot() == before


def export(client, kind: str) -> bytes:
    resource = RESOURCES[kind]
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource._meta.fields}
    response = client.post(url(kind, "export"), {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200, response.content[:500]
    return response.content


@pytest.mark.parametrize("kind", list(ADMIN_URL))
def test_an_exported_file_imports_back_without_a_change(client, office_staff, gwangju, tmp_path, kind):
    source = SourceFactory(key="S9")
    program = Program.objects.get(code="AX-VALLEY")
    BudgetLineFactory(
        program=program, fiscal_year=2027, funding_source="private", stage=3, amount=12_345, source=source
    )
    ExecutionFactory(program=program, reference="지출-7", description="=SUM(A1:A2) is text, not a formula")
    ExecutionFactory(program=program, amount=77, description="")
    MilestoneFactory(
        program=program,
        title_ko="연도만 아는 일정",
        planned_date=datetime.date(2027, 12, 31),
        date_precision="year",
        status="delayed",
    )
    ReadingFactory(
        indicator=Indicator.objects.get(code="P1-FIRMS"), period=datetime.date(2026, 6, 30), value=170
    )
    FirmFactory(program=program, jobs=0, note="비고")
    client.force_login(office_staff)
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(export(client, kind))
    before = snapshot()
    upload(client, kind, path, name=path.name)
    run = ImportRun.objects.get()
    model = RESOURCES[kind]._meta.model
    assert run.status == "previewed", run.rows
    assert (run.new_rows, run.changed_rows, run.error_rows) == (0, 0, 0), run.rows
    assert run.unchanged_rows == model.objects.count() > 0
    client.post(reverse("admin:imports_importrun_change", args=[run.pk]), {"apply": "1"})
    assert ImportRun.objects.get(dry_run=False).status == "applied"
    assert snapshot() == before  # nothing changed, and no history was added


def test_exported_text_that_looks_like_a_formula_stays_text(client, office_staff, programs):
    ExecutionFactory(program=programs["ax"], description="=1+1")
    client.force_login(office_staff)
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "executions"))).worksheets[0]
    cell = sheet.cell(row=2, column=[cell.value for cell in sheet[1]].index("내용") + 1)
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    assert Execution.objects.count() == 1


def test_exported_text_loses_the_control_characters_a_workbook_cannot_hold_and_stays_text(
    client, office_staff, programs
):
    ExecutionFactory(program=programs["ax"], description="\x07=1+1", reference="벨\x1b소리")
    client.force_login(office_staff)
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "executions"))).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    description = sheet.cell(row=2, column=headers.index("내용") + 1)
    reference = sheet.cell(row=2, column=headers.index("문서 번호") + 1)
    assert (description.value, description.data_type, description.quotePrefix) == ("=1+1", "s", True)
    assert reference.value == "벨소리"


def test_exported_text_a_spreadsheet_could_take_for_a_formula_is_quoted_and_imports_back_the_same(
    client, office_staff, programs, tmp_path
):
    looks_like_formulas = ['=HYPERLINK("http://x","y")', "+82-62-613-0000", "-환급", "@지출"]
    for index, text in enumerate(looks_like_formulas):
        FirmFactory(program=programs["ax"], name=text, note=f"{text} 비고", jobs=index)
    ReadingFactory(indicator=programs["kpi"], period=datetime.date(2026, 6, 30), value=-5)
    client.force_login(office_staff)
    firms = tmp_path / "firms.xlsx"
    firms.write_bytes(export(client, "firms"))
    readings = tmp_path / "readings.xlsx"
    readings.write_bytes(export(client, "indicator-readings"))

    sheet = openpyxl.load_workbook(firms).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    names = [row[headers.index("기업명")] for row in sheet.iter_rows(min_row=2)]
    assert sorted(cell.value for cell in names) == sorted(looks_like_formulas)
    assert {(cell.data_type, cell.quotePrefix) for cell in names} == {("s", True)}  # text, also once edited
    jobs = [row[headers.index("일자리")] for row in sheet.iter_rows(min_row=2)]
    assert {(cell.data_type, cell.quotePrefix) for cell in jobs} == {("n", False)}
    sheet = openpyxl.load_workbook(readings).worksheets[0]
    value = sheet.cell(row=2, column=[cell.value for cell in sheet[1]].index("값") + 1)
    assert (value.value, value.data_type, value.quotePrefix) == (-5, "n", False)  # a number stays a number

    before = snapshot()
    for kind, path in (("firms", firms), ("indicator-readings", readings)):
        upload(client, kind, path, name=path.name)
        run = ImportRun.objects.get(kind=kind)
        assert (run.status, run.new_rows, run.changed_rows, run.error_rows) == ("previewed", 0, 0, 0), (
            run.rows
        )
        client.post(reverse("admin:imports_importrun_change", args=[run.pk]), {"apply": "1"})
        assert ImportRun.objects.get(kind=kind, dry_run=False).status == "applied"
    assert snapshot() == before


def test_a_preview_is_applied_only_once(client, office_staff, programs, tmp_path):
    client.force_login(office_staff)
    rows = [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", 1]]
    response = upload(client, "budget-lines", write_xlsx(tmp_path / "a.xlsx", rows))
    client.post(response.url, {"apply": "1"})
    again = client.post(response.url, {"apply": "1"}, follow=True)
    assert "이 미리보기는 이미 적용했습니다." in again.content.decode()
    assert ImportRun.objects.filter(dry_run=False).count() == 1
    assert BudgetLine.objects.get().history.count() == 1
