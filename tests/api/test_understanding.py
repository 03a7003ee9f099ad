"""The feed says what it did not understand: unknown parameters are named, a bad choice lists the
valid ones, a bad date shows its form; program codes match in any case; JSON is UTF-8 on every
path; a body over the size limit answers 413."""

import json

import pytest
from rest_framework.test import APIClient

from reports.models import ReportRun

pytestmark = pytest.mark.django_db


def the_error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    [error] = response.json()["errors"]
    return error


@pytest.mark.parametrize(
    "url",
    ["/api/v1/programs/", "/api/v1/programs/AX-VALLEY/", "/api/v1/milestones/", "/api/v1/indicators/",
     "/api/v1/briefing/", "/api/v1/reports/"],
)  # fmt: skip
def test_unknown_parameters_answer_400_naming_them(gwangju_feed, superuser, url):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_authenticate(superuser)
    error = the_error(client.get(url, {"stauts": "running", "asof": "2025-10-01"}))
    assert error["code"] == "unknown_parameter"
    assert error["detail"].startswith("알 수 없는 매개변수: asof, stauts.")


def test_an_unknown_parameter_is_named_in_english_with_what_the_address_takes(gwangju_feed):
    error = the_error(
        gwangju_feed.get("/api/v1/briefing/", {"programme": "AX-VALLEY"}, HTTP_ACCEPT_LANGUAGE="en")
    )
    assert error["detail"] == (
        "Unknown parameter(s): programme. This address takes: as_of, fiscal_year, program, since."
    )


def test_the_format_override_of_the_browsable_api_is_no_unknown_parameter(gwangju_feed):
    assert gwangju_feed.get("/api/v1/programs/", {"format": "json"}).status_code == 200


def test_a_bad_choice_lists_the_valid_ones(gwangju_feed):
    error = the_error(gwangju_feed.get("/api/v1/programs/", {"status": "finished"}))
    assert error["attr"] == "status"
    assert error["detail"] == (
        "“finished”: 올바른 값이 아닙니다. 다음 중 하나를 고르세요: "
        "proposed, bidding, approved, running, completed, not_selected, cancelled."
    )
    error = the_error(
        gwangju_feed.get("/api/v1/indicators/", {"ordering": "name"}, HTTP_ACCEPT_LANGUAGE="en")
    )
    assert error["detail"].startswith("“name” is not a valid choice. Choose one of: code, -code, program,")


def test_a_bad_date_shows_the_expected_form(gwangju_feed):
    for url, name in [("/api/v1/briefing/", "since"), ("/api/v1/milestones/", "due_after")]:
        error = the_error(gwangju_feed.get(url, {name: "24/10/2025"}))
        assert error["attr"] == name
        assert "YYYY-MM-DD" in error["detail"]


def test_program_codes_match_in_any_case(gwangju_feed):
    detail = gwangju_feed.get("/api/v1/programs/ax-valley/")
    assert detail.status_code == 200
    assert detail.json()["code"] == "AX-VALLEY"
    assert (
        gwangju_feed.get("/api/v1/briefing/", {"program": "ax-valley"}).json()["program"]["code"]
        == "AX-VALLEY"
    )
    children = gwangju_feed.get("/api/v1/programs/", {"parent": "gj-ai-p1"}).json()["results"]
    assert [row["code"] for row in children] == ["GJ-AI-P1-NADC", "GJ-AI-P1-SIM", "GJ-AI-P1-TALENT"]
    for url in ("/api/v1/milestones/", "/api/v1/indicators/"):
        lower = gwangju_feed.get(url, {"program": "gj-ai"}).json()
        upper = gwangju_feed.get(url, {"program": "GJ-AI"}).json()
        assert lower["count"] == upper["count"] > 0
        assert lower["results"] == upper["results"]
    assert gwangju_feed.get("/api/v1/programs/no-such/").status_code == 404


@pytest.mark.parametrize(
    ("url", "params", "status", "korean"),
    [
        ("/api/v1/programs/AX-VALLEY/", {}, 200, "AX 실증밸리"),
        ("/api/v1/briefing/", {}, 200, "억원"),
        ("/api/v1/programs/", {"status": "finished"}, 400, "올바른 값이 아닙니다"),
        ("/api/v1/programs/NOPE/", {}, 404, "NOPE 코드의 사업이 없습니다."),
        ("/api/v1/nothing/here", {}, 404, "이 주소에는 API가 없습니다."),
    ],
)
def test_json_is_sent_as_utf8_not_escapes_on_every_path(gwangju_feed, url, params, status, korean):
    response = gwangju_feed.get(url, params)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert korean.encode() in response.content
    assert b"\\u" not in response.content
    json.loads(response.content.decode("utf-8"))


def test_a_json_body_over_the_size_limit_answers_413_and_makes_nothing(gwangju, manager, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_authenticate(manager)
    body = json.dumps({"kind": "portfolio", "language": "ko", "program": "AX-VALLEY" + " " * 2000})
    response = client.post("/api/v1/reports/", body, content_type="application/json")
    error = the_error(response, 413)
    assert error["code"] == "request_too_large"
    assert "1000" in error["detail"]
    assert ReportRun.objects.count() == 0
    small = client.post("/api/v1/reports/", {"kind": "kpi"}, format="json")
    assert small.status_code == 202


def test_a_report_asked_for_a_program_in_lower_case_covers_that_program(gwangju, manager):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_authenticate(manager)
    response = client.post("/api/v1/reports/", {"kind": "portfolio", "program": "ax-valley"}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["program"] == "AX-VALLEY"
    assert ReportRun.objects.get().root == "AX-VALLEY"
    error = the_error(client.post("/api/v1/reports/", {"kind": "pdf"}, format="json"))
    assert (error["attr"], error["detail"]) == (
        "kind",
        "“pdf”: 올바른 값이 아닙니다. 다음 중 하나를 고르세요: portfolio, kpi, briefing, briefing_hwpx.",
    )
    assert ReportRun.objects.count() == 1


def test_a_bad_date_is_refused_in_plain_korean(gwangju_feed):
    error = the_error(gwangju_feed.get("/api/v1/briefing/", {"as_of": "2025.10.24"}))
    assert error["attr"] == "as_of"
    assert error["detail"] == "날짜 형식이 올바르지 않습니다. 이 형식으로 쓰세요: YYYY-MM-DD."


@pytest.mark.parametrize(
    ("url", "korean"),
    [
        ("/api/v1/reports/999999/", "#999999"),
        ("/api/v1/reports/999999/download/", "#999999"),
        ("/api/v1/programs/NO-SUCH/", "NO-SUCH 코드의 사업이 없습니다."),
        ("/api/v2/programs/", "이 주소에는 API가 없습니다."),
    ],
)
def test_unknown_paths_programs_and_reports_answer_404_in_utf8_json(gwangju, manager, url, korean):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_authenticate(manager)
    error = the_error(client.get(url), 404)
    assert error["code"] == "not_found"
    assert korean in error["detail"]
    response = client.get(url)
    assert response["Content-Type"].startswith("application/json")
    assert korean.encode() in response.content
    assert b"\\u" not in response.content


@pytest.mark.parametrize("suffix", ["", "download/"])
def test_the_report_endpoints_refuse_unknown_parameters_too(gwangju, manager, suffix):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_authenticate(manager)
    run = ReportRun.objects.create(kind="kpi", language="ko", requested_by=manager)
    error = the_error(client.get(f"/api/v1/reports/{run.pk}/{suffix}", {"fromat": "xlsx"}))
    assert error["code"] == "unknown_parameter"
    assert error["detail"].startswith("알 수 없는 매개변수: fromat.")


def test_a_body_that_is_not_json_is_refused_in_korean_saying_where_and_makes_nothing(gwangju, manager):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_authenticate(manager)
    english = client.post(
        "/api/v1/reports/", "{kind", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert the_error(english)["detail"] == "The request body is not valid JSON (line 1, column 2)."
    # Korean last: the language a request activates stays for the next test's commands.
    response = client.post("/api/v1/reports/", '{"kind": "kpi",', content_type="application/json")
    error = the_error(response)
    assert error["code"] == "parse_error"
    assert error["detail"] == "요청 본문이 올바른 JSON이 아닙니다 (1행 16열)."
    assert b"\\u" not in response.content
    assert ReportRun.objects.count() == 0
