"""Report file names in the report's language, and the Content-Disposition that saves them right.

Browsers on Windows (Edge, Chrome) read RFC 6266's `filename*=UTF-8''…` and save a Korean name as
it is; an old client that knows only `filename=` gets the plain-ASCII fallback instead of mojibake.
Every kind of report (workbooks, the briefing PDF) names its file with `report_filename`.
"""

import datetime
import re
from urllib.parse import quote

from django.utils.translation import gettext as _

# Characters Windows does not allow in a file name, and control characters.
NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
NOT_IN_FALLBACK = re.compile(r"[^A-Za-z0-9._-]")


def report_filename(
    title: str,
    *,
    day: datetime.date,
    extension: str,
    root: str = "",
    fiscal_year: int | None = None,
    number: int | None = None,
) -> str:
    """`광주 AI 포트폴리오 보고서_AX-VALLEY_2026회계연도_2025-12-31 기준_12호.xlsx`, in the active
    language. `title` is the kind of report ("포트폴리오 보고서"), `extension` with its dot
    (".xlsx", ".pdf"), `root` the program scope, `number` the run's id."""
    parts = [_("Gwangju AI %(title)s") % {"title": title}]
    if root:
        parts.append(root)
    if fiscal_year:
        parts.append(_("FY%(year)s") % {"year": fiscal_year})
    parts.append(_("as of %(day)s") % {"day": f"{day:%Y-%m-%d}"})
    if number is not None:
        parts.append(_("No. %(number)s") % {"number": number})
    return NOT_IN_FILE_NAMES.sub(" ", "_".join(parts)).strip() + extension


def content_disposition(filename: str, fallback: str) -> str:
    """`attachment` with the name in both forms: RFC 6266/5987 `filename*` (UTF-8, percent-encoded)
    and `filename`, which must be ASCII: `fallback`, with anything else replaced by `_`."""
    ascii_name = NOT_IN_FALLBACK.sub("_", fallback) or "report"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
