"""The five importable kinds as django-import-export resources: their columns (Korean header,
English name, parser), their natural key, and how to find the rows a file's keys already name.

The same columns serve the template, the export and the import, so an exported sheet is a
valid import and a re-imported sheet updates rows instead of adding them.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from import_export import resources

from imports.columns import (
    Column,
    amount_column,
    date_column,
    fiscal_year_column,
    funding_source_column,
    note_column,
    program_column,
    source_column,
)
from imports.widgets import ChoiceWidget, DecimalWidget, IntegerWidget, LookupWidget, StageWidget, TextWidget
from portfolio.models import (
    MAX_SUPPLEMENTARY_ROUNDS,
    BudgetLine,
    BudgetStage,
    Execution,
    ExecutionKind,
    Firm,
    Indicator,
    IndicatorReading,
    Milestone,
    ReadingStatus,
    supplementary_stage,
)

AMBIGUOUS = object()  # more than one existing row has the key


class SpreadsheetResource(resources.ModelResource):
    """Columns in order, a natural key, and one query per chunk to find existing rows."""

    kind: str = ""
    key: tuple[str, ...] = ()  # attribute names of the natural key
    described: tuple[str, ...] = ()
    title = ""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stored: dict[int, tuple] = {}  # stored values of the rows the current chunk matched
        for column in self.columns():
            field = self._meta.model._meta.get_field(column.attribute)
            column.attname = field.attname

    def columns(self) -> list[Column]:
        """In the order of Meta.fields: the order of the template and the export."""
        return [self.fields[name] for name in self._meta.fields]

    def validate(self, instance, *, exclude: list[str]) -> None:
        """full_clean, less the per-row queries the importer does for the whole chunk (see
        Importer._validate); kinds with rules across rows or tables add theirs.

        A stored row the file repeats unchanged is not checked again: nothing will be written,
        and a rule that now refuses changes (its year is closed) must not refuse a re-import."""
        if self.unchanged(instance):
            return
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)

    def remember(self, found: dict[tuple, Any]) -> dict[tuple, Any]:
        """Keep the stored values of the rows a chunk matched, to tell an unchanged row."""
        names = [column.attname for column in self.columns()]
        matched = [obj for obj in found.values() if obj is not AMBIGUOUS]
        self.stored = {obj.pk: tuple(getattr(obj, name) for name in names) for obj in matched}
        return found

    def unchanged(self, instance) -> bool:
        if instance.pk is None or instance.pk not in self.stored:
            return False
        names = [column.attname for column in self.columns()]
        return tuple(getattr(instance, name) for name in names) == self.stored[instance.pk]

    def new_row_details(self, instance) -> list[tuple[str, str, str]]:
        """(what, before, after) lines the preview shows under a new row; none for most kinds."""
        return []

    def save_rows(self, creates: list, updates: list, *, user, reason: str) -> bool:
        """Write the rows another way than the importer's bulk writes; False leaves it to them."""
        return False

    def before_write(self, creates: list, updates: list, *, user, at) -> list[str]:
        """Set fields the file does not hold just before the bulk writes; returns the names of
        those the updates must write too."""
        return []

    def get_export_order(self) -> tuple[str, ...]:
        return tuple(self._meta.fields)

    def key_attnames(self) -> tuple[str, ...]:
        by_attribute = {column.attribute: column.attname for column in self.columns()}
        return tuple(by_attribute[name] for name in self.key)

    def described_attnames(self) -> tuple[str, ...]:
        """What a row is called in the preview: its key, or for executions a little more."""
        by_attribute = {column.attribute: column.attname for column in self.columns()}
        return tuple(by_attribute[name] for name in (self.described or self.key))

    def key_of(self, values: dict[str, Any], present: set[str]) -> tuple:
        return tuple(values.get(name) for name in self.key_attnames())

    def existing(self, keys: list[tuple], present: set[str]) -> dict[tuple, Any]:
        """The stored rows the keys name, by key; AMBIGUOUS where several share one key."""
        if not keys:
            return {}
        names = self.key_attnames()
        # A superset by each key part, then exact matching here: one simple indexed query.
        filters = {f"{name}__in": {key[index] for key in keys} for index, name in enumerate(names)}
        queryset = self._meta.model._default_manager.filter(**filters).order_by()
        return self.remember(self._by_key(queryset, names, set(keys)))

    @staticmethod
    def _by_key(queryset, names: tuple[str, ...], wanted: set[tuple]) -> dict[tuple, Any]:
        found: dict[tuple, Any] = {}
        for obj in queryset:
            key = tuple(getattr(obj, name) for name in names)
            if key in wanted:
                found[key] = AMBIGUOUS if key in found else obj
        return found

    def iter_queryset(self, queryset):
        # Exports read the program, indicator and source codes: fetch them in the same query.
        related = [c.attribute for c in self.columns() if c.is_lookup]
        return super().iter_queryset(queryset.select_related(*related))

    @classmethod
    def get_display_name(cls) -> str:
        return str(cls.title)


# Other ways of naming the n-th 추경 ("N차 추경" itself, with or without the space, is its name).
ROUND_NAMES = ("제%(n)s회 추경", "%(n)s회 추경", "%(n)s차 추가경정예산", "supplementary %(n)s")
# Other ways of naming the n-th 추경 ("N차 추경" itself, with or without the space, is its name).
ROUND_NAMES = ("제%(n)s회 추경", "%(n)s회 추경", "%(n)s차 추가경정예산", "supplementary %(n)s")
STAGE_NAMES_KO = {
    BudgetStage.PLAN: "계획",
    BudgetStage.ORIGINAL: "본예산",
    **{supplementary_stage(n): f"{n}차 추경" for n in range(1, MAX_SUPPLEMENTARY_ROUNDS + 1)},
}
EXECUTION_KIND_NAMES_KO = {
    ExecutionKind.COMMITMENT: "원인행위",
    ExecutionKind.PAYMENT: "지출",
    ExecutionKind.REFUND: "반납",
}


class BudgetLineResource(SpreadsheetResource):
    kind = "budget-lines"
    title = _("Budget lines")
    key = ("program", "fiscal_year", "funding_source", "stage")

    program = program_column()
    fiscal_year = fiscal_year_column()
    funding_source = funding_source_column()
    stage = Column(
        "stage",
        "예산 단계",
        english="stage",
        aliases=("단계", "예산단계", "budget stage"),
        required=True,
        widget=StageWidget(
            BudgetStage,
            aliases={
                "추경": BudgetStage.SUPPLEMENTARY,  # before rounds were numbered: the first one
                "추가경정예산": BudgetStage.SUPPLEMENTARY,
                "추가경정": BudgetStage.SUPPLEMENTARY,
                "supplementary": BudgetStage.SUPPLEMENTARY,
                "original": BudgetStage.ORIGINAL,
                "본예산(당초)": BudgetStage.ORIGINAL,
                "당초예산": BudgetStage.ORIGINAL,
                "계획액": BudgetStage.PLAN,
                **{
                    name % {"n": n}: supplementary_stage(n)
                    for n in range(1, MAX_SUPPLEMENTARY_ROUNDS + 1)
                    for name in ROUND_NAMES
                },
            },
            names_ko=STAGE_NAMES_KO,
        ),
    )
    amount = amount_column()
    source = source_column()
    note = note_column()

    class Meta:
        model = BudgetLine
        fields = ("program", "fiscal_year", "funding_source", "stage", "amount", "source", "note")
        import_id_fields = ("program", "fiscal_year", "funding_source", "stage")


class ExecutionResource(SpreadsheetResource):
    """Executions are matched by their reference (문서 번호) when a row gives one; a row
    without one matches a stored execution without a reference whose every given value is the
    same, and is otherwise new. So re-importing a sheet never doubles it, and a corrected
    amount on an unreferenced row adds a row (the preview shows it as new): give executions
    a reference to correct them by import."""

    kind = "executions"
    title = _("Executions")
    key = ("program", "reference")
    described = ("program", "executed_on", "kind", "amount", "reference")
    content = ("program", "executed_on", "funding_source", "kind", "fiscal_year", "amount", "description")

    program = program_column()
    executed_on = date_column(
        "executed_on", "집행일", "executed on", required=True, aliases=("집행일자", "일자", "date")
    )
    funding_source = funding_source_column()
    # Not named `kind`: that is the import's kind ("executions") on every resource.
    execution_kind = Column(
        "kind",
        "구분",
        english="kind",
        aliases=("집행구분", "집행 구분"),
        widget=ChoiceWidget(
            ExecutionKind, aliases={"지출반납": ExecutionKind.REFUND}, names_ko=EXECUTION_KIND_NAMES_KO
        ),
        keep_when_empty=True,  # empty: a payment (the model's default)
        width=10,
    )
    fiscal_year = Column(
        "fiscal_year",
        "회계연도",
        english="fiscal year",
        aliases=("예산연도", "fiscal year"),
        widget=IntegerWidget(suffixes=("년", "년도")),
        keep_when_empty=True,  # empty: the year of the date (the model's clean() fills it)
        number_format="0",
        width=10,
    )
    amount = amount_column()
    description = Column(
        "description",
        "내용",
        english="description",
        aliases=("집행내용", "적요"),
        widget=TextWidget(),
        width=40,
    )
    reference = Column(
        "reference",
        "문서 번호",
        english="reference",
        aliases=("문서번호", "증빙번호", "결의번호", "voucher"),
        widget=TextWidget(),
        width=18,
    )
    source = source_column()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # (program id, fiscal year, source) → the net payments this file's new rows add so far
        self.pending_paid: dict[tuple, int] = {}

    class Meta:
        model = Execution
        fields = (
            "program",
            "executed_on",
            "funding_source",
            "execution_kind",
            "fiscal_year",
            "amount",
            "description",
            "reference",
            "source",
        )
        import_id_fields = ("program", "reference")

    def _content_names(self, present: set[str]) -> tuple[str, ...]:
        by_attribute = {column.attribute: column.attname for column in self.columns()}
        return tuple(by_attribute[name] for name in self.content if name in present)

    def existing(self, keys: list[tuple], present: set[str]) -> dict[tuple, Any]:
        found: dict[tuple, Any] = {}
        manager = Execution._default_manager
        by_reference = [key for key in keys if key[0] == "reference"]
        if by_reference:
            # exclude(reference="") repeats the unique index's condition so the database can use
            # that partial index; without it the lookup scans every execution of the programs.
            rows = (
                manager.filter(
                    program_id__in={key[1] for key in by_reference},
                    reference__in={key[2] for key in by_reference},
                )
                .exclude(reference="")
                .order_by()
            )
            for execution in rows:
                found[("reference", execution.program_id, execution.reference)] = execution
        by_content = [key for key in keys if key[0] == "content"]
        if by_content:
            names = self._content_names(present)
            rows = manager.filter(
                program_id__in={key[1] for key in by_content},
                executed_on__in={key[2] for key in by_content},
                reference="",
            ).order_by("pk")
            wanted = {key[1:] for key in by_content}
            for execution in rows:
                key = tuple(getattr(execution, name) for name in names)
                # Identical unreferenced executions cannot be told apart; the first stands for all.
                if key in wanted:
                    found.setdefault(("content", *key), execution)
        return self.remember(found)

    def key_of(self, values: dict[str, Any], present: set[str]) -> tuple:
        if values.get("reference"):
            return ("reference", values["program_id"], values["reference"])
        # An empty 구분 or 회계연도 stands for what the model stores (a payment of the date's
        # year), so that re-importing an exported sheet finds the rows again.
        date = values.get("executed_on")
        defaults = {"kind": ExecutionKind.PAYMENT, "fiscal_year": date.year if date else None}
        return ("content", *(values.get(name, defaults.get(name)) for name in self._content_names(present)))

    def validate(self, instance, *, exclude: list[str]) -> None:
        """As full_clean, except that the rule "반납 may not make 지출액 negative" also counts the
        payments earlier rows of the same file add, so a file may hold a payment and its return.
        (Rows that change a stored payment are left out of that count: they are rare, and
        leaving them out only refuses more.)"""
        if self.unchanged(instance):
            return
        try:
            super().validate(instance, exclude=exclude)
        except ValidationError as error:
            errors = dict(error.message_dict)
            if not ("amount" in errors and self._paid_covered(instance)):
                raise
            del errors["amount"]
            if errors:
                raise ValidationError(errors) from None
        if instance.pk is None and instance.kind in (ExecutionKind.PAYMENT, ExecutionKind.REFUND):
            cell = (instance.program_id, instance.fiscal_year, instance.funding_source)
            self.pending_paid[cell] = self.pending_paid.get(cell, 0) + self._paid_effect(instance)

    @staticmethod
    def _paid_effect(instance) -> int:
        return instance.amount if instance.kind == ExecutionKind.PAYMENT else -instance.amount

    def _paid_covered(self, instance) -> bool:
        """Whether the stored 지출액 and this file's earlier payments cover a returned payment."""
        if instance.kind not in (ExecutionKind.PAYMENT, ExecutionKind.REFUND) or instance.amount is None:
            return False
        if instance.amount < 0 or instance.fiscal_year is None:
            return False
        cell = (instance.program_id, instance.fiscal_year, instance.funding_source)
        pending = self.pending_paid.get(cell, 0)
        if not pending:
            return False
        stored = (
            Execution._default_manager.filter(
                program_id=instance.program_id,
                fiscal_year=instance.fiscal_year,
                funding_source=instance.funding_source,
            )
            .exclude(pk=instance.pk)
            .paid_total()
        )
        return stored + pending + self._paid_effect(instance) >= 0


class MilestoneResource(SpreadsheetResource):
    kind = "milestones"
    title = _("Milestones")
    key = ("program", "title_ko")

    program = program_column()
    title_ko = Column(
        "title_ko",
        "제목",
        english="title",
        aliases=("제목(한글)", "title (korean)", "일정", "일정명"),
        required=True,
        widget=TextWidget(),
        width=40,
    )
    title_en = Column(
        "title_en",
        "영문 제목",
        english="title (english)",
        aliases=("제목(영문)",),
        widget=TextWidget(),
        width=30,
    )
    planned_date = date_column(
        "planned_date", "계획일", "planned date", required=True, aliases=("예정일", "계획 일자")
    )
    date_precision = Column(
        "date_precision",
        "날짜 정밀도",
        english="date precision",
        aliases=("정밀도", "precision"),
        widget=ChoiceWidget(Milestone.Precision, aliases={"년": "year", "연도": "year", "일자": "day"}),
        keep_when_empty=True,
    )
    actual_date = date_column("actual_date", "실제일", "actual date", aliases=("완료일", "실제 일자"))
    status = Column(
        "status",
        "상태",
        english="status",
        aliases=("진행상태", "진행 상태"),
        widget=ChoiceWidget(
            Milestone.Status,
            aliases={"계획": "planned", "진행": "in_progress", "진행중": "in_progress", "완료됨": "done"},
        ),
        keep_when_empty=True,
    )
    source = source_column()
    note = note_column(width=40)

    class Meta:
        model = Milestone
        fields = (
            "program",
            "title_ko",
            "title_en",
            "planned_date",
            "date_precision",
            "actual_date",
            "status",
            "source",
            "note",
        )
        import_id_fields = ("program", "title_ko")


class IndicatorReadingResource(SpreadsheetResource):
    kind = "indicator-readings"
    title = _("Indicator readings")
    key = ("indicator", "period")

    indicator = Column(
        "indicator",
        "지표코드",
        english="indicator code",
        aliases=("지표 코드", "성과지표 코드", "indicator"),
        required=True,
        widget=LookupWidget(
            Indicator, "code", unknown_message=_("There is no indicator with the code %(value)s.")
        ),
        width=18,
    )
    period = date_column("period", "기준일", "period", required=True, aliases=("기간", "기준 일자", "date"))
    value = Column(
        "value",
        "값",
        english="value",
        aliases=("실적", "실적값", "측정값"),
        required=True,
        widget=DecimalWidget(),
        number_format="#,##0.####",
    )
    source = source_column()
    note = note_column()

    class Meta:
        model = IndicatorReading
        fields = ("indicator", "period", "value", "source", "note")
        import_id_fields = ("indicator", "period")

    def before_write(self, creates: list, updates: list, *, user, at) -> list[str]:
        # An import is the importing user's submission: every row it writes waits for an
        # approver, a corrected approved figure included, and counts only once approved.
        for reading in creates:
            reading.created_by = user
        for reading in [*creates, *updates]:
            reading.status = ReadingStatus.SUBMITTED
            reading.submitted_at = at
            reading.approved_by = reading.approved_at = None
            reading.return_reason = ""
        return ["status", "submitted_at", "approved_by", "approved_at", "return_reason"]


class FirmResource(SpreadsheetResource):
    kind = "firms"
    title = _("Attracted firms")
    key = ("program", "name")

    program = program_column()
    name = Column(
        "name", "기업명", english="firm name", aliases=("기업", "업체명", "회사명", "name"), required=True,
        widget=TextWidget(), width=30,
    )  # fmt: skip
    attracted_on = date_column("attracted_on", "유치일", "attracted on", required=True, aliases=("유치일자",))
    jobs = Column(
        "jobs",
        "일자리",
        english="jobs",
        aliases=("고용", "고용인원", "일자리 수", "일자리(명)"),
        widget=IntegerWidget(suffixes=("명",)),
        keep_when_empty=True,
        number_format="#,##0",
        width=10,
    )
    source = source_column()
    note = note_column()

    class Meta:
        model = Firm
        fields = ("program", "name", "attracted_on", "jobs", "source", "note")
        import_id_fields = ("program", "name")


# The ledger's kinds build on the classes above, so they are imported once those exist.
from imports.ledger_resources import BudgetAdjustmentResource, YearEndCloseResource  # noqa: E402

RESOURCES: dict[str, type[SpreadsheetResource]] = {
    resource.kind: resource
    for resource in (
        BudgetLineResource,
        BudgetAdjustmentResource,
        ExecutionResource,
        YearEndCloseResource,
        MilestoneResource,
        IndicatorReadingResource,
        FirmResource,
    )
}
BY_MODEL: dict[type[models.Model], type[SpreadsheetResource]] = {r._meta.model: r for r in RESOURCES.values()}


def resource_for(kind: str) -> SpreadsheetResource:
    return RESOURCES[kind]()
