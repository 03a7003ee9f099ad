"""Password guessing: after AXES_FAILURE_LIMIT wrong passwords for one user from one address, both
login pages refuse even the right password with a Korean message, until the cool-off ends or
the office unlocks the account; API tokens are unaffected."""

import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

RIGHT = "pw-for-tests-only"  # tests.conftest.make_user's password
LOGIN_PAGES = ["/admin/login/", "/login/"]
LOCKED = "로그인에 여러 번 실패하여 이 계정은 이 컴퓨터에서 15분 동안 잠겼습니다."


def log_in(client, page: str, password: str, username: str = "staff", address: str = "10.0.0.7"):
    return client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_limit_and_cool_off_come_from_the_settings(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_wrong_passwords_below_the_limit_only_say_the_password_is_wrong(client, office_staff, page):
    for _ in range(4):
        response = log_in(client, page, "guess")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    assert log_in(client, page, RIGHT).status_code == 302


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_the_fifth_wrong_password_locks_out_and_the_right_one_is_refused(client, office_staff, page):
    statuses = [log_in(client, page, "guess").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

    response = log_in(client, page, RIGHT)
    assert response.status_code == 429
    page_text = response.content.decode()
    assert LOCKED in page_text
    assert 'value="staff"' in page_text  # the name stays in the form; the password never does
    assert "_auth_user_id" not in client.session


def test_fifty_guesses_on_both_pages_never_let_the_right_password_in(client, office_staff):
    statuses = [log_in(client, LOGIN_PAGES[n % 2], f"guess-{n}").status_code for n in range(50)]
    assert statuses.count(429) == 46
    for page in LOGIN_PAGES:
        assert log_in(client, page, RIGHT).status_code == 429


def test_another_address_and_another_user_are_not_locked(client, office_staff, manager):
    for _ in range(5):
        log_in(client, "/login/", "guess")
    assert log_in(client, "/login/", RIGHT, address="10.0.0.8").status_code == 302
    client.logout()
    assert log_in(client, "/login/", RIGHT, username="manager").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, office_staff):
    for _ in range(5):
        log_in(client, "/login/", "guess")
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        assert log_in(client, "/login/", RIGHT).status_code == 302


def test_the_office_unlocks_an_account_with_the_reset_command(client, office_staff):
    for _ in range(5):
        log_in(client, "/admin/login/", "guess")
    assert log_in(client, "/admin/login/", RIGHT).status_code == 429

    out = io.StringIO()
    call_command("axes_reset_username", "staff", stdout=out)
    assert out.getvalue().strip() == "1 attempts removed."
    assert log_in(client, "/admin/login/", RIGHT).status_code == 302


def test_api_tokens_work_for_a_locked_out_user(client, superuser):
    token = Token.objects.create(user=superuser)
    for _ in range(5):
        log_in(client, "/login/", "guess", username="root")
    assert log_in(client, "/login/", RIGHT, username="root").status_code == 429
    response = client.get("/api/v1/programs/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_authenticate_without_a_request_still_works(office_staff):
    from django.contrib.auth import authenticate

    assert authenticate(username="staff", password=RIGHT) == office_staff
