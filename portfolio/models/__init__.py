"""The portfolio domain, one module per topic; import models from here."""

from portfolio.models.budget import BudgetLine, Execution
from portfolio.models.choices import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN, BudgetStage, FundingSource
from portfolio.models.firms import Firm
from portfolio.models.indicators import Indicator, IndicatorReading
from portfolio.models.milestones import Milestone
from portfolio.models.programs import Program
from portfolio.models.sources import Source

__all__ = [
    "FISCAL_YEAR_MAX",
    "FISCAL_YEAR_MIN",
    "BudgetLine",
    "BudgetStage",
    "Execution",
    "Firm",
    "FundingSource",
    "Indicator",
    "IndicatorReading",
    "Milestone",
    "Program",
    "Source",
]
