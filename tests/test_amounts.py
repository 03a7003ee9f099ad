"""Amounts typed as people say them: one parser for the admin and the imports, whole won only,
never above the ceiling, and shown back as `6,000억원 (600,000,000,000원)`."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portfolio.amounts import ACCEPTED_FORMS, parse_won
from portfolio.display import won_full
from portfolio.forms import AmountField
from portfolio.models import BudgetAdjustment, BudgetLine
from tests.factories import BudgetLineFactory, ProgramFactory


@pytest.mark.parametrize(
    ("text", "won"),
    [
        ("500000000", 500_000_000),
        ("500,000,000", 500_000_000),
        ("5억", 500_000_000),
        ("5억원", 500_000_000),
        ("6,000억", 600_000_000_000),
        ("1조 2,000억원", 1_200_000_000_000),
        ("3천만원", 30_000_000),
        ("1,234천원", 1_234_000),
        ("12.5억", 1_250_000_000),
        ("1.23456789억", 123_456_789),  # exactly whole won, so kept
        (" 5 억 원 ", 500_000_000),
        ("5억 3천만원", 530_000_000),
        ("1,500,000 원", 1_500_000),
        ("₩1,500,000", 1_500_000),
        ("0", 0),
        ("1,000조", 10**15),  # the ceiling itself
    ],
)
def test_it_reads_each_accepted_form(text, won):
    assert parse_won(text) == won


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0.5원", "not_whole"),
        ("1.234567891억", "not_whole"),
        ("12.5", "not_whole"),
        ("-5억", "negative"),
        ("△100", "negative"),
        ("1,000조 1원", "above_ceiling"),
        ("1경", "invalid"),
        ("5억 1조", "invalid"),  # units out of order
        ("5천 3억", "invalid"),  # a term without 조/억/만 must come last
        ("1,5", "invalid"),
        ("1234,567", "invalid"),
        ("억", "invalid"),
        ("원", "invalid"),
        ("", "invalid"),
        ("five", "invalid"),
        ("5억원원", "invalid"),
        ("5 5", "invalid"),
    ],
)
def test_it_refuses_everything_else_with_a_reason(text, code):
    with pytest.raises(ValidationError) as error:
        parse_won(text)
    assert error.value.code == code


def test_the_refusal_shows_the_accepted_forms_in_korean(settings):
    settings.LANGUAGE_CODE = "ko"
    with pytest.raises(ValidationError) as error:
        parse_won("다섯 억")
    expected = f"금액으로 읽을 수 없는 값입니다: ‘다섯 억’. {ACCEPTED_FORMS} 같은 형태로 적어 주세요."
    assert error.value.messages == [expected]


def test_signed_amounts_take_a_minus_or_the_budget_triangle():
    assert parse_won("-5억", signed=True) == -500_000_000
    assert parse_won("△1,000만원", signed=True) == -10_000_000
    with pytest.raises(ValidationError):
        parse_won("-1,000조 1원", signed=True)


def test_the_ceiling_is_a_setting(settings):
    settings.AMOUNT_CEILING_WON = 10**12
    assert parse_won("1조") == 10**12
    with pytest.raises(ValidationError) as error:
        parse_won("1조 1원")
    assert error.value.messages == ["금액은 1조원까지만 적을 수 있습니다."]


def test_the_form_field_reads_5_eok():
    field = AmountField()
    assert field.clean("5억") == 500_000_000
    assert field.clean(500_000_000) == 500_000_000


def test_stored_amounts_are_shown_in_eok_with_their_digits():
    assert won_full(600_000_000_000) == "6,000억원 (600,000,000,000원)"
    assert won_full(5_000) == "5,000원"
    assert won_full(0) == "0원"
    assert won_full(None) == "–"


@pytest.mark.django_db
def test_the_model_refuses_an_amount_above_the_ceiling_on_every_path():
    line = BudgetLineFactory.build(program=ProgramFactory(), amount=10**15 + 1)
    with pytest.raises(ValidationError) as error:
        line.full_clean()
    assert "amount" in error.value.message_dict
    program = ProgramFactory.build(code="TOO-BIG", total_cost=10**15 + 1)
    with pytest.raises(ValidationError) as error:
        program.full_clean()
    assert "total_cost" in error.value.message_dict
    adjustment = BudgetAdjustment(amount=-(10**15) - 1)
    with pytest.raises(ValidationError) as error:
        adjustment.full_clean()
    assert error.value.message_dict["amount"] == ["금액은 1,000조원까지만 적을 수 있습니다."]


@pytest.mark.django_db
def test_the_admin_saves_5_eok_as_500_million_won(client, office_staff):
    client.force_login(office_staff)
    program = ProgramFactory()
    form = {"program": program.pk, "fiscal_year": 2026, "funding_source": "city", "stage": 2, "amount": "5억"}
    page = client.get(reverse("admin:portfolio_budgetline_add")).content.decode()
    assert 'class="amount-input"' in page and "portfolio/amount.js" in page

    response = client.post(reverse("admin:portfolio_budgetline_add"), form)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert BudgetLine.objects.get().amount == 500_000_000


@pytest.mark.django_db
def test_the_admin_refuses_a_fraction_of_a_won_and_saves_nothing(client, office_staff):
    client.force_login(office_staff)
    program = ProgramFactory()
    form = {"program": program.pk, "fiscal_year": 2026, "funding_source": "city", "stage": 2}
    form["amount"] = "0.5원"
    response = client.post(reverse("admin:portfolio_budgetline_add"), form)
    assert response.status_code == 200
    assert "1원 단위로 떨어지지 않는 금액입니다: ‘0.5원’" in response.content.decode()
    assert not BudgetLine.objects.exists()


@pytest.mark.django_db
def test_the_admin_shows_stored_amounts_in_eok_with_their_digits(client, office_staff):
    client.force_login(office_staff)
    line = BudgetLineFactory(amount=600_000_000_000)
    changelist = client.get(reverse("admin:portfolio_budgetline_changelist")).content.decode()
    assert "6,000억원 (600,000,000,000원)" in changelist
    change = client.get(reverse("admin:portfolio_budgetline_change", args=[line.pk])).content.decode()
    assert 'value="600,000,000,000"' in change and "6,000억원</output>" in change


@pytest.mark.django_db
def test_a_view_only_page_shows_the_amount_formatted(client, manager):
    client.force_login(manager)
    line = BudgetLineFactory(amount=600_000_000_000)
    page = client.get(reverse("admin:portfolio_budgetline_change", args=[line.pk])).content.decode()
    assert "6,000억원 (600,000,000,000원)" in page and 'name="amount"' not in page


@pytest.mark.django_db
def test_a_view_only_program_page_shows_its_total_cost_formatted(client, manager):
    client.force_login(manager)
    program = ProgramFactory(total_cost=600_000_000_000)
    page = client.get(reverse("admin:portfolio_program_change", args=[program.pk])).content.decode()
    assert "6,000억원 (600,000,000,000원)" in page and 'name="total_cost"' not in page
