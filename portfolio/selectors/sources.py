"""Citations: the sources a page's figures cite, loaded in one query."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from portfolio.models import Source
from portfolio.selectors.scope import rows


@dataclass(frozen=True)
class Citation:
    id: int
    key: str
    publisher: str
    published_on: datetime.date
    title: str
    url: str

    def __str__(self) -> str:
        """One line, as `Source.citation()` writes it: publisher, date, title."""
        return f"{self.publisher}, {self.published_on:%Y-%m-%d}, {self.title}"


def citations(ids: Iterable[int | None], *, as_of: datetime.date | None = None) -> dict[int, Citation]:
    """The sources with these ids (as they stood at `as_of`), by id, in date order. One query,
    none when there are no ids."""
    wanted = {source_id for source_id in ids if source_id is not None}
    if not wanted:
        return {}
    found = (
        rows(Source, as_of)
        .filter(id__in=wanted)
        .order_by("published_on", "key")
        .values("id", "key", "publisher", "published_on", "title", "url")
    )
    return {row["id"]: Citation(**row) for row in found}
