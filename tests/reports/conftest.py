"""Fixtures for the report tests: report files in the session's media folder, a hand-made
portfolio, the office's roles (again, after a transactional test flushed them), a way to ask for a
report as after a commit, and helpers to make a run, find its files, read a workbook back and
wait for a run."""

import datetime
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from openpyxl import load_workbook

from portfolio.models import BudgetStage, FundingSource, Milestone, Program
from portfolio.roles import DOMAIN_MODELS, MANAGERS, OFFICE_STAFF
from reports import services
from reports.models import ReportRun
from tests import factories as f
from tests.waiting import wait_until


@pytest.fixture(autouse=True)
def _report_files(settings, media_root):
    """Report files go to the session's media folder, the same one the test workers use, emptied
    before each test (run ids start again at 1 in every test)."""
    shutil.rmtree(media_root / "reports", ignore_errors=True)
    settings.MEDIA_ROOT = media_root
    settings.STORAGES = settings.STORAGES | {
        "reports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media_root / "reports", "base_url": None},
        }
    }


@pytest.fixture
def as_manager(client, roles, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the report's dispatch) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def in_process(settings):
    """No Redis configured: request_report builds in the calling process."""
    settings.REDIS_URL = ""


@pytest.fixture
def roles(db):
    """The office's groups with their permissions. A data migration makes them, but a
    transactional test's flush empties the tables, so tests that need them after one ask here."""
    perms = {
        OFFICE_STAFF: [f"{a}_{m}" for m in DOMAIN_MODELS for a in ("add", "change", "view")],
        MANAGERS: [f"view_{m}" for m in DOMAIN_MODELS],
    }
    for name, codenames in perms.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="portfolio", codename__in=codenames)
        )
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="reports", codename__in=["add_reportrun", "view_reportrun"]
            )
        )


@pytest.fixture
def ask(db, django_capture_on_commit_callbacks):
    """request_report with its on-commit dispatch run, as after a real commit."""

    def ask(**options):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.request_report(**({"kind": "portfolio", "requested_by": None} | options))
        run.refresh_from_db()
        return run

    return ask


def queued_run(**fields) -> ReportRun:
    """A run row as request_report makes it (queued), without sending it anywhere."""
    return ReportRun.objects.create(**({"kind": "portfolio"} | fields))


def build_folders(run: ReportRun, root: Path | None = None) -> list[Path]:
    """The run's build folders in the temporary folder (which the test workers share)."""
    return sorted(Path(root or tempfile.gettempdir()).glob(f"{services.build_folder_prefix()}{run.pk}-*"))


def run_files(run: ReportRun) -> list[Path]:
    """Every file in storage that belongs to the run (its one name, or stray copies of it)."""
    folder = Path(run.file.storage.location)
    return sorted(folder.rglob(f"report-{run.pk}-*"))


def workbook(run_or_path):
    path = run_or_path if isinstance(run_or_path, Path) else Path(run_or_path.file.path)
    return load_workbook(path)


def sheet_rows(book, title: str) -> list[tuple]:
    """Data rows of a sheet (after its header row)."""
    return list(book[title].iter_rows(min_row=2, values_only=True))


def wait_for(run: ReportRun, condition, *, timeout: float, poll: float = 0.2) -> ReportRun:
    def there():
        run.refresh_from_db()
        return condition(run)

    wait_until(
        there,
        timeout,
        lambda: (
            f"run {run.pk}: status={run.status} rows={run.rows_done}/{run.rows_total} "
            f"attempts={run.attempts} message={run.message!r}"
        ),
        poll=poll,
    )
    return run


def finished(run: ReportRun) -> bool:
    return run.status in (ReportRun.Status.DONE, ReportRun.Status.FAILED)


@pytest.fixture
def hand_made(db):
    """A small portfolio with every kind of figure: a tree, budgets over stages and sources,
    executions, milestones (one late), KPIs with readings, firms, and a national-context item."""
    source = f.SourceFactory(key="H1", title="손으로 만든 자료")
    root = f.ProgramFactory(code="H", kind=Program.Kind.PORTFOLIO, name_ko="손 포트폴리오", total_cost=None)
    alpha = f.ProgramFactory(
        code="H-A", parent=root, name_ko="알파 사업", total_cost=50_000_000_000, source=source
    )
    beta = f.ProgramFactory(code="H-B", parent=root, name_ko="베타 사업", total_cost=None, start_year=2025)
    alpha_1 = f.ProgramFactory(code="H-A-1", parent=alpha, kind=Program.Kind.PROJECT, name_ko="알파 세부")
    national = f.ProgramFactory(code="H-NAT", name_ko="국가 참고", is_national_context=True, total_cost=None)

    lines = [
        (alpha, 2025, FundingSource.NATIONAL, BudgetStage.PLAN, 6_000_000_000),
        (alpha, 2025, FundingSource.NATIONAL, BudgetStage.ORIGINAL, 5_000_000_000),
        (alpha, 2025, FundingSource.NATIONAL, BudgetStage.SUPPLEMENTARY, 5_500_000_000),
        (alpha, 2025, FundingSource.CITY, BudgetStage.ORIGINAL, 2_000_000_000),
        (alpha, 2026, FundingSource.CITY, BudgetStage.ORIGINAL, 3_000_000_000),
        (alpha_1, 2025, FundingSource.PRIVATE, BudgetStage.ORIGINAL, 700_000_000),
        (beta, 2026, FundingSource.NATIONAL, BudgetStage.PLAN, 9_000_000_000),
        (beta, 2026, FundingSource.PROVINCE, BudgetStage.ORIGINAL, 1_234_567_890),
        (national, 2026, FundingSource.NATIONAL, BudgetStage.PLAN, 10_100_000_000_000),
    ]
    for program, year, funding, stage, amount in lines:
        f.BudgetLineFactory(
            program=program, fiscal_year=year, funding_source=funding, stage=stage, amount=amount
        )
    D = datetime.date
    f.ExecutionFactory(program=alpha, executed_on=D(2025, 3, 1), amount=1_500_000_000, reference="E-1")
    f.ExecutionFactory(program=alpha, executed_on=D(2025, 9, 1), funding_source=FundingSource.CITY,
                       amount=400_000_000, reference="E-2")  # fmt: skip
    f.ExecutionFactory(program=alpha_1, executed_on=D(2025, 5, 5), funding_source=FundingSource.PRIVATE,
                       amount=123_456_789, reference="E-3")  # fmt: skip
    f.ExecutionFactory(program=beta, executed_on=D(2026, 2, 1), funding_source=FundingSource.PROVINCE,
                       amount=34_567_890, reference="E-4")  # fmt: skip

    done = Milestone.Status.DONE
    f.MilestoneFactory(
        program=alpha, title_ko="착수", planned_date=D(2025, 1, 31), actual_date=D(2025, 2, 20), status=done
    )
    f.MilestoneFactory(program=beta, title_ko="늦은 일정", planned_date=D(2025, 6, 30))
    f.MilestoneFactory(program=beta, title_ko="먼 일정", planned_date=D(2029, 12, 31))

    firms = f.IndicatorFactory(program=alpha, code="H-FIRMS", name_ko="기업 유치", metric="firms",
                               target=Decimal(40), target_year=2028)  # fmt: skip
    f.ReadingFactory(indicator=firms, period=D(2024, 12, 31), value=Decimal(12))
    f.ReadingFactory(indicator=firms, period=D(2025, 12, 31), value=Decimal(19))
    jobs = f.IndicatorFactory(program=beta, code="H-JOBS", name_ko="일자리", metric="jobs", unit="명",
                              target=Decimal(300), target_year=2026, is_cumulative=False)  # fmt: skip
    f.ReadingFactory(indicator=jobs, period=D(2024, 12, 31), value=Decimal("12.5"))
    f.ReadingFactory(indicator=jobs, period=D(2025, 12, 31), value=Decimal(30))
    f.IndicatorFactory(
        program=national, code="H-GPU", name_ko="GPU", unit="대", target=Decimal(1000), target_year=2030
    )

    f.FirmFactory(program=alpha, name="가나다 주식회사", jobs=12)
    f.FirmFactory(program=alpha_1, name="라마바 AI", jobs=7, attracted_on=D(2025, 4, 1))
    return {"root": root, "alpha": alpha, "beta": beta, "alpha_1": alpha_1, "national": national}


EOK_WON = 100_000_000


@pytest.fixture
def worked_example(db):
    """The issue's worked example (program P, 2026, 국비) closed with 명시이월 20억 and 사고이월 6억;
    P also has 10억 of 시비, a second program Q 5억 of 시비, and a national-context item 국비 100억."""
    from portfolio import closing
    from portfolio.models import AdjustmentKind, BudgetAdjustment, Execution, ExecutionKind

    program = f.ProgramFactory(code="P", name_ko="사업 P")
    for stage, amount in ((2, 80), (3, 95), (4, 90)):
        f.BudgetLineFactory(program=program, fiscal_year=2026, funding_source="national", stage=stage,
                            amount=amount * EOK_WON)  # fmt: skip
    f.BudgetLineFactory(
        program=program, fiscal_year=2026, funding_source="city", stage=2, amount=10 * EOK_WON
    )
    q = f.ProgramFactory(code="Q", name_ko="사업 Q")
    f.BudgetLineFactory(program=q, fiscal_year=2026, funding_source="city", stage=2, amount=5 * EOK_WON)
    national = f.ProgramFactory(code="NAT", name_ko="국가 참고", is_national_context=True)
    f.BudgetLineFactory(
        program=national, fiscal_year=2026, funding_source="national", stage=2, amount=100 * EOK_WON
    )
    for kind, amount in (
        (AdjustmentKind.RESERVE, 2 * EOK_WON),
        (AdjustmentKind.TRANSFER_SUBITEM, -EOK_WON),
        (AdjustmentKind.CARRIED_ACCIDENT, 5 * EOK_WON),
    ):
        row = BudgetAdjustment(
            program=program,
            fiscal_year=2026,
            funding_source="national",
            kind=kind,
            amount=amount,
            adjusted_on=datetime.date(2026, 3, 1),
            basis="의결",
        )
        row.full_clean()
        row.save()
    for kind, amount, day in (
        (ExecutionKind.COMMITMENT, 70 * EOK_WON, datetime.date(2026, 3, 2)),
        (ExecutionKind.PAYMENT, 61 * EOK_WON, datetime.date(2026, 3, 5)),
        (ExecutionKind.REFUND, EOK_WON // 2, datetime.date(2026, 3, 10)),
    ):
        row = Execution(program=program, kind=kind, amount=amount, executed_on=day, funding_source="national")
        row.full_clean()
        row.save()
    closing.close_year(program=program, fiscal_year=2026, funding_source="national",
                       carried_out_explicit=20 * EOK_WON, carried_out_accident=6 * EOK_WON)  # fmt: skip
    return program
