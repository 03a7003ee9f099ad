"""Report builders: one module per report kind. The workbooks share the streaming helpers in
`xlsx`; the briefing is a PDF (`briefing`). Which file each kind makes is reports.models.OUTPUT_TYPES.

A builder is `build(path, *, as_of, root, language, fiscal_year, unit, requested_by, progress)`:
it reads every figure through `portfolio.selectors`, writes one file at `path`, and reports
`progress(done, total)` as it goes, so it runs the same from a command, a test or a worker.
"""

from collections.abc import Callable
from pathlib import Path

from reports.builders import briefing, kpi, portfolio

Builder = Callable[..., None]

BUILDERS: dict[str, Builder] = {
    "portfolio": portfolio.build,
    "kpi": kpi.build,
    "briefing": briefing.build,
    "briefing_hwpx": briefing.build_hwpx,
}


def build(kind: str, path: Path, **options) -> None:
    try:
        builder = BUILDERS[kind]
    except KeyError:
        raise ValueError(f"Unknown report kind {kind!r}; choose from {', '.join(BUILDERS)}.") from None
    builder(path, **options)
