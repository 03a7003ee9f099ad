"""Every admin page in good Korean, for every role: the index, each app's index, each model's list,
add form, and the change, history and delete pages of a real row, as the superuser, the office's
staff and its managers are offered them. A page fails on a known English word of Django or a
third-party app, and on particles written for both cases ("를(을)", "(으)로", "을/를")."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from portfolio.models import Program, Source
from reports.models import ReportRun
from tests.factories import ExecutionFactory, FirmFactory

pytestmark = pytest.mark.django_db

# Whole words, case as shown: English that Django and its apps show when a Korean string is
# missing. Codes (AX-VALLEY), units (MW), task paths and time-zone names are left alone.
ENGLISH = [
    "Select", "Add", "Change", "History", "Delete", "Save", "Search", "Filter", "View", "Home",
    "Periodic", "periodic", "Clocked", "clocked", "Crontab", "crontab", "crontabs", "Interval",
    "interval", "intervals", "Solar", "solar", "None", "JSON parse", "parse error",
    "Can add", "Can change", "Can delete", "Can view", "Locked Out",
]  # fmt: skip
ENGLISH_RE = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w-])")
# "를(을)", "(으)로", "사용자(들)", "이(가)", "은(는)", "을/를", "이/가" …
PARTICLE_RE = re.compile(r"\((을|를|으|이|가|은|는|와|과|들)\)|(을|를|이|가|은|는)/(을|를|이|가|은|는)")
# Korean that is wrong rather than broken: Django's "Save and add another" said "add under another name".
WRONG_KOREAN = ("다른 이름으로 추가", "편집 계속")


class VisibleText(HTMLParser):
    """The text a person reads or hears: text nodes, button labels, titles, placeholders and
    aria-labels; not scripts, styles, or what is typed in fields (data)."""

    HIDDEN = {"script", "style", "textarea"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        named = dict(attrs)
        self.parts += [named[a] for a in ("title", "placeholder", "aria-label") if named.get(a)]
        if tag == "input" and named.get("type") in {"submit", "button"} and named.get("value"):
            self.parts.append(named["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def faults(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [
        text
        for text in parser.parts
        if ENGLISH_RE.search(text) or PARTICLE_RE.search(text) or any(w in text for w in WRONG_KOREAN)
    ]


def offered_pages(user) -> list[str]:
    """The pages the admin offers this user: what its index links to, and for each model it may
    see, the first row's change and history pages and, where it may delete, the delete page."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = [reverse("admin:index")]
    for app in admin.site.get_app_list(request):
        pages.append(app["app_url"])
        for entry in app["models"]:
            model, perms = entry["model"], entry["perms"]
            pages.append(entry["admin_url"])
            if entry.get("add_url"):
                pages.append(entry["add_url"])
            row = model._default_manager.order_by("pk").first()
            if row is None:
                continue
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            pages += [reverse(f"{name}_change", args=[row.pk]), reverse(f"{name}_history", args=[row.pk])]
            if perms.get("delete"):
                pages.append(reverse(f"{name}_delete", args=[row.pk]))
    return pages


@pytest.fixture
def a_row_of_everything(gwangju, superuser):
    """The Gwangju data has no executions, firms, report runs or tokens: one of each, so their
    change, history and delete pages are walked too."""
    ExecutionFactory(executed_on=datetime.date(2026, 3, 2), fiscal_year=2026)
    FirmFactory()
    ReportRun.objects.create(kind="kpi", language="ko", status=ReportRun.Status.FAILED, message="예시 오류")
    Token.objects.create(user=superuser)


@pytest.mark.parametrize("role", ["superuser", "office_staff", "manager"])
def test_every_admin_page_speaks_good_korean_to_every_role(client, request, a_row_of_everything, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    pages = offered_pages(user)
    found = {}
    for path in pages:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ko")
        assert response.status_code == 200, path
        for text in faults(response.content.decode()):
            found.setdefault(text, path)
    assert found == {}, "\n".join(f"{path}: {text}" for text, path in found.items())
    # The walk saw the pages that matter to that role, not an empty index.
    first_program = Program.objects.order_by("pk").first()
    assert reverse("admin:portfolio_program_change", args=[first_program.pk]) in pages
    assert len(pages) >= (90 if role == "superuser" else 30)


def test_the_walk_catches_what_it_is_for():
    assert faults("<h1>보기위한 1사업 를(을) 선택</h1>") == ["보기위한 1사업 를(을) 선택"]
    assert faults('<input type="submit" value="저장 및 다른 이름으로 추가">') == [
        "저장 및 다른 이름으로 추가"
    ]
    assert faults('<a title="Periodic tasks">x</a><p>사용자(들)</p><p>상태 (으)로</p>') == [
        "Periodic tasks",
        "사용자(들)",
        "상태 (으)로",
    ]
    assert faults('<input type="submit" value="Save"><td>변경 사유: None</td>') == ["Save", "변경 사유: None"]
    assert faults("<p>AX-VALLEY 120MW reports.sweep_stale_runs Asia/Seoul</p><script>Select()</script>") == []


def test_only_superusers_see_the_periodic_tasks_even_with_the_permissions(client, office_staff, superuser):
    office_staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="django_celery_beat")
    )
    client.force_login(office_staff)
    assert "django_celery_beat" not in client.get(reverse("admin:index")).content.decode()
    assert client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 403
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert "주기 작업" in page
    assert client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200


def test_permissions_are_named_in_korean_in_the_group_form(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:auth_group_add")).content.decode()
    assert "보고서 | 보고서 작업 | 추가" in page
    assert "결산 마감을 해제할 수 있음" in page
    assert "Can add" not in page


def test_a_change_without_reason_or_user_shows_a_dash_not_none(client, office_staff, gwangju):
    client.force_login(office_staff)
    source = Source.objects.order_by("pk").first()
    page = client.get(reverse("admin:portfolio_source_history", args=[source.pk])).content.decode()
    assert "None" not in page
    assert re.search(r"<td>\s*–\s*</td>", page)
