"""factory_boy factories for the portfolio models; every row is valid by default."""

import datetime
from decimal import Decimal

import factory

from portfolio import models


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"T{n}")
    publisher = "테스트 신문"
    published_on = datetime.date(2025, 1, 1)
    title = factory.Sequence(lambda n: f"기사 {n}")


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Program

    code = factory.Sequence(lambda n: f"P-{n:04d}")
    name_ko = factory.Sequence(lambda n: f"사업 {n}")
    name_en = factory.Sequence(lambda n: f"Program {n}")
    kind = models.Program.Kind.PROGRAM
    status = models.Program.Status.RUNNING
    start_year = 2024
    end_year = 2028


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BudgetLine

    program = factory.SubFactory(ProgramFactory)
    fiscal_year = 2025
    funding_source = models.FundingSource.NATIONAL
    stage = models.BudgetStage.ORIGINAL
    amount = 1_000_000_000


class ExecutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Execution

    program = factory.SubFactory(ProgramFactory)
    executed_on = datetime.date(2025, 6, 30)
    funding_source = models.FundingSource.NATIONAL
    amount = 100_000_000
    description = "집행"


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Milestone

    program = factory.SubFactory(ProgramFactory)
    title_ko = factory.Sequence(lambda n: f"일정 {n}")
    planned_date = datetime.date(2025, 6, 30)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Indicator

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"KPI-{n:04d}")
    name_ko = factory.Sequence(lambda n: f"지표 {n}")
    unit = "개사"
    baseline = Decimal(0)
    baseline_year = 2020
    target = Decimal(100)
    target_year = 2030


class ReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.IndicatorReading

    indicator = factory.SubFactory(IndicatorFactory)
    period = datetime.date(2025, 12, 31)
    value = Decimal(10)
    status = models.ReadingStatus.APPROVED  # most tests are about figures, which count approved readings


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Firm

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"기업 {n}")
    attracted_on = datetime.date(2024, 3, 1)
    jobs = 10


def approver(username: str = "approver"):
    """A user in the 성과 승인권자 group, as the migration made it."""
    from django.contrib.auth.models import Group, User

    from portfolio.roles import APPROVERS

    user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=APPROVERS))
    return User.objects.get(pk=user.pk)  # fresh: no permission cache


def approve(*readings: models.IndicatorReading, by=None) -> None:
    """Submit (as a superuser author) and approve readings through the workflow."""
    from django.contrib.auth.models import User

    from portfolio import performance

    author = User.objects.filter(username="author").first() or User.objects.create_superuser("author")
    performance.submit_readings(readings=readings, user=author)
    performance.approve_readings(readings=readings, user=by or approver())
