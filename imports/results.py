"""What an import says about each row (new, changed, unchanged, error) and about the file."""

import enum
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy


class Outcome(enum.StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.NEW: gettext_lazy("new"),
    Outcome.CHANGED: gettext_lazy("changed"),
    Outcome.UNCHANGED: gettext_lazy("unchanged"),
    Outcome.ERROR: gettext_lazy("error"),
}


@dataclass(slots=True)
class RowResult:
    number: int
    outcome: Outcome
    describe: Callable[[], str] = str  # what the row is called; built only when someone asks
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # column, old, new
    errors: list[str] = field(default_factory=list)  # "column: rule", in the user's language

    @property
    def key(self) -> str:
        return self.describe()

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "outcome": str(self.outcome),
            "key": self.key,
            "changes": [list(change) for change in self.changes],
            "errors": self.errors,
        }


@dataclass
class Summary:
    kind: str
    dry_run: bool
    counts: Counter = field(default_factory=Counter)
    file_error: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False
    # A preview's digest of every stored row it matched, by primary key (see engine.row_digest).
    matched: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def failed(self) -> bool:
        return bool(self.file_error or self.counts[Outcome.ERROR])
