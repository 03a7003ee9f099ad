"""One program in full for `programs/{code}/`: its row from the program table, then its ledger
(per fiscal year × funding source and each year's total), budget by year × funding source,
milestones, indicators, firms and the sources its figures cite."""

from api import figures
from api.tables import Tables, with_labels
from portfolio import selectors
from portfolio.models import FundingSource, Indicator, Milestone, Program
from portfolio.selectors import KpiStatus

FIRMS, JOBS = Indicator.Metric.FIRMS, Indicator.Metric.JOBS


def build(code: str, data: Tables) -> dict:
    """Ten queries besides the (cached) tables."""
    row = next(row for row in data.programs if row["code"] == code)
    scope = selectors.load_scope(root=code, include_national=True)
    citations = selectors.citations()
    book = selectors.ledger_for_scope(scope)
    kpis = selectors.progress_for_scope(scope)
    firms = selectors.check_for_scope(scope, kpis)
    in_subtree = [c for c, line in data.lineage.items() if code in line]
    subtree = set(in_subtree)
    milestones = [m for m in data.milestones if m["program"] in subtree]
    indicators = [i for i in data.indicators if i["program"] in subtree]

    cited = set(selectors.money_sources(scope, book=book)[scope.root.id])
    cited |= {kpi.source_id for kpi in kpis} | {r.source_id for kpi in kpis for r in kpi.readings}
    cited |= {row.source_id for row in selectors.schedule_for_scope(scope)}
    return with_labels(row, {"status": Program.Status, "level": Program.Kind}) | {
        "children": [p["code"] for p in data.programs if p["parent"] == code],
        "budget": [
            {
                "fiscal_year": cell.fiscal_year,
                "funding_source": cell.funding_source,
                "funding_source_display": str(FundingSource(cell.funding_source).label),
                **figures.budget_figures(cell, citations),
            }
            for cell in selectors.budget_for_scope(scope, book=book)
        ],
        "ledger": [
            figures.ledger_cell(cell, citations)
            for cell in selectors.with_year_totals(book.program_cells(scope.root.id))
        ],
        "milestones": [with_labels(m, {"status": Milestone.Status}) for m in milestones],
        "indicators": [with_labels(i, {"status": KpiStatus}) for i in indicators],
        "firms": {
            "on_record": firms.firms_on_record,
            "jobs_on_record": firms.jobs_on_record,
            "reported_firms": figures.quantity(
                firms.reported_firms, "개사", "firms", figures.metric_source(kpis, FIRMS, citations)
            ),
            "reported_jobs": figures.quantity(
                firms.reported_jobs, "명", "jobs", figures.metric_source(kpis, JOBS, citations)
            ),
        },
        "sources": [
            {
                "key": c.key,
                "publisher": c.publisher,
                "published_on": c.published_on.isoformat(),
                "title": c.title,
                "url": c.url,
                "citation": c.text,
            }
            for c in sorted((citations[i] for i in cited if i in citations), key=lambda c: c.key)
        ],
    }
