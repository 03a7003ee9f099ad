"""KPI progress: actual against target, % achieved, on-track status from the yearly targets (or,
without them, a straight line between the baseline and the target year), and each year's result.

Only approved readings (승인) count; submitted ones (제출) are only counted as `pending`."""

import datetime
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _

from portfolio.models import (
    Indicator,
    IndicatorPart,
    IndicatorReading,
    IndicatorTarget,
    ReadingPart,
    ReadingStatus,
)
from portfolio.models.indicators import actual_value
from portfolio.models.periods import final_quarters, is_final, quarter_of
from portfolio.selectors.scope import Scope, load_scope, rows

# Below this share of the progress the straight line expects by now, a KPI is off track.
AT_RISK_RATIO = Decimal("0.8")

INDICATOR_FIELDS = (
    "id",
    "code",
    "program",
    "name_ko",
    "name_en",
    "metric",
    "unit",
    "unit_en",
    "baseline",
    "baseline_year",
    "target",
    "target_year",
    "direction",
    "is_cumulative",
    "weight",
    "source",
)


class KpiStatus(models.TextChoices):
    ACHIEVED = "achieved", _("Achieved")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_TARGET = "no_target", _("No target")
    NO_DATA = "no_data", _("No data")


class Part(NamedTuple):
    """One part of a reading's breakdown (세부 구분), e.g. 청년: 120. A named tuple: thousands are
    made per read, and it is built several times faster than a frozen dataclass."""

    name_ko: str
    name_en: str
    value: Decimal


@dataclass(frozen=True)
class Reading:
    period: datetime.date
    value: Decimal
    source_id: int | None
    parts: tuple[Part, ...] = ()  # in the breakdown's order; empty when not split (or not asked for)


@dataclass(frozen=True)
class YearlyTarget:
    fiscal_year: int
    value: Decimal
    basis: str
    source_id: int | None


@dataclass(frozen=True)
class YearResult:
    """One fiscal year: its target, its result (a cumulative KPI's latest reading by the year's
    end, otherwise the year's readings added up), achievement and status."""

    fiscal_year: int
    target: YearlyTarget | None
    result: Decimal | None
    achievement_pct: Decimal | None  # result ÷ target × 100 (target ÷ result when lower is better)
    status: str


@dataclass(frozen=True)
class KpiProgress:
    indicator_id: int
    code: str
    program_id: int
    program_code: str
    name_ko: str
    name_en: str
    metric: str
    unit: str
    unit_en: str
    baseline: Decimal | None
    baseline_year: int | None
    target: Decimal | None
    target_year: int | None
    direction: str
    is_cumulative: bool
    weight: Decimal | None
    source_id: int | None
    readings: tuple[Reading, ...]  # approved ones only, in period order
    pending: int  # readings submitted and awaiting approval
    yearly_targets: tuple[YearlyTarget, ...]
    actual: Decimal | None
    achievement_pct: Decimal | None  # (actual − baseline) ÷ (target − baseline) × 100
    expected: Decimal | None  # where the straight line says the KPI should be today
    status: str

    @property
    def latest_period(self) -> datetime.date | None:
        return self.readings[-1].period if self.readings else None

    @property
    def breakdown(self) -> tuple[Part, ...]:
        """The parts of the latest reading (empty when it is not split)."""
        return self.readings[-1].parts if self.readings else ()

    def get_status_display(self) -> str:
        return str(KpiStatus(self.status).label)

    def years(self, today: datetime.date) -> list[YearResult]:
        """Each year with a target or a reading, oldest first; results up to `today`'s year."""
        targets = {target.fiscal_year: target for target in self.yearly_targets}
        years = sorted(set(targets) | {reading.period.year for reading in self.readings})
        return [self.year_result(year, targets.get(year), today) for year in years]

    def year_result(self, year: int, target: YearlyTarget | None, today: datetime.date) -> YearResult:
        if year > today.year:
            result = None
        elif self.is_cumulative:
            by_end = [r.value for r in self.readings if r.period.year <= year]
            result = by_end[-1] if by_end else None
        else:
            own = [r.value for r in self.readings if r.period.year == year]
            result = sum(own, Decimal(0)) if own else None
        pct = None
        if result is not None and target is not None:
            higher = self.direction == Indicator.Direction.INCREASE
            top, bottom = (result, target.value) if higher else (target.value, result)
            if bottom:
                pct = (top * 100 / bottom).quantize(Decimal("0.1"), ROUND_HALF_UP)
        status: str
        if result is None:
            status = KpiStatus.NO_DATA
        elif target is None:
            status = KpiStatus.NO_TARGET
        elif (result - target.value) * (1 if self.direction == Indicator.Direction.INCREASE else -1) >= 0:
            status = KpiStatus.ACHIEVED
        elif year < today.year:
            status = KpiStatus.OFF_TRACK  # the year is over and its target missed
        else:
            status = self.status if self.status != KpiStatus.ACHIEVED else KpiStatus.ON_TRACK
        return YearResult(fiscal_year=year, target=target, result=result, achievement_pct=pct, status=status)


def year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def assess(
    indicator: dict, readings: list[Reading], today: datetime.date, yearly: tuple[YearlyTarget, ...] = ()
) -> dict:
    """Actual, % achieved, expected value and status of one indicator on `today`."""
    actual = actual_value([r.value for r in readings], cumulative=indicator["is_cumulative"])
    target, baseline = indicator["target"], indicator["baseline"]
    result = {"actual": actual, "achievement_pct": None, "expected": None}
    if actual is None:
        return result | {"status": KpiStatus.NO_DATA}
    if target is None or not indicator["target_year"]:
        return result | {"status": KpiStatus.NO_TARGET}

    base = baseline if baseline is not None else Decimal(0)
    if target != base:
        pct = (actual - base) * 100 / (target - base)
        result["achievement_pct"] = pct.quantize(Decimal("0.1"), ROUND_HALF_UP)

    sign = 1 if indicator["direction"] == Indicator.Direction.INCREASE else -1
    if (actual - target) * sign >= 0:
        return result | {"status": KpiStatus.ACHIEVED}

    # The line starts at the baseline (end of its year) or, without one, at the first reading.
    if baseline is not None and indicator["baseline_year"]:
        start_value, start_day = baseline, year_end(indicator["baseline_year"])
    else:
        start_value, start_day = readings[0].value, readings[0].period
    end_day = year_end(indicator["target_year"])
    if today > end_day:
        return result | {"status": KpiStatus.OFF_TRACK}
    expected = expected_on(today, path(start_day, start_value, end_day, target, yearly, indicator))
    result["expected"] = expected.quantize(Decimal("0.0001"))

    expected_gain = (expected - start_value) * sign
    actual_gain = (actual - start_value) * sign
    if expected_gain <= 0 or actual_gain >= expected_gain:
        status = KpiStatus.ON_TRACK
    elif actual_gain >= expected_gain * AT_RISK_RATIO:
        status = KpiStatus.AT_RISK
    else:
        status = KpiStatus.OFF_TRACK
    return result | {"status": status}


def parts_by_reading(as_of: datetime.date | None) -> dict[int, tuple[Part, ...]]:
    """Every split reading's parts in its breakdown's order: one query on the live tables, two
    from the history (parts, then the names they had) when `as_of` is given."""
    if as_of is None:
        found: Iterable[tuple[int, str, str, Decimal]] = ReadingPart.objects.order_by(
            "reading", "part__sort_order", "part"
        ).values_list("reading", "part__name_ko", "part__name_en", "value")
    else:
        names = {
            part_id: (order, name_ko, name_en)
            for part_id, order, name_ko, name_en in rows(IndicatorPart, as_of)
            .order_by()
            .values_list("id", "sort_order", "name_ko", "name_en")
        }
        history = rows(ReadingPart, as_of).order_by().values_list("reading", "part", "value")
        keyed = []
        for reading_id, part_id, value in history:
            if part_id in names:  # a part written without history (bulk_create) has no name then
                order, name_ko, name_en = names[part_id]
                keyed.append((reading_id, order, part_id, name_ko, name_en, value))
        keyed.sort()  # as the live query orders them: reading, then the breakdown's order
        found = [(reading_id, name_ko, name_en, value) for reading_id, _, _, name_ko, name_en, value in keyed]
    parts: dict[int, list[Part]] = {}
    for reading_id, name_ko, name_en, value in found:
        parts.setdefault(reading_id, []).append(Part(name_ko, name_en, value))
    return {reading_id: tuple(own) for reading_id, own in parts.items()}


def path(
    start_day: datetime.date,
    start_value: Decimal,
    end_day: datetime.date,
    target: Decimal,
    yearly: tuple[YearlyTarget, ...],
    indicator: dict,
) -> list[tuple[datetime.date, Decimal]]:
    """The line the KPI should follow: through each yearly target at its year's end (for a KPI
    whose readings add up, through the running total of the yearly targets), then on to the final
    target; without yearly targets, straight from the start to the final target."""
    points = [(start_day, start_value)]
    running = Decimal(0)
    for item in sorted(yearly, key=lambda t: t.fiscal_year):
        running += item.value
        day = year_end(item.fiscal_year)
        if start_day < day <= end_day:
            points.append((day, item.value if indicator["is_cumulative"] else running))
    if points[-1][0] != end_day or len(points) == 1:
        points.append((end_day, target))
    return points


def expected_on(today: datetime.date, points: list[tuple[datetime.date, Decimal]]) -> Decimal:
    """Where the piecewise straight line through `points` is on `today`."""
    for (day_a, value_a), (day_b, value_b) in itertools.pairwise(points):
        if today <= day_b:
            span = (day_b - day_a).days
            fraction = Decimal(1) if span <= 0 else Decimal(max(0, (today - day_a).days)) / span
            return value_a + (value_b - value_a) * fraction
    return points[-1][1]


# Approved readings count; submitted ones are fetched in the same query only to be counted as
# pending. Drafts and returned readings never leave the admin.
COUNTED_OR_PENDING = (ReadingStatus.APPROVED, ReadingStatus.SUBMITTED)


def reading_rows(as_of: datetime.date | None) -> models.QuerySet:
    """The approved and submitted readings, live or as they stood at the end of `as_of`: the one
    place every figure's readings come from."""
    return rows(IndicatorReading, as_of).filter(status__in=COUNTED_OR_PENDING)


def progress_for_scope(scope: Scope, *, breakdowns: bool = False) -> list[KpiProgress]:
    """`breakdowns` adds each reading's parts (one more query; two with an as-of day)."""
    by_program = scope.by_id
    indicators = [
        row
        for row in scope.rows(Indicator).order_by("code").values(*INDICATOR_FIELDS)
        if row["program"] in by_program
    ]
    ids = [row["id"] for row in indicators]
    readings: dict[int, list[Reading]] = {}
    pending: dict[int, int] = {}
    found = reading_rows(scope.as_of).order_by("indicator", "period")
    found = found.values_list("indicator", "period", "value", "source", "status", "id")
    targets = rows(IndicatorTarget, scope.as_of).order_by("indicator", "fiscal_year")
    targets = targets.values_list("indicator", "fiscal_year", "value", "basis", "source")
    if not scope.whole_table and scope.excluded_ids is None:
        found, targets = found.filter(indicator__in=ids), targets.filter(indicator__in=ids)
    # Across the whole tree (at most a few national items left out) reading every row and
    # skipping the few extra is cheaper than naming thousands of indicators in the query.
    wanted = set(ids)
    parts = parts_by_reading(scope.as_of) if breakdowns else {}
    for indicator_id, period, value, source_id, status, reading_id in found:
        if indicator_id not in wanted:
            continue
        if status == ReadingStatus.APPROVED:
            readings.setdefault(indicator_id, []).append(
                Reading(period, value, source_id, parts.get(reading_id, ()))
            )
        else:
            pending[indicator_id] = pending.get(indicator_id, 0) + 1
    yearly: dict[int, list[YearlyTarget]] = {}
    for indicator_id, year, value, basis, source_id in targets:
        if indicator_id in wanted:
            yearly.setdefault(indicator_id, []).append(YearlyTarget(year, value, basis, source_id))

    # Tree order of programs, then indicator code, so every consumer lists KPIs alike.
    position = {node_id: index for index, node_id in enumerate(scope.ids)}
    indicators.sort(key=lambda row: (position[row["program"]], row["code"]))
    today = scope.today
    result = []
    for row in indicators:
        own = readings.get(row["id"], [])
        own_targets = tuple(yearly.get(row["id"], ()))
        fields = {name: row[name] for name in INDICATOR_FIELDS if name not in ("id", "program", "source")}
        result.append(
            KpiProgress(
                indicator_id=row["id"],
                program_id=row["program"],
                program_code=by_program[row["program"]].code,
                source_id=row["source"],
                readings=tuple(own),
                pending=pending.get(row["id"], 0),
                yearly_targets=own_targets,
                **fields,
                **assess(row, own, today, own_targets),
            )
        )
    return result


def kpi_progress(
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    include_national: bool = True,
    breakdowns: bool = False,
) -> list[KpiProgress]:
    """Every indicator in scope with its approved readings, yearly targets and progress. Four
    queries: programs, indicators, readings, yearly targets; `breakdowns` adds the readings' parts
    (one more, two with `as_of`)."""
    scope = load_scope(as_of=as_of, root=root, include_national=include_national)
    return progress_for_scope(scope, breakdowns=breakdowns)


class Finality(models.TextChoices):
    FINAL = "final", _("Final")  # 확정
    PROVISIONAL = "provisional", _("Provisional")  # 잠정


def finality(day: datetime.date) -> Finality:
    """Whether KPI figures as of `day` are final (확정): every quarter of its fiscal year up to
    the day's own is locked, so no reading they count can change any more. One query."""
    covered = final_quarters({day.year})
    final = is_final(day.year, covered, through_quarter=quarter_of(day))
    return Finality.FINAL if final else Finality.PROVISIONAL


def year_finality(years: set[int]) -> dict[int, Finality]:
    """Final (확정) or provisional (잠정) for each fiscal year: final when all of it is locked. One query."""
    covered = final_quarters(years)
    return {year: Finality.FINAL if is_final(year, covered) else Finality.PROVISIONAL for year in years}
