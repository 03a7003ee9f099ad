"""`manage.py import_data KIND FILE [--dry-run]`: the same import from the command line, every
row printed, and a non-zero exit with nothing written when any row fails."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portfolio.models import BudgetLine
from tests.imports.conftest import BUDGET_HEADER, snapshot, write_csv

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str) -> tuple[str, str]:
    """Run the command in this process (on the test database); a failure raises CommandError,
    which Django turns into exit code 1 on the command line (see the subprocess test below)."""
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_dry_run_prints_every_row_and_writes_nothing(tmp_path, programs):
    path = write_csv(tmp_path / "b.csv", [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", "1,000"]])
    out, _ = manage("import_data", "budget-lines", str(path), "--dry-run")
    assert "      2  새로 추가   AX-VALLEY · 2026 · 국비 · 본예산" in out
    assert "점검만 함: 새로 추가 1, 변경 0, 변경 없음 0, 오류 0. 아무것도 저장하지 않았습니다." in out
    assert BudgetLine.objects.count() == 0


def test_it_exits_non_zero_naming_the_failed_row_and_writes_nothing(tmp_path, programs):
    rows = [
        BUDGET_HEADER[:5],
        ["AX-VALLEY", 2026, "국비", "본예산", 1],
        ["AX-VALLEY", 2026, "시비", "본예산", -1],
    ]
    before = snapshot()
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_data", "budget-lines", str(write_csv(tmp_path / "b.csv", rows)), stdout=out)
    assert (
        "      3  오류      AX-VALLEY · 2026 · 시비 · 본예산  | 금액(원): 금액은 음수일 수 없습니다: -1."
        in out.getvalue()
    )
    assert str(error.value) == "새로 추가 1, 변경 0, 변경 없음 0, 오류 1. 아무것도 저장하지 않았습니다."
    assert snapshot() == before


def test_it_exits_non_zero_on_a_refused_file(tmp_path, programs):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(CommandError, match=r"파일이 손상되었거나 Excel 통합 문서\(.xlsx\)가 아닙니다."):
        manage("import_data", "budget-lines", str(path))


def test_it_exits_non_zero_naming_a_file_that_does_not_exist(tmp_path, programs):
    with pytest.raises(CommandError, match=r"^‘missing\.csv’ 파일이 없습니다\.$"):
        manage("import_data", "budget-lines", str(tmp_path / "missing.csv"))


def test_it_exits_non_zero_naming_a_folder_given_as_the_file(tmp_path, programs):
    with pytest.raises(CommandError, match=rf"^‘{tmp_path.name}’ 파일을 열 수 없습니다"):
        manage("import_data", "budget-lines", str(tmp_path))


def test_the_shell_sees_a_missing_file_as_a_message_and_exit_code_1_not_a_traceback(tmp_path):
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "DEBUG": "1",
        "REDIS_URL": "",
    }
    command = [sys.executable, "manage.py", "import_data", "budget-lines", str(tmp_path / "없는 파일.csv")]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip() == "CommandError: ‘없는 파일.csv’ 파일이 없습니다."


def test_it_applies_and_names_the_user_in_the_history(tmp_path, programs, office_staff):
    path = write_csv(tmp_path / "b.csv", [BUDGET_HEADER[:5], ["AX-VALLEY", 2026, "국비", "본예산", "1,000"]])
    out = io.StringIO()
    call_command("import_data", "budget-lines", str(path), "--user", "staff", stdout=out)
    assert "가져오기 완료: 새로 추가 1, 변경 0, 변경 없음 0, 오류 0." in out.getvalue()
    record = BudgetLine.objects.get().history.get()
    assert (record.history_user, record.history_change_reason) == (
        office_staff,
        f"import_data 명령: {path}"[:100],
    )


def test_it_refuses_an_unknown_user_before_reading_the_file(tmp_path, programs):
    with pytest.raises(CommandError, match=r"‘nobody’ 사용자가 없습니다\."):
        call_command("import_data", "budget-lines", str(tmp_path / "missing.csv"), "--user", "nobody")


@pytest.mark.slow
def test_the_shell_sees_exit_code_1_and_the_database_is_untouched(tmp_path):
    """On its own SQLite file, as an operator would run it."""
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "DEBUG": "1",
        "REDIS_URL": "",
    }

    def shell(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    assert shell("migrate", "-v0").returncode == 0
    assert shell("load_gwangju").returncode == 0
    rows = [
        BUDGET_HEADER[:5],
        ["AX-VALLEY", 2026, "국비", "본예산", 1],
        ["AX-VALLEY", 2026, "시비", "본예산", "x"],
    ]
    failed = shell("import_data", "budget-lines", str(write_csv(tmp_path / "b.csv", rows)))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "오류 1. 아무것도 저장하지 않았습니다." in failed.stderr
    rows.pop()
    done = shell("import_data", "budget-lines", str(write_csv(tmp_path / "c.csv", rows)))
    assert done.returncode == 0, done.stdout + done.stderr
    again = shell("import_data", "budget-lines", str(write_csv(tmp_path / "c.csv", rows)))
    assert "가져오기 완료: 새로 추가 0, 변경 0, 변경 없음 1, 오류 0." in again.stdout
