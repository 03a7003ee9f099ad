"""The form to ask for a report, shared by the report center and the admin's Reports page."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portfolio.models import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN
from portfolio.selectors import ProgramNode, load_scope
from portfolio.validation import validate_as_of
from reports import services
from reports.models import ReportKind, ReportLanguage, ReportRun, ReportUnit

INDENT = "　"  # an ideographic space: the tree's depth shows in the select, in any font


def node_name(node: ProgramNode) -> str:
    """The program's name in the page's language (Korean when it has no English one)."""
    english = (get_language() or "").startswith("en")
    return (english and node.name_en) or node.name_ko


def readable_day(value) -> datetime.date | None:
    """A day from `YYYY-MM-DD` (or a date) that the history can be read at; None otherwise."""
    try:
        day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value).strip())
        validate_as_of(day)
    except (ValueError, ValidationError):
        return None
    return day


class RequestReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=ReportKind.choices,
        error_messages={"invalid_choice": _("Choose a report kind: portfolio, KPI or the mayor's briefing.")},
    )
    as_of = forms.DateField(
        label=_("as of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the as-of day as YYYY-MM-DD, e.g. 2025-10-24.")},
        help_text=_(
            "Empty: the data as it stands now. A past day rebuilds the report from the change history."
        ),
    )
    root = forms.ChoiceField(
        label=_("program scope"),
        required=False,
        error_messages={"invalid_choice": _("No program has the code %(value)s.")},
    )
    language = forms.ChoiceField(
        label=_("language"),
        choices=ReportLanguage.choices,
        initial="ko",
        error_messages={"invalid_choice": _("Reports are written in Korean (ko) or English (en).")},
    )

    fiscal_year = forms.IntegerField(
        label=_("fiscal year"),
        required=False,
        min_value=FISCAL_YEAR_MIN,
        max_value=FISCAL_YEAR_MAX,
        error_messages={
            "invalid": _("Enter the fiscal year as a number, e.g. 2026."),
            "min_value": _("The fiscal year must lie between 2000 and 2100."),
            "max_value": _("The fiscal year must lie between 2000 and 2100."),
        },
        help_text=_("The year of the budget figures. Empty: the as-of day's year."),
    )
    unit = forms.ChoiceField(
        label=_("money unit"),
        required=False,  # empty: 천원
        choices=ReportUnit.choices,
        initial=ReportUnit.THOUSAND,
        error_messages={"invalid_choice": _("Choose a money unit: won, KRW 1,000, KRW 1M or KRW 100M.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The tree as it stood on the chosen day (today when none): only programs that existed
        # then are offered. One query; the report center reuses it to name each run's scope.
        self.programs = load_scope(as_of=self.chosen_day()).nodes
        self.fields["root"].choices = [("", _("All programs"))] + [
            (node.code, f"{INDENT * node.depth}{node.code} {node_name(node)}") for node in self.programs
        ]

    def chosen_day(self) -> datetime.date | None:
        """The as-of day sent (or started from), when it is one a report can be asked for."""
        value = self.data.get("as_of") if self.is_bound else self.initial.get("as_of")
        return readable_day(value)

    @classmethod
    def from_query(cls, query: QueryDict) -> "RequestReportForm":
        """An unbound form that starts from the address: `?root=AX-VALLEY&kind=kpi&as_of=2025-12-31`,
        as a program's dashboard page links here. A value that is not one of the choices (or not
        a day a report can be asked for) is left out; the form then starts as usual."""
        day = readable_day(query.get("as_of", ""))
        form = cls(initial={"as_of": day} if day else {})
        root, kind = query.get("root", "").strip(), query.get("kind", "").strip()
        if root in {node.code for node in form.programs}:
            form.initial["root"] = root
        if kind in ReportKind.values:
            form.initial["kind"] = kind
        return form

    def clean_as_of(self) -> datetime.date | None:
        day = self.cleaned_data["as_of"]
        if day is not None:
            validate_as_of(day)  # said beside the field, before anything is asked
        return day

    def ask(self, user) -> ReportRun | None:
        """Ask for the report the valid form describes, as `user`: the run, or None with
        request_report's errors (keyed by its argument names) put beside the fields."""
        data = self.cleaned_data
        try:
            return services.request_report(
                kind=data["kind"],
                requested_by=user,
                as_of=data["as_of"],
                root=data["root"] or None,
                language=data["language"],
                fiscal_year=data["fiscal_year"],
                unit=data["unit"] or ReportUnit.THOUSAND,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                self.add_error(field if field in self.fields else None, problems)
            return None

    def program_names(self) -> dict[str, str]:
        """code → name of every program in the select, in the page's language."""
        return {node.code: node_name(node) for node in self.programs}
