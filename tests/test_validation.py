"""Bad input is refused with a message naming the field and the rule, and nothing is saved:
by validation (what the admin, services and imports use) and by the database itself."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from portfolio import services
from portfolio.models import BudgetLine, BudgetStage, Execution, Milestone, Program
from tests.factories import (
    BudgetLineFactory,
    FirmFactory,
    IndicatorFactory,
    MilestoneFactory,
    ProgramFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def errors_of(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": -1}, "amount", "Amount must not be negative."),
        ({"funding_source": "lottery"}, "funding_source", "Value 'lottery' is not a valid choice."),
        ({"stage": 99}, "stage", "Value 99 is not a valid choice."),
        ({"fiscal_year": 1999}, "fiscal_year", "Year must be 2000 or later."),
        ({"fiscal_year": 2101}, "fiscal_year", "Year must be 2100 or earlier."),
    ],
)
def test_it_rejects_bad_budget_lines_naming_the_field(changes, field, message):
    line = BudgetLineFactory.build(program=ProgramFactory(), **changes)
    assert errors_of(line)[field] == [message]
    assert BudgetLine.objects.count() == 0


def test_it_rejects_a_second_line_for_the_same_key():
    line = BudgetLineFactory()
    twin = BudgetLineFactory.build(
        program=line.program,
        fiscal_year=line.fiscal_year,
        funding_source=line.funding_source,
        stage=line.stage,
    )
    assert "already has a budget line" in str(errors_of(twin))
    assert BudgetLine.objects.count() == 1


def test_it_rejects_end_years_before_start_years():
    program = ProgramFactory.build(start_year=2030, end_year=2026)
    assert errors_of(program) == {"end_year": ["End year must not be before the start year."]}


def test_it_rejects_end_dates_before_start_dates():
    program = ProgramFactory.build(start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 4, 30))
    assert errors_of(program)["end_date"] == ["End date must not be before the start date."]


def test_it_rejects_negative_total_cost_and_executions():
    assert "total_cost" in errors_of(ProgramFactory.build(total_cost=-5))
    execution = Execution(
        program=ProgramFactory(), executed_on=datetime.date(2026, 1, 2), funding_source="city", amount=-1
    )
    assert errors_of(execution)["amount"] == ["Amount must not be negative."]


def test_it_rejects_dates_outside_the_sane_range():
    execution = Execution(
        program=ProgramFactory(), executed_on=datetime.date(1900, 1, 1), funding_source="city", amount=1
    )
    assert errors_of(execution)["executed_on"] == ["Dates must lie between 2000 and 2100."]


def test_it_rejects_a_program_under_its_own_project():
    parent = ProgramFactory(kind=Program.Kind.PROGRAM)
    child = ProgramFactory(parent=parent, kind=Program.Kind.PROJECT)
    parent.parent = child
    assert "parent" in errors_of(parent)


def test_it_rejects_a_portfolio_under_a_project():
    project = ProgramFactory(kind=Program.Kind.PROJECT)
    portfolio = ProgramFactory.build(kind=Program.Kind.PORTFOLIO, parent=project)
    assert errors_of(portfolio)["parent"] == ["A Portfolio cannot sit under a Project."]


def test_it_rejects_a_done_milestone_without_its_date():
    milestone = Milestone(
        program=ProgramFactory(), title_ko="완료", planned_date=datetime.date(2025, 1, 1), status="done"
    )
    assert errors_of(milestone) == {"actual_date": ["A milestone marked done needs its actual date."]}


def test_it_rejects_a_target_year_before_the_baseline_year():
    indicator = IndicatorFactory.build(program=ProgramFactory(), baseline_year=2025, target_year=2024)
    assert errors_of(indicator)["target_year"] == ["Target year must not be before the baseline year."]


def test_services_validate_and_write_nothing_on_error():
    program = ProgramFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.set_budget_line(
            program=program, fiscal_year=2026, funding_source="unknown", stage=BudgetStage.ORIGINAL, amount=5
        )
    assert "funding_source" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        services.record_execution(
            program=program, executed_on=datetime.date(2026, 1, 1), funding_source="city", amount=-10
        )
    assert BudgetLine.objects.count() == 0
    assert Execution.objects.count() == 0
    assert BudgetLine.history.count() == 0


# The database holds the same rules, for writes that skip validation (bulk loads, raw SQL, update()).


LINE = {"fiscal_year": 2026, "funding_source": "city", "stage": 2, "amount": 1}
DAY = datetime.date(2026, 1, 1)


def line_with(**changes):
    return lambda program: BudgetLine.objects.create(program=program, **(LINE | changes))


def program_update(**changes):
    return lambda program: Program.objects.filter(pk=program.pk).update(**changes)


BAD_WRITES = {
    "negative-amount": line_with(amount=-1),
    "unknown-source": line_with(funding_source="lottery"),
    "unknown-stage": line_with(stage=99),
    "year-out-of-range": line_with(fiscal_year=1980),
    "years-out-of-order": program_update(start_year=2030, end_year=2020),
    "negative-total-cost": program_update(total_cost=-1),
    "unknown-status": program_update(status="abandoned"),
    "negative-execution": lambda program: Execution.objects.create(
        program=program, executed_on=DAY, funding_source="city", amount=-3
    ),
    "done-without-date": lambda program: Milestone.objects.create(
        program=program, title_ko="x", planned_date=DAY, status="done"
    ),
}


@pytest.mark.parametrize("bad_write", BAD_WRITES.values(), ids=BAD_WRITES.keys())
def test_the_database_enforces_the_rules(bad_write):
    program = ProgramFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        bad_write(program)
    program.refresh_from_db()
    assert (program.start_year, program.end_year, program.total_cost, program.status) == (
        2024,
        2028,
        None,
        "running",
    )
    assert BudgetLine.objects.count() == Execution.objects.count() == Milestone.objects.count() == 0


def test_the_database_enforces_one_line_per_key():
    line = BudgetLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        twin = BudgetLine(
            program=line.program,
            fiscal_year=line.fiscal_year,
            funding_source=line.funding_source,
            stage=line.stage,
            amount=1,
        )
        BudgetLine.objects.bulk_create([twin])
    assert BudgetLine.objects.count() == 1


@pytest.mark.postgres
def test_ci_runs_the_constraint_tests_on_postgresql():
    """With REQUIRE_SERVICES=1 (CI) the whole suite, constraints included, runs on PostgreSQL."""
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conname LIKE 'budgetline_%%' AND contype IN ('c', 'u')"
        )
        assert cursor.fetchone()[0] == 5


HIDDEN = ["\u200b", "\u200d", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff"]


@pytest.mark.parametrize("char", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_it_refuses_invisible_and_direction_characters_in_names(char):
    program = ProgramFactory.build(name_ko=f"AI{char}사업")
    code = f"{ord(char):04X}"
    assert errors_of(program)["name_ko"] == [
        f"Invisible or text-direction characters are not allowed (U+{code}, character 3)."
    ]


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (ProgramFactory, "code"),
        (ProgramFactory, "name_en"),
        (IndicatorFactory, "code"),
        (IndicatorFactory, "name_ko"),
        (FirmFactory, "name"),
        (MilestoneFactory, "title_ko"),
        (SourceFactory, "key"),
        (SourceFactory, "title"),
    ],
)
def test_every_code_and_name_refuses_a_right_to_left_override(factory, field):
    kwargs = (
        {"program": ProgramFactory()} if factory in (FirmFactory, MilestoneFactory, IndicatorFactory) else {}
    )
    obj = factory.build(**kwargs, **{field: "abc\u202edef"})
    assert "Invisible or text-direction characters" in " ".join(errors_of(obj)[field])


def test_plain_korean_and_english_names_pass():
    ProgramFactory.build(name_ko="AX 실증밸리 (2단계)", name_en="AX demo valley – phase 2").full_clean()


def test_the_import_refuses_a_hidden_character_and_writes_nothing(tmp_path, settings):
    from imports.engine import Importer
    from portfolio.models import Firm
    from tests.imports.conftest import write_csv

    settings.LANGUAGE_CODE = "ko-kr"
    ProgramFactory(code="GJ-AI-P1")
    rows = [
        ["기업명", "사업코드", "유치일", "일자리"],
        ["(주)광주\u202e이아이", "GJ-AI-P1", "2024.3.1", "25"],
    ]
    results = []
    summary = Importer("firms", user=None, reason="test", on_row=results.append).run(
        write_csv(tmp_path / "firms.csv", rows), dry_run=False
    )
    messages = [message for result in results for message in result.errors]
    assert any(
        "보이지 않는 문자나 글자 방향을 바꾸는 문자는 쓸 수 없습니다 (U+202E, 6번째 글자)." in m
        for m in messages
    )
    assert not summary.written
    assert not Firm.objects.exists()
