"""Evidence files: only the accepted kinds, judged by their content, up to the size limit; kept
under random names in the reports' storage; downloaded only by users who may view the row they
belong to; and a reading of an indicator that requires evidence cannot be submitted without."""

import hashlib
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from portfolio import services
from portfolio.models import Evidence
from tests import evidence_files as sample
from tests.conftest import make_user
from tests.factories import ExecutionFactory, IndicatorFactory, ReadingFactory, SourceFactory
from tests.test_concurrent_edits import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage_folder(settings, tmp_path):
    """The reports' storage (where evidence goes) in a folder of this test's own."""
    folder = tmp_path / "stored"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = settings.STORAGES | {
        "reports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder, "base_url": None},
        }
    }
    return folder


def stored_files(folder) -> list:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def attach(name: str, content: bytes, **owner) -> Evidence:
    owner = owner or {"reading": ReadingFactory()}
    return services.attach_evidence(file=upload(name, content), uploaded_by=None, **owner)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("실적 보고.pdf", sample.pdf(), "application/pdf"),
        ("보고서.hwp", sample.hwp(), "application/x-hwp"),
        ("보고서.hwpx", sample.hwpx(), "application/hwp+zip"),
        ("현장.png", sample.image("png"), "image/png"),
        ("현장.JPG", sample.image("jpeg"), "image/jpeg"),
        ("명단.xlsx", sample.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("명단.xls", sample.xls(), "application/vnd.ms-excel"),
        ("명단.csv", "기업,일자리\n가나다,3\n".encode("cp949"), "text/csv"),
    ],
)
def test_it_keeps_each_accepted_kind_under_a_random_name(storage_folder, name, content, content_type):
    evidence = attach(name, content)
    evidence.refresh_from_db()
    assert (evidence.original_name, evidence.content_type) == (name, content_type)
    assert evidence.size == len(content)
    assert evidence.checksum == hashlib.sha256(content).hexdigest()
    [stored] = stored_files(storage_folder)
    assert stored.read_bytes() == content
    assert stored.relative_to(storage_folder).parts[0] == "evidence"
    assert name.rsplit(".", 1)[0] not in stored.name  # the user's name is not the storage name
    assert len(stored.stem) == 32  # a random uuid4 hex


def test_the_service_records_who_uploaded(office_staff):
    evidence = services.attach_evidence(
        file=upload("a.pdf", sample.pdf()), uploaded_by=office_staff, execution=ExecutionFactory()
    )
    assert Evidence.objects.get(pk=evidence.pk).uploaded_by == office_staff


def refused(name: str, content: bytes, storage_folder) -> str:
    reading = ReadingFactory()
    with pytest.raises(ValidationError) as refusal:
        attach(name, content, reading=reading)
    assert Evidence.objects.count() == 0
    assert stored_files(storage_folder) == []
    return " ".join(refusal.value.messages)


def test_it_refuses_a_file_over_the_size_limit(settings, storage_folder):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    message = refused("큰 파일.pdf", sample.pdf().ljust(1024 * 1024 + 1, b" "), storage_folder)
    assert message == "큰 파일.pdf 파일은 1.0 MB입니다. 증빙 파일은 1 MB까지 올릴 수 있습니다."


def test_the_limit_is_20_mb_by_default(settings):
    assert settings.EVIDENCE_MAX_UPLOAD_MB == 20


def test_it_refuses_a_program_renamed_as_a_pdf(storage_folder):
    message = refused("실적.pdf", sample.exe(), storage_folder)
    assert message == "실적.pdf 파일의 내용이 .pdf 파일이 아닙니다. 문서를 원래 형식으로 저장해 올려 주세요."


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("보고서.hwpx", sample.xlsx()),  # a zip, but a workbook
        ("명단.xlsx", sample.hwpx()),  # a zip, but a Hangul document
        ("보고서.hwp", sample.xls()),  # an OLE file, but a workbook
        ("현장.png", sample.image("jpeg")),
        ("명단.csv", sample.exe()),
    ],
)
def test_it_refuses_content_that_is_not_what_the_name_says(storage_folder, name, content):
    assert "내용이" in refused(name, content, storage_folder)


@pytest.mark.parametrize("name", ["setup.exe", "문서.docx", "이름없음"])
def test_it_refuses_kinds_not_kept_as_evidence(storage_folder, name):
    message = refused(name, sample.pdf(), storage_folder)
    assert message.startswith(f"{name} 파일은 증빙으로 받는 종류가 아닙니다. 받는 종류: .pdf, .hwp, .hwpx")


def test_it_refuses_an_empty_file(storage_folder):
    assert refused("빈.pdf", b"", storage_folder) == "빈.pdf 파일이 비어 있습니다."


def test_an_evidence_file_belongs_to_exactly_one_row(storage_folder):
    reading, execution = ReadingFactory(), ExecutionFactory()
    with pytest.raises(ValidationError) as refusal:
        attach("a.pdf", sample.pdf(), reading=reading, execution=execution)
    assert refusal.value.messages == ["증빙 파일은 실적, 집행, 출처 중 정확히 하나에 속해야 합니다."]
    with pytest.raises(ValidationError):
        services.attach_evidence(file=upload("a.pdf", sample.pdf()), uploaded_by=None)
    assert Evidence.objects.count() == 0
    evidence = attach("a.pdf", sample.pdf(), reading=reading)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        Evidence.objects.filter(pk=evidence.pk).update(execution=execution)


def test_editing_the_description_does_not_read_the_stored_file_again(storage_folder):
    evidence = attach("a.pdf", sample.pdf())
    for stored in stored_files(storage_folder):
        stored.unlink()  # were it read again, this would fail
    evidence.description = "2025년 결과 보고서"
    evidence.full_clean(exclude=Evidence.FILLED_ON_SAVE)
    evidence.save()
    assert Evidence.objects.get().description == "2025년 결과 보고서"


def test_deleting_evidence_removes_its_file_once_committed(
    storage_folder, django_capture_on_commit_callbacks
):
    evidence = attach("a.pdf", sample.pdf())
    with django_capture_on_commit_callbacks(execute=True):
        evidence.delete()
    assert stored_files(storage_folder) == []


# --- downloads ------------------------------------------------------------------------------


@pytest.fixture
def reading_evidence():
    return attach("2025년 실적 증빙.pdf", sample.pdf(), reading=ReadingFactory())


def test_anonymous_users_are_sent_to_log_in(client, reading_evidence):
    response = client.get(reading_evidence.get_download_url())
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_without_the_view_permission_are_refused(client, django_user_model, reading_evidence):
    client.force_login(make_user(django_user_model, "outsider"))  # staff, but in no group
    assert client.get(reading_evidence.get_download_url()).status_code == 403


@pytest.mark.parametrize("role", ["office_staff", "manager"])
def test_users_who_may_view_the_reading_get_the_file(client, request, role, reading_evidence):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reading_evidence.get_download_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sample.pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('2025년 실적 증빙.pdf')}"
    )


def test_the_permission_checked_is_the_owning_rows(client, django_user_model, office_staff):
    from django.contrib.auth.models import Permission

    user = make_user(django_user_model, "reader")
    user.user_permissions.add(Permission.objects.get(codename="view_indicatorreading"))
    client.force_login(user)
    on_reading = attach("a.pdf", sample.pdf(), reading=ReadingFactory())
    on_execution = attach("b.pdf", sample.pdf(), execution=ExecutionFactory())
    on_source = attach("c.pdf", sample.pdf(), source=SourceFactory())
    assert client.get(on_reading.get_download_url()).status_code == 200
    assert client.get(on_execution.get_download_url()).status_code == 403
    assert client.get(on_source.get_download_url()).status_code == 403


def test_files_are_not_reachable_at_a_public_url(client, office_staff, reading_evidence, settings):
    client.force_login(office_staff)
    name = reading_evidence.file.name
    for guess in (f"{settings.MEDIA_URL}{name}", f"/media/{name}", f"/media/reports/{name}", f"/{name}"):
        assert client.get(guess).status_code == 404, guess
    assert reading_evidence.get_download_url() == f"/evidence/{reading_evidence.pk}/download/"


# --- the admin --------------------------------------------------------------------------------


def change_url(obj) -> str:
    return reverse(f"admin:portfolio_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("make", [ReadingFactory, ExecutionFactory, SourceFactory])
def test_staff_upload_evidence_on_the_change_page_and_see_a_download_link(
    client, office_staff, storage_folder, make
):
    client.force_login(office_staff)
    row = make()
    form = form_data(client.get(change_url(row)))
    form |= {"evidence-TOTAL_FORMS": 1, "evidence-0-file": upload("현장 사진.png", sample.image("png"))}
    response = client.post(change_url(row), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    evidence = Evidence.objects.get()
    assert evidence.owner == row
    assert evidence.uploaded_by == office_staff
    page = client.get(change_url(row)).content.decode()
    assert f'href="{evidence.get_download_url()}"' in page
    assert evidence.file.name not in page  # never the storage name


def test_a_bad_upload_in_the_admin_is_refused_with_nothing_saved(client, office_staff, storage_folder):
    client.force_login(office_staff)
    reading = ReadingFactory(note="")
    form = form_data(client.get(change_url(reading)))
    form |= {
        "note": "고침",
        "evidence-TOTAL_FORMS": 1,
        "evidence-0-file": upload("실적.pdf", sample.exe()),
    }
    response = client.post(change_url(reading), form)
    assert response.status_code == 200
    assert "실적.pdf 파일의 내용이 .pdf 파일이 아닙니다." in response.content.decode()
    reading.refresh_from_db()
    assert reading.note == ""
    assert Evidence.objects.count() == 0
    assert stored_files(storage_folder) == []


def test_an_upload_too_large_to_be_kept_is_refused_in_the_admin(
    client, office_staff, storage_folder, settings
):
    # The upload handler stops storing it as it arrives; the row says why there is no file.
    settings.IMPORT_MAX_UPLOAD_MB = settings.EVIDENCE_MAX_UPLOAD_MB = 1
    client.force_login(office_staff)
    execution = ExecutionFactory()
    form = form_data(client.get(change_url(execution)))
    big = sample.pdf().ljust(3 * 1024 * 1024 // 2, b" ")
    form |= {"evidence-TOTAL_FORMS": 1, "evidence-0-file": upload("큰 보고서.pdf", big)}
    response = client.post(change_url(execution), form)
    assert response.status_code == 200
    assert "파일이 너무 큽니다. 증빙 파일은 1 MB까지 올릴 수 있습니다." in response.content.decode()
    assert Evidence.objects.count() == 0
    assert stored_files(storage_folder) == []


# --- before a reading is submitted ---------------------------------------------------------------


def test_a_reading_that_requires_evidence_cannot_be_submitted_without(django_assert_num_queries):
    jobs = IndicatorFactory(code="P1-JOBS", name_ko="일자리 창출", evidence_required=True)
    reading = ReadingFactory(indicator=jobs)
    with django_assert_num_queries(1), pytest.raises(ValidationError) as refusal:
        services.check_evidence_before_submit(reading)
    assert refusal.value.messages == [
        "P1-JOBS 일자리 창출 지표는 증빙이 필요합니다: 2025-12-31 실적에 파일(PDF, 한글, 이미지, "
        "스프레드시트)을 첨부한 뒤 제출하세요."
    ]
    attach("명단.xlsx", sample.xlsx(), reading=reading)
    services.check_evidence_before_submit(reading)  # now it passes


def test_submitting_a_reading_that_requires_evidence_is_refused_until_a_file_is_attached(office_staff):
    from portfolio import performance
    from portfolio.models import ReadingStatus

    jobs = IndicatorFactory(code="P1-JOBS", name_ko="일자리 창출", evidence_required=True)
    reading = ReadingFactory(indicator=jobs, status=ReadingStatus.DRAFT, created_by=office_staff)
    with pytest.raises(ValidationError, match="증빙이 필요합니다"):
        performance.submit_readings(readings=[reading], user=office_staff)
    reading.refresh_from_db()
    assert (reading.status, reading.submitted_at) == (ReadingStatus.DRAFT, None)
    attach("명단.xlsx", sample.xlsx(), reading=reading)
    assert performance.submit_readings(readings=[reading], user=office_staff) == 1
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.SUBMITTED


def test_a_reading_whose_indicator_does_not_require_evidence_passes():
    services.check_evidence_before_submit(ReadingFactory())


def test_the_roles_get_evidence_and_breakdowns(office_staff, manager):
    for codename in ("add_evidence", "delete_evidence", "view_evidence", "add_indicatorpart",
                     "change_readingpart", "delete_readingpart"):  # fmt: skip
        assert office_staff.has_perm(f"portfolio.{codename}"), codename
    assert manager.has_perm("portfolio.view_evidence") and manager.has_perm("portfolio.view_readingpart")
    assert not manager.has_perm("portfolio.add_evidence")
    assert not manager.has_perm("portfolio.change_readingpart")
