"""Which budget lines make up the adopted budget (본예산, or the latest 추경 round)."""

from django.db.models import Exists, OuterRef, Q

from portfolio.models import BudgetStage


def adopted_stage_filter(lines) -> Q:
    """Matches the lines that make up the adopted budget within `lines` (live or as-of rows)."""
    later_stage = lines.filter(
        program=OuterRef("program"),
        fiscal_year=OuterRef("fiscal_year"),
        funding_source=OuterRef("funding_source"),
        stage__gt=OuterRef("stage"),
    )
    return Q(stage__gte=BudgetStage.ORIGINAL) & ~Q(Exists(later_stage))
