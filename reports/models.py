"""The report run: the job handle a user, the schedule or a script creates, and a worker fills."""

import datetime
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import models
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext, override, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jobs.models import Job, JobQuerySet
from portfolio.models import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN
from reports.filenames import report_filename


class ReportStorage(LazyObject):
    """settings.STORAGES["reports"], looked up on first use (and again if the setting changes)."""

    def _setup(self):
        self._wrapped = storages["reports"]


report_files = ReportStorage()


@receiver(setting_changed)
def _forget_report_storage(setting, **kwargs):
    if setting in ("STORAGES", "MEDIA_ROOT"):
        report_files._wrapped = empty


def report_storage():
    """The storage for report files: a local folder, or an S3-compatible bucket (see settings)."""
    return report_files


class ReportKind(models.TextChoices):
    PORTFOLIO = "portfolio", _("Portfolio report")
    KPI = "kpi", _("KPI report")
    BRIEFING = "briefing", _("Mayor's one-page briefing")
    BRIEFING_HWPX = "briefing_hwpx", _("Mayor's one-page briefing (HWPX)")


# The briefing's kinds: the same page as PDF or as HWPX (Hangul), which the feed token may ask for.
BRIEFING_KINDS = frozenset({ReportKind.BRIEFING, ReportKind.BRIEFING_HWPX})


@dataclass(frozen=True)
class OutputType:
    extension: str
    content_type: str


XLSX = OutputType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PDF = OutputType("pdf", "application/pdf")
HWPX = OutputType("hwpx", "application/hwp+zip")
# What file each kind makes: the one place builders, storage, downloads and mail look it up.
OUTPUT_TYPES: dict[str, OutputType] = {
    ReportKind.PORTFOLIO: XLSX,
    ReportKind.KPI: XLSX,
    ReportKind.BRIEFING: PDF,
    ReportKind.BRIEFING_HWPX: HWPX,
}


class DeliveryStatus(models.TextChoices):
    NONE = "", _("Not mailed")
    PENDING = "pending", _("Mail waiting")
    RETRYING = "retrying", _("Mail being retried")
    SENT = "sent", _("Mailed")
    FAILED = "failed", _("Mail failed")


def parse_recipients(text: str) -> list[str]:
    """Addresses from a list written one per line or separated by commas or semicolons.
    Raises ValidationError naming each address that is not one."""
    addresses = [part.strip() for part in re.split(r"[,;\s]+", text or "") if part.strip()]
    wrong = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(address)
    if wrong:
        raise ValidationError(
            gettext("Not an e-mail address: %(addresses)s.") % {"addresses": ", ".join(wrong)},
            code="invalid_recipient",
        )
    return list(dict.fromkeys(addresses))  # each once, in the order given


class ReportUnit(models.TextChoices):
    """The money unit of a whole workbook. 천원 is the unit of Korean budget books."""

    WON = "won", _("won")
    THOUSAND = "thousand", _("KRW 1,000")
    MILLION = "million", _("KRW 1M")
    EOK = "eok", _("KRW 100M")

    @property
    def divisor(self) -> int:
        return {"won": 1, "thousand": 1_000, "million": 1_000_000, "eok": 100_000_000}[self.value]


class ReportStatus(models.TextChoices):
    # With a context: "Running" is also a program status, translated differently.
    QUEUED = "queued", pgettext_lazy("report status", "Queued")
    RUNNING = "running", pgettext_lazy("report status", "Running")
    DONE = "done", pgettext_lazy("report status", "Done")
    FAILED = "failed", pgettext_lazy("report status", "Failed")


class ReportLanguage(models.TextChoices):
    KOREAN = "ko", _("Korean")
    ENGLISH = "en", _("English")


class Trigger(models.TextChoices):
    USER = "user", _("Asked by a user")
    SCHEDULE = "schedule", _("Monthly schedule")
    COMMAND = "command", _("Command line")


class ReportRunQuerySet(JobQuerySet):
    def with_files(self):
        return self.exclude(file="")

    def mark_not_mailed(self) -> int:
        """Of these runs, those that failed with recipients waiting: nothing will be mailed, and
        the run says so (however it failed: a builder error, a sweep, a refused queue)."""
        return (
            self.filter(status=ReportStatus.FAILED)
            .exclude(recipients="")
            .exclude(delivery_status=DeliveryStatus.SENT)
            .update(
                delivery_status=DeliveryStatus.FAILED,
                delivery_message=gettext("Not mailed: the report could not be built."),
            )
        )


class ReportRun(Job):
    Kind = ReportKind
    Status = ReportStatus
    Language = ReportLanguage
    Unit = ReportUnit
    Trigger = Trigger
    Delivery = DeliveryStatus
    FINISHED = (ReportStatus.DONE, ReportStatus.FAILED)
    job_label = "report"

    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind)
    # Parameters
    as_of = models.DateField(
        _("as of"), null=True, blank=True, help_text=_("Empty: the data as it stands now.")
    )
    root = models.CharField(
        _("program scope"),
        max_length=40,
        blank=True,
        help_text=_("A program code: the report covers it and everything under it. Empty: everything."),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=ReportLanguage, default=ReportLanguage.KOREAN
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(FISCAL_YEAR_MIN), MaxValueValidator(FISCAL_YEAR_MAX)],
        help_text=_("The year of the budget figures. Empty: the as-of day's year."),
    )
    unit = models.CharField(_("money unit"), max_length=10, choices=ReportUnit, default=ReportUnit.THOUSAND)
    # Progress (rows done and in all, message), claim and heartbeat: see Job
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus, default=ReportStatus.QUEUED, db_index=True
    )
    # Result
    file = models.FileField(_("file"), storage=report_storage, max_length=300, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # Who and when
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_runs",
    )
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger, default=Trigger.USER)
    # The scheduled message a run was made for (its Celery task id, which a message keeps when it
    # is delivered again after its worker died): one message makes at most one report.
    schedule_key = models.CharField(_("schedule message"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    expired_at = models.DateTimeField(_("file removed at"), null=True, blank=True)
    # Mail: a scheduled run with recipients is mailed once its file is built (reports.services.mailing).
    recipients = models.TextField(_("recipients"), blank=True, help_text=_("One e-mail address per line."))
    delivery_status = models.CharField(
        _("mail status"), max_length=10, choices=DeliveryStatus, default=DeliveryStatus.NONE, blank=True
    )
    delivery_message = models.TextField(_("mail message"), blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(_("mail attempts"), default=0)
    delivered_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        # The briefing feed's token holds this and not add/view: it may ask for and download briefings.
        permissions = [("request_briefing", _("Can ask for and download the mayor's briefing"))]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="reportrun_status_heartbeat")]
        constraints = [
            models.CheckConstraint(
                name="reportrun_status_known",
                condition=models.Q(status__in=ReportStatus.values),
                violation_error_message=_("Unknown status."),
            ),
            models.CheckConstraint(
                name="reportrun_kind_known",
                condition=models.Q(kind__in=ReportKind.values),
                violation_error_message=_("Unknown report kind."),
            ),
            models.CheckConstraint(
                name="reportrun_delivery_status_known",
                condition=models.Q(delivery_status__in=DeliveryStatus.values),
                violation_error_message=_("Unknown mail status."),
            ),
            models.CheckConstraint(
                name="reportrun_unit_known",
                condition=models.Q(unit__in=ReportUnit.values),
                violation_error_message=_("Unknown money unit."),
            ),
            models.UniqueConstraint(
                fields=["schedule_key"],
                condition=~models.Q(schedule_key=""),
                name="reportrun_one_run_per_scheduled_message",
                violation_error_message=_("A report was already made for this scheduled message."),
            ),
            models.CheckConstraint(
                name="reportrun_done_has_file_or_expired",
                condition=~models.Q(status="done") | ~models.Q(file="") | models.Q(expired_at__isnull=False),
                violation_error_message=_("A finished report needs its file."),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        """0–100 for a progress bar; 100 once done."""
        if self.status == ReportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def is_downloadable(self) -> bool:
        return self.status == ReportStatus.DONE and bool(self.file)

    def get_download_url(self) -> str | None:
        """The permission-checked download address, or None while there is no file."""
        return reverse("reports:download", args=[self.pk]) if self.is_downloadable else None

    @property
    def output(self) -> OutputType:
        return OUTPUT_TYPES[self.kind]

    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]

    def download_label(self) -> str:
        return gettext("Download .%(extension)s") % {"extension": self.output.extension}

    def requested_by_name(self) -> str:
        """Who asked, for the cover: the person's name, or how the run came (the schedule, a script)."""
        if self.requested_by_id is None:
            return str(self.get_trigger_display())
        return self.requested_by.get_full_name() or self.requested_by.get_username()

    def report_day(self) -> datetime.date:
        """The 기준일: the as-of day, or the day the live data was read."""
        return self.as_of or timezone.localdate(self.finished_at or self.created_at)

    def download_filename(self) -> str:
        """What the browser saves the file as, in the report's language, e.g.
        `광주 AI 포트폴리오 보고서_AX-VALLEY_2026회계연도_2025-12-31 기준_12호.xlsx`."""
        with override(self.language):
            return report_filename(
                str(self.get_kind_display()),
                day=self.report_day(),
                root=self.root,
                fiscal_year=self.fiscal_year,
                number=self.pk,
                extension=f".{self.output.extension}",
            )

    def ascii_filename(self) -> str:
        """The plain-ASCII fallback for old clients, e.g. gwangju-portfolio-2025-12-31-run12.xlsx."""
        scope = f"-{self.root}" if self.root else ""
        return f"gwangju-{self.kind}{scope}-{self.report_day():%Y-%m-%d}-run{self.pk}.{self.output.extension}"

    def storage_name(self) -> str:
        """The one name this run's file ever has, so a rebuild replaces it instead of adding one."""
        return f"{self.created_at:%Y/%m}/report-{self.pk}-{self.kind}.{self.output.extension}"

    # --- as a job (see jobs.models.Job) ------------------------------------------------------

    def task(self):
        from reports.tasks import build_report

        return build_report

    def run_here(self, *, note: str) -> None:
        from reports.services.building import build_run

        build_run(self.pk, note=note)

    def estimated_rows(self) -> int:
        """Rows a build of this report writes, about: programs, budget lines, executions and KPI
        readings of the whole portfolio (an upper bound for a scoped report)."""
        from portfolio.models import BudgetLine, Execution, IndicatorReading, Program

        return sum(model.objects.count() for model in (Program, BudgetLine, Execution, IndicatorReading))

    def refusal_here(self) -> str:
        if not settings.REPORT_IN_PROCESS_FALLBACK:
            return gettext("Nothing was built; ask again when the queue is back.")
        rows = self.estimated_rows()
        if rows > settings.REPORT_IN_PROCESS_MAX_ROWS:
            return gettext(
                "A report of about %(rows)s rows would outlive a web request, so nothing was built. "
                "Ask again when the queue is back, or ask for one program's report."
            ) % {"rows": f"{rows:,}"}
        return ""

    def fail(self, reason: str) -> None:
        super().fail(reason)
        ReportRun.objects.filter(pk=self.pk).mark_not_mailed()

    def claimed_message(self, note: str) -> str:
        return gettext("Building (attempt %(attempt)d of %(max)d).") % {
            "attempt": self.attempts,
            "max": settings.REPORT_MAX_ATTEMPTS,
        }

    def queue_texts(self) -> dict[str, str]:
        return {
            "no_redis": gettext("No Redis is configured (REDIS_URL is empty): built in the web process."),
            "no_answer": gettext("The report queue (Redis) does not answer."),
            "refused": gettext("The report queue (Redis) refused the task: %(error)s"),
            "instead": gettext("Built in the web process instead."),
            "waiting": gettext("Waiting for a worker."),
        }

    def lost_each_time_message(self) -> str:
        return gettext(
            "Gave up after %(attempts)d attempts: the worker building this report was lost each time "
            "(last on %(worker)s). A report this large may need a longer time limit."
        ) % {"attempts": self.attempts, "worker": self.worker or "?"}

    def stale_messages(self, *, time: str) -> tuple[str, str]:
        values = {"attempts": self.attempts, "time": time, "worker": self.worker or "?"}
        sent_again = gettext(
            "The worker building this report stopped answering (last heartbeat %(time)s on "
            "%(worker)s); sent to the queue again."
        )
        given_up = gettext(
            "Gave up after %(attempts)d attempts: the worker building this report stopped "
            "answering each time (last heartbeat %(time)s on %(worker)s)."
        )
        return sent_again % values, given_up % values

    @classmethod
    def housekeeping(cls, now: datetime.datetime) -> dict[str, int]:
        from reports.services.housekeeping import remove_stale_build_folders

        return {"folders_removed": remove_stale_build_folders()}


class ReportSchedule(models.Model):
    """A report made on a schedule and mailed to a list of recipients. Its beat entry (a
    django-celery-beat PeriodicTask calling reports.scheduled_report with this row's id) is kept
    in step on every save, so the office edits one row: kind, scope, when and to whom."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind, default=ReportKind.BRIEFING)
    language = models.CharField(
        _("language"), max_length=2, choices=ReportLanguage, default=ReportLanguage.KOREAN
    )
    root = models.CharField(
        _("program scope"), max_length=40, blank=True, help_text=_("A program code. Empty: everything.")
    )
    crontab = models.ForeignKey(
        "django_celery_beat.CrontabSchedule",
        verbose_name=_("when"),
        on_delete=models.PROTECT,
        help_text=_("A crontab in Korea time, e.g. minute 0, hour 7, day of week 1 for Mondays at 07:00."),
    )
    recipients = models.TextField(
        _("recipients"), help_text=_("E-mail addresses, one per line (commas also work).")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, editable=False, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        constraints = [
            models.CheckConstraint(
                name="reportschedule_kind_known",
                condition=models.Q(kind__in=ReportKind.values),
                violation_error_message=_("Unknown report kind."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        from django.db import transaction
        from django_celery_beat.models import PeriodicTask

        with transaction.atomic():
            super().save(*args, **kwargs)
            task = self.periodic_task or PeriodicTask(task="reports.scheduled_report")
            task.name = f"보고서 발송: {self.name}"
            task.crontab, task.interval = self.crontab, None
            task.kwargs = json.dumps({"schedule_id": self.pk})
            task.enabled = self.enabled
            task.description = f"보고서 발송 일정 「{self.name}」에서 만듦: 그 일정에서 고치세요."
            task.save()
            if self.periodic_task_id != task.pk:
                self.periodic_task = task
                super().save(update_fields=["periodic_task"])

    def clean(self) -> None:
        from reports.services.asking import request_errors

        errors = request_errors(kind=self.kind, language=self.language, as_of=None, root=self.root.strip())
        try:
            addresses = parse_recipients(self.recipients)
        except ValidationError as error:
            errors["recipients"] = error.messages
        else:
            if not addresses:
                errors["recipients"] = _("Give at least one e-mail address.")
            self.recipients = "\n".join(addresses)
        if errors:
            raise ValidationError(errors)


@receiver(models.signals.post_delete, sender=ReportSchedule)
def _delete_beat_entry(sender, instance: ReportSchedule, **kwargs) -> None:
    """A removed schedule stops sending: its beat entry goes with it (a bulk delete too)."""
    if instance.periodic_task_id:
        from django_celery_beat.models import PeriodicTask

        PeriodicTask.objects.filter(pk=instance.periodic_task_id).delete()
