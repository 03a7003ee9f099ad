"""The mayor's one-page briefing (시장 보고용 1쪽 요약) as a PDF, or as HWPX for Hangul: the JSON
briefing's figures (api.briefing.build, so the page and the feed can never disagree), laid out as a
Korean administrative 보고서 (□ / ○ / - 개조식), each figure with its source as a numbered note in
small print. One HTML template words the page; WeasyPrint (font Noto Sans CJK KR) makes the PDF,
and the HWPX is written paragraph by paragraph from the same rendered HTML (python-hwpx).

The page must stay one page whatever the data: lists are cut to a few items ("외 N건" says how many
more there are), and cut shorter until WeasyPrint lays it out on one page. The HWPX takes the same
cut; Hangul lays it out itself, so there one page is likely but not checked.
"""

import datetime
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override

from api import briefing
from reports.builders.xlsx import ProgressCallback, no_progress

# Items shown per list, from the most to the fewest; the first that fits on one page is used.
LIMITS = (6, 4, 3, 2, 1)
WEEKDAYS = "월화수목금토일"


class Notes:
    """Source notes: each distinct citation gets a number, in the order figures cite them."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def ref(self, source: str | None) -> str:
        """The note numbers of a figure's sources, e.g. "[1,3]" ("" when it cites none). A figure's
        source joins several citations with "; " (see api.figures.cite)."""
        if not source:
            return ""
        numbers = []
        for text in source.split("; "):
            if text not in self.texts:
                self.texts.append(text)
            numbers.append(self.texts.index(text) + 1)
        return "[" + ",".join(str(n) for n in sorted(set(numbers))) + "]"


def korean_day(day: datetime.date) -> str:
    """2026. 12. 4.(금): how a Korean official document writes a date."""
    return f"{day.year}. {day.month}. {day.day}.({WEEKDAYS[day.weekday()]})"


def planned_day(iso: str, precision: str) -> str:
    """A milestone's due day as precisely as it is known: 2026. 3. 31. / 2026. 3. / 2026년."""
    day = datetime.date.fromisoformat(iso)
    if precision == "year":
        return f"{day.year}년"
    if precision == "month":
        return f"{day.year}. {day.month}."
    return f"{day.year}. {day.month}. {day.day}."


def figure(value: dict, notes: Notes) -> dict:
    """A feed figure ({display_ko, source, …}) as the page shows it: text and note numbers."""
    return {"text": value["display_ko"], "ref": notes.ref(value["source"])}


def page_context(data: dict, limit: int) -> dict:
    """What the template shows, from the JSON briefing: every text and number comes from it."""
    notes = Notes()
    head = data["headline"]
    money = {
        key: figure(head[key], notes)
        for key in (
            "total_cost",
            "budget",
            "committed",
            "executed",
            "execution_rate",
            "commitment_rate",
            "executed_to_date",
            "cumulative_execution_rate",
        )
    }
    metrics = [figure(head[key], notes) | {"label": label} for key, label in
               (("firms", "기업 유치"), ("jobs", "일자리"), ("gpus", "GPU"))]  # fmt: skip
    national = data["national_context"]
    kpis = data["kpis"]
    kpi_items = kpis["items"][:limit]
    milestones = data["milestones"]
    changes = data["changes"]
    alerts = data["alerts"]
    return {
        "data": data,
        "day": korean_day(datetime.date.fromisoformat(data["as_of"])),
        "generated": timezone.localtime(datetime.datetime.fromisoformat(data["generated_at"])),
        "money": money,
        "metrics": metrics,
        "national": figure(national["planned"], notes) if national else None,
        "budget_by_source": [
            {
                "label": row["funding_source_display"],
                "budget": figure(row["budget"], notes),
                "executed": figure(row["executed"], notes),
                "rate": figure(row["execution_rate"], notes),
            }
            for row in data["budget_by_source"]
        ],
        "kpi_counts": [
            (str(status.label), kpis["by_status"][status.value])
            for status in briefing.STATUS_ORDER
            if kpis["by_status"].get(status.value)
        ],
        "kpis": [
            {
                "name": kpi["name_ko"],
                "status": kpi["status_display"],
                "status_key": kpi["status"],
                "actual": figure(kpi["actual"], notes),
                "target": figure(kpi["target"], notes) if kpi["target"]["value"] is not None else None,
                "target_year": kpi["target_year"],
                "achievement": kpi["achievement_pct"]["display_ko"],
            }
            for kpi in kpi_items
        ],
        "kpis_more": kpis["count"] - len(kpi_items),
        "kpi_figures": kpis.get("figures_display", ""),  # 확정 when its period is locked, else 잠정
        "due_soon": shown(milestones["due_soon"], limit, notes),
        "overdue": shown(milestones["overdue"], limit, notes),
        "changes": {
            "since": datetime.date.fromisoformat(changes["since"]),
            "until": datetime.date.fromisoformat(changes["until"]),
            "status": changes["status_changes"],
            "status_items": changes["status_changes"]["items"][:limit],
            "budget_count": changes["budget_changes"]["count"],
            "readings": changes["new_readings"]["count"],
            "reading_items": [
                {
                    "name": r["name_ko"],
                    "period": r["period"],
                    "value": figure(r["value"], notes),
                }
                for r in changes["new_readings"]["items"][:limit]
            ],
        },
        "alerts": {"count": alerts["count"], "items": alerts["items"][:limit]},
        "alerts_more": alerts["count"] - min(limit, len(alerts["items"])),
        "notes": notes.texts,
    }


def shown(milestones: dict, limit: int, notes: Notes) -> dict:
    items = [
        {
            "name": row["title_ko"],
            "program": row["program"],
            "planned": planned_day(row["planned_date"], row["date_precision"]),
            "days_late": row.get("slippage_days"),
            "status": row["status_display"],
            "ref": notes.ref(row.get("source")),
        }
        for row in milestones["items"][:limit]
    ]
    return {"count": milestones["count"], "items": items, "more": milestones["count"] - len(items)}


def one_page(data: dict):
    """The page's HTML with lists cut until WeasyPrint lays it out on one A4 page, and that layout."""
    from weasyprint import HTML  # imported here: it loads Pango, which only the builds need

    for limit in LIMITS:
        html = render_to_string("reports/briefing.html", page_context(data, limit))
        document = HTML(string=html).render()
        if len(document.pages) == 1:
            break
    return html, document


def render_pdf(data: dict) -> bytes:
    """The PDF of the page, with lists cut until it fits on one A4 page."""
    return one_page(data)[1].write_pdf()


# How each block of the page's HTML is written in HWPX: its mark (drawn by CSS in the PDF) and
# its character style (bold, size in points).
HWPX_BLOCKS = {
    "title": ("", {"bold": True, "size": 15}),
    "meta": ("", {"size": 8.5}),
    "heading": ("□ ", {"bold": True, "size": 11}),
    "point": ("○ ", {"size": 10}),
    "detail": ("  - ", {"size": 10}),
    "strong": ("  - ", {"bold": True, "size": 10}),
    "row": ("    ", {"size": 9}),
    "source": ("", {"size": 7}),
}


def page_blocks(html: str) -> list[tuple[str, str]]:
    """(block kind, text) for each paragraph of the page's HTML, in order; a figure's note
    numbers stay beside it as in the PDF ("6,000억원[1,2]")."""
    import lxml.html

    def text(element) -> str:
        return " ".join(element.text_content().split())

    blocks = []
    for element in lxml.html.fromstring(html).body.iter("div", "h2", "p", "li", "tr"):
        classes = (element.get("class") or "").split()
        parent = (element.getparent().get("class") or "").split()
        if element.tag == "div" and "title" in classes:
            blocks.append(("title", text(element)))
        elif element.tag == "div" and "meta" in classes:
            blocks.append(("meta", "   ".join(text(span) for span in element.iter("span"))))
        elif element.tag == "h2":
            blocks.append(("heading", text(element)))
        elif element.tag == "p" and "o" in classes:
            blocks.append(("point", text(element)))
        elif element.tag == "li":
            blocks.append(("strong" if "bad" in classes else "detail", text(element)))
        elif element.tag == "tr":
            blocks.append(("row", " | ".join(text(cell) for cell in element)))
        elif element.tag == "p" and "sources" in parent:
            blocks.append(("source", text(element)))
    return blocks


def render_hwpx(data: dict) -> bytes:
    """The same page as an HWPX document (Hangul's open format), one paragraph per block."""
    from hwpx import HwpxDocument

    html, _layout = one_page(data)
    document = HwpxDocument.new()
    styles = {kind: document.styles.ensure_run(**style) for kind, (_mark, style) in HWPX_BLOCKS.items()}
    for kind, text in page_blocks(html):
        document.add_paragraph(HWPX_BLOCKS[kind][0] + text, char_pr_id_ref=styles[kind])
    return document.to_bytes()


def briefing_data(
    *, as_of: datetime.date | None, root: str | None, fiscal_year: int | None, since: datetime.date | None
) -> dict:
    """The JSON briefing's figures, in Korean. `since` defaults to the day of the last briefing
    made (reports.selectors.last_briefing_day), else a week before the day described."""
    from reports.selectors import last_briefing_day

    with override("ko"):  # the mayor's page is Korean (request_report refuses another language)
        return briefing.build(
            as_of=as_of, root=root, since=since or last_briefing_day(as_of), fiscal_year=fiscal_year
        )


def _build(render, path: Path, *, as_of, root, fiscal_year, since, progress: ProgressCallback) -> None:
    progress(0, 2)
    data = briefing_data(as_of=as_of, root=root, fiscal_year=fiscal_year, since=since)
    progress(1, 2)
    with override("ko"):
        path.write_bytes(render(data))
    progress(2, 2)


def build(
    path: Path,
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    language: str = "ko",
    fiscal_year: int | None = None,
    since: datetime.date | None = None,
    unit: str = "thousand",  # the briefing says amounts in 억원/조원 words, whatever the unit
    requested_by: str = "",
    progress: ProgressCallback = no_progress,
) -> None:
    """Write the briefing PDF at `path` (see briefing_data for `since`)."""
    _build(render_pdf, path, as_of=as_of, root=root, fiscal_year=fiscal_year, since=since, progress=progress)


def build_hwpx(
    path: Path,
    *,
    as_of: datetime.date | None = None,
    root: str | None = None,
    language: str = "ko",
    fiscal_year: int | None = None,
    since: datetime.date | None = None,
    unit: str = "thousand",
    requested_by: str = "",
    progress: ProgressCallback = no_progress,
) -> None:
    """Write the same briefing as HWPX at `path`."""
    _build(render_hwpx, path, as_of=as_of, root=root, fiscal_year=fiscal_year, since=since, progress=progress)
