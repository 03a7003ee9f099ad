"""Query parameters of each endpoint, validated by DRF serializers: a bad value answers 400
naming the parameter (a bad choice lists the valid ones, a bad date shows YYYY-MM-DD), an unknown
parameter answers 400 naming it, and drf-spectacular documents them from the same classes."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from portfolio.models import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN, Indicator, Milestone, Program
from portfolio.selectors import KpiStatus
from portfolio.validation import validate_as_of

MAX_PAGE_SIZE = 500
PROGRAM_ORDERING = ["code", "name_ko", "status", "level", "start_year", "end_year",
                    "total_cost", "planned", "budget", "committed", "executed", "execution_rate",
                    "executed_to_date", "cumulative_execution_rate"]  # fmt: skip
MILESTONE_ORDERING = ["planned_date", "status", "program", "slippage_days"]
INDICATOR_ORDERING = ["code", "program", "status", "achievement_pct"]


# Parameters every endpoint takes besides its own: DRF's format override (?format=json).
COMMON_PARAMS = frozenset({"format"})


def with_descending(fields: list[str]) -> list[str]:
    return [f for field in fields for f in (field, f"-{field}")]


def refuse_unknown(params, known) -> None:
    """400 naming every parameter the endpoint does not take (as the POST bodies do): a misspelt
    filter must not quietly give every row."""
    unknown = sorted(set(params) - set(known) - COMMON_PARAMS)
    if unknown:
        message = _("Unknown parameter(s): %(names)s. This address takes: %(known)s.") % {
            "names": ", ".join(unknown),
            "known": ", ".join(sorted(known)) or _("no parameters"),
        }
        raise serializers.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="unknown_parameter"
        )


class Choice(serializers.ChoiceField):
    """A choice whose refusal lists the valid values."""

    def to_internal_value(self, data):
        if data == "" and self.allow_blank:
            return ""
        if str(data) not in self.choice_strings_to_values:
            message = _("“%(input)s” is not a valid choice. Choose one of: %(choices)s.") % {
                "input": data,
                "choices": ", ".join(self.choice_strings_to_values),
            }
            raise serializers.ValidationError(message, code="invalid_choice")
        return self.choice_strings_to_values[str(data)]


class Query(serializers.Serializer):
    """Query parameters: unknown ones are refused before any value is looked at."""

    # Error codes besides the fields' own, for the OpenAPI schema (api.openapi).
    extra_error_codes = {api_settings.NON_FIELD_ERRORS_KEY: ("unknown_parameter",)}

    def to_internal_value(self, data):
        refuse_unknown(data, self.fields)
        return super().to_internal_value(data)


class PageQuery(Query):
    page = serializers.IntegerField(min_value=1, default=1, help_text=_("Page number, from 1."))
    page_size = serializers.IntegerField(
        min_value=1, max_value=MAX_PAGE_SIZE, default=100, help_text=_("Rows per page, at most 500.")
    )


def _code(help_text) -> serializers.SlugField:
    return serializers.SlugField(required=False, max_length=40, help_text=help_text)


def fiscal_year_field(help_text) -> serializers.IntegerField:
    bounds = _("The fiscal year must be from 2000 to 2100.")  # FISCAL_YEAR_MIN and _MAX
    return serializers.IntegerField(
        required=False,
        min_value=FISCAL_YEAR_MIN,
        max_value=FISCAL_YEAR_MAX,
        help_text=help_text,
        error_messages={
            "invalid": _("The fiscal year must be a whole number, e.g. 2026."),
            "min_value": bounds,
            "max_value": bounds,
            "max_string_length": _("The fiscal year must be a whole number, e.g. 2026."),
        },
    )


def _flag(help_text) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, allow_null=True, default=None, help_text=help_text)


class ProgramQuery(PageQuery):
    status = Choice(Program.Status.choices, required=False)
    parent = _code(_("Only the direct children of this program code."))
    level = Choice(Program.Kind.choices, required=False)
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, help_text=_("Programs whose period covers this year.")
    )
    national = _flag(_("true: only national-context items; false: only the city's programs."))
    fiscal_year = fiscal_year_field(
        _(
            "The fiscal year of the money and the execution rate (default: the current one in Seoul), "
            "2000 to 2100."
        )
    )
    ordering = Choice(with_descending(PROGRAM_ORDERING), required=False)


class MilestoneQuery(PageQuery):
    status = Choice(Milestone.Status.choices, required=False)
    program = _code(_("Milestones of this program and everything under it."))
    due_after = serializers.DateField(required=False, help_text=_("Planned on or after this day."))
    due_before = serializers.DateField(required=False, help_text=_("Planned on or before this day."))
    overdue = _flag(_("true: only open milestones past their planned date."))
    ordering = Choice(with_descending(MILESTONE_ORDERING), required=False)


class IndicatorQuery(PageQuery):
    program = _code(_("Indicators of this program and everything under it."))
    status = Choice(KpiStatus.choices, required=False)
    metric = Choice(Indicator.Metric.choices, required=False)
    ordering = Choice(with_descending(INDICATOR_ORDERING), required=False)


class BriefingQuery(Query):
    program = _code(_("Limit the briefing to this program and everything under it."))
    since = serializers.DateField(
        required=False,
        help_text=_(
            "List what changed from this day on (default: seven days before as_of). Not after as_of; "
            "a day before 2000 reads as 2000-01-01."
        ),
    )
    fiscal_year = fiscal_year_field(
        _(
            "The fiscal year of the headline money, the execution rate and the ledger (default: the year "
            "of as_of), 2000 to 2100."
        )
    )
    as_of = serializers.DateField(
        required=False,
        validators=[validate_as_of],
        help_text=_(
            "The data as it stood at the end of this day (default: today). From 2000-01-01 to today "
            "(Seoul time): a day in the future is refused with 400."
        ),
    )

    # Codes of the errors raised by validate_as_of and validate(), for the OpenAPI schema
    # (drf-standardized-errors only sees the fields' own error messages).
    extra_error_codes = Query.extra_error_codes | {
        "as_of": ("future", "too_early"),
        "since": ("after_as_of",),
    }

    def validate(self, attrs):
        # The as-of day follows the reports' and the dashboard's rule (portfolio.validation);
        # `since` only bounds a list of changes, so a day before any data simply means "all".
        as_of = attrs.get("as_of") or timezone.localdate()
        since = attrs.get("since")
        if since is not None:
            if since > as_of:
                message = _("The since day cannot be after the as-of day (%(as_of)s).") % {"as_of": as_of}
                raise serializers.ValidationError({"since": message}, code="after_as_of")
            attrs["since"] = max(since, FIRST_DAY)
        return attrs


FIRST_DAY = datetime.date(FISCAL_YEAR_MIN, 1, 1)
BRIEFING_PARAMS = ("program", "since", "as_of", "fiscal_year")
