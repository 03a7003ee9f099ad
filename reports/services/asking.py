"""Asking for a report: `request_report` validates, creates the ReportRun row and sends the build
task once the row is committed; `dispatch` sends it (or, without an answering broker, builds it
here or fails it saying why)."""

import datetime
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.services import dispatch as send_or_run_here
from portfolio.models import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN, Program
from portfolio.selectors import before_history, load_scope
from portfolio.validation import validate_as_of
from reports.models import (
    BRIEFING_KINDS,
    DeliveryStatus,
    ReportKind,
    ReportLanguage,
    ReportRun,
    ReportUnit,
    Trigger,
    parse_recipients,
)

logger = logging.getLogger(__name__)


def request_errors(
    *,
    kind: str,
    language: str,
    as_of: datetime.date | None,
    root: str,
    fiscal_year: int | None = None,
    unit: str = ReportUnit.THOUSAND,
) -> dict:
    """What is wrong with a report's parameters, by field (empty when nothing is): an unknown kind,
    language or unit, an as-of day in the future or before 2000, a fiscal year outside 2000–2100,
    an as-of day before the history starts, a program code unknown at that day."""
    errors: dict = {}
    if unit not in ReportUnit.values:
        errors["unit"] = _("Unknown money unit %(unit)r; choose one of: %(units)s.") % {
            "unit": unit,
            "units": ", ".join(ReportUnit.values),
        }
    if fiscal_year is not None and not (
        isinstance(fiscal_year, int) and FISCAL_YEAR_MIN <= fiscal_year <= FISCAL_YEAR_MAX
    ):
        errors["fiscal_year"] = _("The fiscal year must lie between %(min)s and %(max)s.") % {
            "min": FISCAL_YEAR_MIN,
            "max": FISCAL_YEAR_MAX,
        }
    if kind not in ReportKind.values:
        errors["kind"] = _("Unknown report kind %(kind)r; choose one of: %(kinds)s.") % {
            "kind": kind,
            "kinds": ", ".join(ReportKind.values),
        }
    if language not in ReportLanguage.values:
        errors["language"] = _("Reports are written in Korean (ko) or English (en).")
    elif kind in BRIEFING_KINDS and language != ReportLanguage.KOREAN:
        errors["language"] = _("The mayor's briefing is written in Korean only (ko).")
    if as_of is not None:
        try:
            validate_as_of(as_of)
        except ValidationError as error:
            errors["as_of"] = error.messages
        else:
            if starts := before_history(as_of):
                # Before the history's first day the report would be empty, not a report of zeros.
                errors["as_of"] = _(
                    "History starts on %(day)s; a report as of an earlier day would have nothing in it. "
                    "Choose %(day)s or later."
                ) % {"day": starts.isoformat()}
    if root and "as_of" not in errors:
        try:
            load_scope(as_of=as_of, root=root)
        except Program.DoesNotExist:
            errors["root"] = _("No program has the code %(code)s (as of that day).") % {"code": root}
    return errors


def request_report(
    *,
    kind: str,
    requested_by: AbstractBaseUser | None,
    as_of: datetime.date | None = None,
    root: str | None = None,
    language: str = "ko",
    fiscal_year: int | None = None,
    unit: str = ReportUnit.THOUSAND,
    trigger: str = Trigger.USER,
    schedule_key: str = "",
    recipients: str | list[str] = "",
) -> ReportRun:
    """Create a run and send its build task when the row is committed.

    `fiscal_year` (default: the as-of day's year) is the year of the budget figures; `unit` the
    money unit of the whole workbook (default 천원).

    Raises ValidationError naming the field for an unknown kind, language or unit, a fiscal year
    outside 2000–2100, a future as-of day,
    or a program code that does not exist (at the as-of day); nothing is created then. Without an
    answering broker the run says so and is built in-process (or failed with the reason, when
    REPORT_IN_PROCESS_FALLBACK is off): it is never left queued without a word.

    `schedule_key` names the scheduled message asking (its task id): when a run was already made
    for it (the message came again), that run is returned and nothing new is made.

    `recipients` (addresses, a list or text one per line): the finished file is mailed to them;
    one that is not an e-mail address is a ValidationError on `recipients`, nothing created.
    """
    if schedule_key:
        made = ReportRun.objects.filter(schedule_key=schedule_key).first()
        if made is not None:
            logger.info("Report run %s was already made for scheduled message %s.", made.pk, schedule_key)
            return made
    root = (root or "").strip()
    errors = request_errors(
        kind=kind, language=language, as_of=as_of, root=root, fiscal_year=fiscal_year, unit=unit
    )
    addresses: list[str] = []
    try:
        addresses = parse_recipients(recipients if isinstance(recipients, str) else "\n".join(recipients))
    except ValidationError as error:
        errors["recipients"] = error.messages
    if errors:
        raise ValidationError(errors)
    if fiscal_year is None:  # kept on the run, so its file says which year it shows
        fiscal_year = (as_of or timezone.localdate()).year

    run = ReportRun(
        kind=kind,
        as_of=as_of,
        root=root,
        language=language,
        fiscal_year=fiscal_year,
        unit=unit,
        requested_by=requested_by,
        trigger=trigger,
        schedule_key=schedule_key,
        recipients="\n".join(addresses),
        delivery_status=DeliveryStatus.PENDING if addresses else DeliveryStatus.NONE,
    )
    run.full_clean(exclude=["schedule_key"])  # its unique constraint is the database's to check, races too
    try:
        with transaction.atomic():
            run.save()
            transaction.on_commit(lambda: dispatch(run.pk))
    except IntegrityError:
        if not schedule_key:
            raise
        # A twin delivery of the same message made its run a moment ago (and dispatches it).
        return ReportRun.objects.get(schedule_key=schedule_key)
    if not connection.in_atomic_block:  # dispatch has run: show what it did
        run.refresh_from_db()
    return run


def dispatch(run_id: int) -> None:
    """Send the build task; without an answering broker, build here or fail saying why (see
    jobs.services.dispatch)."""
    run = ReportRun.objects.filter(pk=run_id).first()
    if run is not None:
        send_or_run_here(run)
