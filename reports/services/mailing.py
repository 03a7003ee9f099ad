"""Mailing reports: a finished run with recipients is mailed once (the file attached up to
REPORT_MAIL_MAX_ATTACHMENT_MB, a download link above it), through Django's mail framework and the
task reports.mail_report, which retries a failed send with backoff. The run shows how it went
(delivery_status, delivery_message); `send_test_mail` lets the admin try a recipient list."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from config.health import redis_answers
from reports.models import DeliveryStatus, ReportRun

logger = logging.getLogger(__name__)

# What a send can fail with that may pass on a retry: the server refusing or not answering.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def site_address(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def report_message(run: ReportRun) -> EmailMessage:
    """The mail of a finished run, in the run's language: what it is, and its file attached when
    small enough, else the address to download it from (after logging in)."""
    with override(run.language):
        day = run.as_of or timezone.localdate(run.finished_at or run.created_at)
        subject = _("[Gwangju AI] %(kind)s, %(day)s") % {
            "kind": run.get_kind_display(),
            "day": f"{day:%Y-%m-%d}",
        }
        lines = [
            _("%(kind)s as of %(day)s (report #%(id)s).")
            % {"kind": run.get_kind_display(), "day": f"{day:%Y-%m-%d}", "id": run.pk}
        ]
        attach = (run.size or 0) <= settings.REPORT_MAIL_MAX_ATTACHMENT_BYTES
        download = site_address(run.get_download_url() or "")
        if attach:
            lines.append(_("The file is attached: %(name)s.") % {"name": run.download_filename()})
        else:
            lines.append(
                _("The file (%(size)s MB) is too large to attach; download it here after logging in: %(url)s")
                % {"size": f"{(run.size or 0) / 1024 / 1024:.1f}", "url": download}
            )
        lines.append(_("Sent by the schedule of the AI Industry Office's portfolio tracker."))
    message = EmailMessage(subject=subject, body="\n\n".join(lines), to=run.recipient_list())
    if attach:
        with run.file.storage.open(run.file.name, "rb") as handle:
            message.attach(run.download_filename(), handle.read(), run.output.content_type)
    return message


def mail_run(run_id: int) -> str:
    """Send a finished run to its recipients: "sent", or "skipped" when there is nothing to send
    (no recipients, no file, or already sent). Raises one of MAIL_ERRORS when the send fails."""
    run = ReportRun.objects.filter(pk=run_id).first()
    if run is None or not run.recipient_list() or run.delivery_status == DeliveryStatus.SENT:
        return "skipped"
    if not run.is_downloadable:
        return "skipped"
    ReportRun.objects.filter(pk=run_id).update(delivery_attempts=F("delivery_attempts") + 1)
    message = report_message(run)
    message.send()
    attached = bool(message.attachments)
    with override(run.language):
        how = _("file attached") if attached else _("download link")
        text = _("Mailed to %(count)d recipient(s) (%(how)s).") % {"count": len(message.to), "how": how}
    ReportRun.objects.filter(pk=run_id).update(
        delivery_status=DeliveryStatus.SENT, delivered_at=timezone.now(), delivery_message=text
    )
    return "sent"


def note_mail_failure(run_id: int, error: BaseException, *, retry_in: int | None) -> None:
    """Show a failed send on the run: being retried in `retry_in` seconds, or failed for good."""
    run = ReportRun.objects.filter(pk=run_id).only("language", "delivery_attempts").first()
    if run is None:
        return
    with override(run.language):
        values = {"error": f"{type(error).__name__}: {error}", "attempts": run.delivery_attempts}
        if retry_in is None:
            status = DeliveryStatus.FAILED
            text = _("Mail failed after %(attempts)d attempt(s): %(error)s") % values
        else:
            status = DeliveryStatus.RETRYING
            text = _("Mail attempt %(attempts)d failed (%(error)s); trying again in %(seconds)d s.") % (
                values | {"seconds": retry_in}
            )
    logger.warning("Mailing report run %s: %s", run_id, text)
    ReportRun.objects.filter(pk=run_id).update(delivery_status=status, delivery_message=text)


def queue_mail(run_id: int) -> None:
    """Send the mail task of a run just finished; without Redis (REDIS_URL empty, or not
    answering) mail from this process, retries included, rather than never."""
    from reports.tasks import mail_report

    if settings.REDIS_URL and redis_answers(settings.CELERY_BROKER_URL):
        try:
            mail_report.apply_async(args=[run_id], retry=True, retry_policy={"max_retries": 2})
            return
        except Exception as exc:  # kombu/redis raise several kinds; any failure to send counts
            logger.warning("Could not queue the mail of report run %s (%s); mailing here.", run_id, exc)
    mail_report.apply(args=[run_id])


def send_test_mail(recipients: list[str], *, name: str) -> None:
    """A short test mail to a recipient list, so the office can check the addresses and the mail
    server before the schedule runs. Raises one of MAIL_ERRORS when the server refuses it."""
    EmailMessage(
        subject=_("[Gwangju AI] Test mail: %(name)s") % {"name": name},
        body=_("This is a test of the report schedule %(name)s. Reports will be mailed to: %(recipients)s.")
        % {"name": name, "recipients": ", ".join(recipients)},
        to=recipients,
    ).send()
