"""The portfolio domain, one module per topic; import models from here."""

from portfolio.models.breakdowns import IndicatorPart, ReadingPart
from portfolio.models.budget import PAID, BudgetLine, Execution, closing_period_end
from portfolio.models.choices import (
    FISCAL_YEAR_MAX,
    FISCAL_YEAR_MIN,
    MAX_SUPPLEMENTARY_ROUNDS,
    AdjustmentKind,
    BudgetStage,
    ExecutionKind,
    FundingSource,
    supplementary_round,
    supplementary_stage,
)
from portfolio.models.evidence import Evidence
from portfolio.models.firms import Firm
from portfolio.models.indicators import (
    Indicator,
    IndicatorReading,
    IndicatorTarget,
    ReadingStatus,
    SubmittedReading,
)
from portfolio.models.ledger import BudgetAdjustment, YearEndClose, closed_year_error
from portfolio.models.milestones import Milestone
from portfolio.models.periods import PeriodLock, PeriodPart
from portfolio.models.programs import Program
from portfolio.models.sources import Source

__all__ = [
    "FISCAL_YEAR_MAX",
    "FISCAL_YEAR_MIN",
    "MAX_SUPPLEMENTARY_ROUNDS",
    "PAID",
    "AdjustmentKind",
    "BudgetAdjustment",
    "BudgetLine",
    "BudgetStage",
    "Evidence",
    "Execution",
    "ExecutionKind",
    "Firm",
    "FundingSource",
    "Indicator",
    "IndicatorPart",
    "IndicatorReading",
    "IndicatorTarget",
    "Milestone",
    "PeriodLock",
    "PeriodPart",
    "Program",
    "ReadingPart",
    "ReadingStatus",
    "Source",
    "SubmittedReading",
    "YearEndClose",
    "closed_year_error",
    "closing_period_end",
    "supplementary_round",
    "supplementary_stage",
]
