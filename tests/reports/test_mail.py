"""Report schedules with recipients and the mail of each run: the beat entry kept in step with the
schedule, a scheduled run built once and mailed with its file (locmem, and a real SMTP server on
loopback), a link instead of a too-large file, a failed send retried with the failures shown on
the run, the admin's test mail, and bad recipients refused with nothing made."""

import email
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.exceptions import ValidationError
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from reports import services
from reports.models import DeliveryStatus, ReportRun, ReportSchedule
from reports.tasks import MAIL_MAX_RETRIES, mail_report, scheduled_report

pytestmark = pytest.mark.django_db
RECIPIENTS = ["mayor-office@gwangju.go.kr", "ai-office@gwangju.go.kr"]


@pytest.fixture
def mondays() -> CrontabSchedule:
    return CrontabSchedule.objects.create(minute="0", hour="7", day_of_week="1", timezone="Asia/Seoul")


@pytest.fixture
def schedule(mondays) -> ReportSchedule:
    schedule = ReportSchedule(name="주간 시장 보고", kind="briefing", crontab=mondays,
                              recipients="mayor-office@gwangju.go.kr, ai-office@gwangju.go.kr")  # fmt: skip
    schedule.full_clean()
    schedule.save()
    return schedule


def run_schedule(schedule: ReportSchedule, capture) -> ReportRun:
    """What beat does on the schedule's slot: its task, with the run built and mailed here."""
    with capture(execute=True):
        run_id = scheduled_report.apply(kwargs={"schedule_id": schedule.pk}).get()
    return ReportRun.objects.get(pk=run_id)


class Handler:
    """An SMTP server's mind: refuse the first `refuse` messages (451, try later), keep the rest."""

    def __init__(self, refuse: int = 0):
        self.refuse, self.received = refuse, []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                self.refuse -= 1
                return "451 4.3.0 Mailbox busy, try again later"
            self.received.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd) that Django's SMTP backend sends to."""
    servers = []

    def start(refuse: int = 0) -> Handler:
        handler = Handler(refuse)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        return handler

    yield start
    for controller in servers:
        controller.stop()


# --- the schedule and its beat entry ------------------------------------------------------------


def test_a_schedule_keeps_its_beat_entry_in_step(schedule, mondays):
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert (task.task, task.crontab, task.enabled) == ("reports.scheduled_report", mondays, True)
    assert task.kwargs == f'{{"schedule_id": {schedule.pk}}}'
    assert schedule.recipients == "\n".join(RECIPIENTS)  # cleaned: one per line

    schedule.enabled = False
    schedule.save()
    task.refresh_from_db()
    assert task.enabled is False
    schedule.delete()
    assert not PeriodicTask.objects.filter(pk=task.pk).exists()


def test_a_bad_recipient_is_refused_and_nothing_is_made(mondays):
    tasks = PeriodicTask.objects.count()
    schedule = ReportSchedule(name="잘못", kind="kpi", crontab=mondays, recipients="ok@gwangju.go.kr, 시장님")
    with pytest.raises(ValidationError) as refused:
        schedule.full_clean()
    assert refused.value.message_dict["recipients"] == ["올바른 전자우편 주소가 아닙니다: 시장님."]
    empty = ReportSchedule(name="빈", kind="kpi", crontab=mondays, recipients="  ")
    with pytest.raises(ValidationError) as refused:
        empty.full_clean()
    assert refused.value.message_dict["recipients"] == ["전자우편 주소를 하나 이상 적어 주세요."]

    with pytest.raises(ValidationError) as refused:
        services.request_report(kind="kpi", requested_by=None, recipients=["a@b.kr", "not-an-address"])
    assert list(refused.value.message_dict) == ["recipients"]
    assert (ReportSchedule.objects.count(), ReportRun.objects.count(), PeriodicTask.objects.count()) == (
        0,
        0,
        tasks,
    )


def test_the_admin_refuses_a_bad_recipient_with_the_reason(client, superuser, mondays):
    client.force_login(superuser)
    response = client.post(
        "/admin/reports/reportschedule/add/",
        {
            "name": "주간",
            "kind": "briefing",
            "language": "ko",
            "root": "",
            "crontab": mondays.pk,
            "recipients": "mayor@gwangju.go.kr\nmayor@",
            "enabled": "on",
        },
    )
    assert response.status_code == 200
    assert "올바른 전자우편 주소가 아닙니다: mayor@." in response.content.decode()
    assert ReportSchedule.objects.count() == 0


# --- a scheduled run, built once and mailed ---------------------------------------------------------


def test_a_scheduled_briefing_is_built_once_and_mailed_with_the_pdf_attached(
    gwangju, in_process, schedule, django_capture_on_commit_callbacks, mailoutbox
):
    run = run_schedule(schedule, django_capture_on_commit_callbacks)

    assert (run.kind, run.status, run.trigger) == ("briefing", "done", "schedule")
    assert run.recipient_list() == RECIPIENTS
    assert (run.delivery_status, run.delivery_attempts) == (DeliveryStatus.SENT, 1)
    assert run.delivery_message == "2명에게 보냈습니다 (파일 첨부)."
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == RECIPIENTS
    assert message.subject.startswith("[광주 AI] 시장 보고 요약 (1쪽), ")
    [(name, content, mimetype)] = message.attachments
    assert name == run.download_filename() and mimetype == "application/pdf"
    assert content == run.file.open("rb").read()
    assert ReportRun.objects.count() == 1  # built once, for every recipient


def test_a_file_over_the_size_limit_is_linked_not_attached(
    gwangju, in_process, schedule, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.REPORT_MAIL_MAX_ATTACHMENT_BYTES = 1_000
    settings.SITE_URL = "https://ai.gwangju.go.kr"
    run = run_schedule(schedule, django_capture_on_commit_callbacks)

    [message] = mailoutbox
    assert message.attachments == []
    assert f"https://ai.gwangju.go.kr/reports/{run.pk}/download/" in message.body
    assert run.delivery_message == "2명에게 보냈습니다 (내려받기 주소)."


def test_the_mail_goes_through_a_real_smtp_server_with_its_attachment(
    gwangju, in_process, schedule, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server()
    run = run_schedule(schedule, django_capture_on_commit_callbacks)

    assert run.delivery_status == DeliveryStatus.SENT, run.delivery_message
    [envelope] = server.received
    assert sorted(envelope.rcpt_tos) == sorted(RECIPIENTS)
    parsed = email.message_from_bytes(envelope.original_content)
    [attachment] = [part for part in parsed.walk() if part.get_content_disposition() == "attachment"]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == run.download_filename()
    assert attachment.get_payload(decode=True) == run.file.open("rb").read()


def test_a_refused_send_is_retried_and_each_failure_shown_on_the_run(
    gwangju, in_process, schedule, smtp_server, django_capture_on_commit_callbacks
):
    server = smtp_server(refuse=2)  # "451 try again later" twice, then accepted
    run = run_schedule(schedule, django_capture_on_commit_callbacks)

    assert (run.delivery_status, run.delivery_attempts) == (DeliveryStatus.SENT, 3)
    assert len(server.received) == 1


def test_a_send_that_keeps_failing_is_reported_failed_on_the_run(
    gwangju, in_process, schedule, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens there
    run = run_schedule(schedule, django_capture_on_commit_callbacks)

    assert run.status == "done"  # the report itself is fine, and stays downloadable
    assert run.delivery_status == DeliveryStatus.FAILED
    assert run.delivery_attempts == MAIL_MAX_RETRIES + 1
    assert run.delivery_message.startswith(f"{MAIL_MAX_RETRIES + 1}번 시도했으나 메일을 보내지 못했습니다: ")
    assert "ConnectionRefusedError" in run.delivery_message

    # Once the server is back, sending again mails it, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mail_report.apply(args=[run.pk]).get() == "sent"
    assert mail_report.apply(args=[run.pk]).get() == "skipped"
    assert len(mailoutbox) == 1


def test_a_retry_in_progress_says_when_it_tries_again(db, schedule):
    run = ReportRun.objects.create(kind="kpi", recipients="a@gwangju.go.kr", delivery_attempts=1)
    services.mailing.note_mail_failure(run.pk, ConnectionRefusedError(111, "Connection refused"), retry_in=42)
    run.refresh_from_db()
    assert run.delivery_status == DeliveryStatus.RETRYING
    assert run.delivery_message == (
        "메일 발송 1번째 시도 실패 (ConnectionRefusedError: [Errno 111] Connection refused). "
        "42초 뒤 다시 보냅니다."
    )


def test_a_run_that_failed_to_build_is_not_mailed_and_says_so(db, schedule):
    waiting = {"kind": "kpi", "recipients": "a@gwangju.go.kr", "delivery_status": "pending"}
    broken = ReportRun.objects.create(**waiting, status="running", claim="c")
    services.fail_run(broken.pk, "c", "망가짐")  # the builder failed
    swept = ReportRun.objects.create(**waiting, status="running")
    swept.fail("작업자가 응답하지 않았습니다.")  # the sweep (or a refused queue) failed it
    for run in (broken, swept):
        run.refresh_from_db()
        assert (run.status, run.delivery_status) == ("failed", "failed")
        assert run.delivery_message == "보고서를 만들지 못해 메일을 보내지 않았습니다."
    assert mail.outbox == []


# --- the admin's test mail ---------------------------------------------------------------------------


def test_the_admin_sends_a_test_mail_to_a_schedules_recipients(client, superuser, schedule, mailoutbox):
    client.force_login(superuser)
    response = client.post(
        "/admin/reports/reportschedule/",
        {"action": "send_test_mail", "_selected_action": [schedule.pk]},
        follow=True,
    )
    assert (
        "주간 시장 보고: 테스트 메일을 mayor-office@gwangju.go.kr, ai-office@gwangju.go.kr 주소로 보냈습니다."
        in (response.content.decode())
    )
    [message] = mailoutbox
    assert message.to == RECIPIENTS and message.subject == "[광주 AI] 테스트 메일: 주간 시장 보고"


def test_the_admin_says_when_the_test_mail_could_not_be_sent(client, superuser, schedule, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    client.force_login(superuser)
    response = client.post(
        "/admin/reports/reportschedule/",
        {"action": "send_test_mail", "_selected_action": [schedule.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert (
        "주간 시장 보고: 테스트 메일을 보내지 못했습니다: ConnectionRefusedError" in response.content.decode()
    )
