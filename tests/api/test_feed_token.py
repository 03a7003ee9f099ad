"""`manage.py feed_token NAME [--rotate]`: a read-only user in the briefing feed group."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from api.roles import BRIEFING_FEED
from tests.api.conftest import make_feed_token

pytestmark = pytest.mark.django_db


def test_it_creates_a_read_only_user_in_the_feed_group_and_prints_its_token():
    key = make_feed_token("mayor-briefing")
    user = get_user_model().objects.get(username="mayor-briefing")
    assert Token.objects.get(user=user).key == key
    assert len(key) == 40
    assert list(user.groups.values_list("name", flat=True)) == [BRIEFING_FEED]
    assert not user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert user.has_perm("portfolio.view_program")
    assert not user.has_perm("portfolio.change_program")
    assert not user.has_perm("portfolio.add_budgetline")


def test_it_reuses_the_user_and_token_when_run_again():
    assert make_feed_token("mayor") == make_feed_token("mayor")
    assert get_user_model().objects.filter(username="mayor").count() == 1


def test_rotate_replaces_the_token():
    old = make_feed_token("mayor")
    new = make_feed_token("mayor", "--rotate")
    assert new != old
    assert list(Token.objects.values_list("key", flat=True)) == [new]


def test_it_refuses_to_give_a_token_for_a_person_s_account(office_staff):
    with pytest.raises(CommandError, match="피드 사용자가 아닙니다"):
        call_command("feed_token", office_staff.username, stdout=StringIO(), stderr=StringIO())
    assert not Token.objects.exists()


def test_it_refuses_an_invalid_name():
    with pytest.raises(CommandError, match=r"피드 이름 .* 쓸 수 없습니다"):
        call_command("feed_token", "no spaces please", stdout=StringIO(), stderr=StringIO())
    assert not get_user_model().objects.exists()
