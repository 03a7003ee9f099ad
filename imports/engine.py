"""The importer: reads a sheet, matches each row to a stored one by its natural key, validates it
as full_clean does, and reports it as new, changed, unchanged or an error.

A dry run writes nothing. An apply writes every row in one transaction, with change history
attributed to the importing user (simple-history's bulk helpers), or nothing at all when any
row fails. Rows are handled in chunks: one query per chunk finds the stored rows, one bulk
insert and one bulk update write them, and memory does not grow with the file.

A preview notes a digest of every stored row it matched (its primary key and the stored values
of all its fields). The apply of that preview refuses every row whose stored row has changed
since, or was added since, so what is written is what the preview showed ("A → B" never lands
on a C someone saved in between).
"""

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from api.caching import bump_after_commit
from imports.columns import Column
from imports.readers import FileRejected, Sheet, SheetRow, open_sheet
from imports.resources import AMBIGUOUS, SpreadsheetResource, resource_for
from imports.results import Outcome, RowResult, Summary
from imports.widgets import CellError, is_empty, normalise
from portfolio.models.versioning import VERSION_FIELD

HEADER_SEARCH_ROWS = 10  # a title or a note above the header row is fine
STALE_ROWS_EXPLAINED = 10  # stale rows whose change is looked up in the history (a query or two each)


def row_digest(instance) -> str:
    """What a stored row holds, in 16 hex digits: its primary key and every stored value."""
    values = [(field.attname, getattr(instance, field.attname)) for field in instance._meta.concrete_fields]
    return hashlib.blake2b(repr(values).encode(), digest_size=8).hexdigest()


@dataclass(slots=True)
class ParsedRow:
    number: int
    values: dict[str, Any]  # attname → cleaned value (a code for lookups until resolved)
    errors: dict[str, str]  # attname (or "" for the row) → message
    key: tuple | None = None
    unknown: dict[str, str] = field(default_factory=dict)  # attname → a code that names nothing


class _Rollback(Exception):
    pass


def chunks(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class Importer:
    """One import of one file of one kind. `on_row` receives every RowResult as it is decided;
    `progress(done, total)` is called after each chunk."""

    def __init__(
        self,
        kind: str,
        *,
        user=None,
        reason: str = "",
        on_row: Callable[[RowResult], None] | None = None,
        progress: Callable[[int, int | None], None] | None = None,
        chunk_size: int | None = None,
        expected: dict[str, str] | None = None,
    ):
        """`expected`: the digests of the stored rows the preview matched, by primary key (the
        preview's `Summary.matched`); an apply given them refuses rows changed since."""
        self.resource: SpreadsheetResource = resource_for(kind)
        self.model = self.resource._meta.model
        self.user = user
        self.reason = reason[:100]  # simple-history's change-reason column
        self.on_row = on_row or (lambda result: None)
        self.progress = progress or (lambda done, total: None)
        self.chunk_size = chunk_size or settings.IMPORT_CHUNK_ROWS
        self.summary = Summary(kind=kind, dry_run=True)
        self.columns_by_attname = {column.attname: column for column in self.resource.columns()}
        self.tracked = list(self.columns_by_attname)
        self.lookups = [column.attribute for column in self.resource.columns() if column.is_lookup]
        self.seen: dict[int, int] = {}  # hash of a key → the row it first appeared on
        self.expected = expected
        self.stale: list[str] = []  # "row 3 (key): what changed", for the file's message

    # --- the run ---------------------------------------------------------------------------

    def run(self, path, *, dry_run: bool) -> Summary:
        self.summary.dry_run = dry_run
        self.started = timezone.now()
        try:
            with open_sheet(path) as sheet:
                if dry_run:
                    self._process(sheet, write=False)
                else:
                    self._apply(sheet)
        except FileRejected as error:
            self.summary.file_error = str(error)
        if self.stale and not self.summary.file_error:
            self.summary.file_error = _(
                "%(count)s rows were changed after the preview, so nothing was written: %(rows)s. "
                "Upload the file again for a new preview."
            ) % {"count": f"{len(self.stale):,}", "rows": "; ".join(self.stale[:STALE_ROWS_EXPLAINED])}
        return self.summary

    def _apply(self, sheet: Sheet) -> None:
        try:
            with transaction.atomic():
                self._process(sheet, write=True)
                if self.summary.failed:
                    raise _Rollback
                self.summary.written = True
        except _Rollback:
            self.summary.written = False
        except DatabaseError as error:
            # The database's own constraints are the last line; validation should have said it first.
            self.summary.written = False
            self.summary.file_error = _(
                "The database refused the import, so nothing was saved: %(error)s"
            ) % {"error": error}

    def _process(self, sheet: Sheet, *, write: bool) -> None:
        rows = iter(sheet.rows)
        self.mapping, leftovers = self._read_header(rows)
        self.present = {column.attribute for column in self.mapping.values()}
        done = 0
        limit = settings.IMPORT_MAX_ROWS
        for chunk in chunks(itertools.chain(leftovers, rows), self.chunk_size):
            done += len(chunk)
            if done > limit:
                raise FileRejected(
                    _("The file has more than %(limit)s rows; split it into smaller files.")
                    % {"limit": f"{limit:,}"}
                )
            creates, updates, changed_fields = self._chunk([self._parse(row) for row in chunk])
            if write and not self.summary.failed:
                self._write(creates, updates, changed_fields)
            self.progress(done, sheet.estimated_rows)
        if not done:
            raise FileRejected(_("The file has a header row but no rows to import."))

    # --- header ----------------------------------------------------------------------------

    def _read_header(self, rows: Iterator[SheetRow]) -> tuple[dict[int, Column], list[SheetRow]]:
        """Find the header among the first rows (a title above it is fine) and map its cells to
        columns. Returns the mapping and any rows read past it."""
        required = [column for column in self.resource.columns() if column.required]
        seen: list[SheetRow] = []
        for row in itertools.islice(rows, HEADER_SEARCH_ROWS):
            seen.append(row)
            mapping = self._map_header(row)
            if all(column in mapping.values() for column in required):
                self._note_ignored(row, mapping)
                return mapping, seen[seen.index(row) + 1 :]
        first = self._map_header(seen[0]) if seen else {}
        missing = [column.header for column in required if column not in first.values()]
        raise FileRejected(
            _(
                "Required columns are missing: %(columns)s. "
                "The first row must hold the column names, as in the template."
            )
            % {"columns": ", ".join(missing)}
        )

    def _map_header(self, row: SheetRow) -> dict[int, Column]:
        mapping: dict[int, Column] = {}
        for index, cell in enumerate(row.values):
            if is_empty(cell):
                continue
            name = normalise(cell)
            for column in self.resource.columns():
                if name in column.names:
                    if column in mapping.values():
                        raise FileRejected(
                            _("Two columns stand for %(column)s; keep only one.") % {"column": column.header}
                        )
                    mapping[index] = column
                    break
        return mapping

    def _note_ignored(self, row: SheetRow, mapping: dict[int, Column]) -> None:
        self.summary.ignored_columns = [
            str(cell).strip()
            for index, cell in enumerate(row.values)
            if index not in mapping and not is_empty(cell)
        ]

    # --- rows ------------------------------------------------------------------------------

    def _parse(self, row: SheetRow) -> ParsedRow:
        parsed = ParsedRow(number=row.number, values={}, errors={})
        width = len(row.values)
        for index, column in self.mapping.items():
            raw = row.values[index] if index < width else None
            if index in row.formulas:
                parsed.errors[column.attname] = _(
                    "holds a formula (%(formula)s). A computed value is not trusted: type the figure "
                    "or paste it as a value (Paste Special → Values)."
                ) % {"formula": str(raw)[:40]}
                continue
            try:
                value = column.widget.clean(raw)
            except CellError as error:
                parsed.errors[column.attname] = str(error)
                continue
            if value is None or value == "":
                if column.required:
                    parsed.errors[column.attname] = _("is empty; this column must be filled in.")
                    continue
                if column.keep_when_empty:
                    continue
            parsed.values[column.attname] = value
        return parsed

    def _resolve_lookups(self, rows: list[ParsedRow]) -> None:
        for column in self.mapping.values():
            if not column.is_lookup:
                continue
            name = column.attname
            codes = {row.values[name] for row in rows if row.values.get(name) is not None}
            ids = column.widget.resolve(codes)
            for row in rows:
                code = row.values.get(name)
                if code is None:
                    continue
                if code in ids:
                    row.values[name] = ids[code]
                else:
                    del row.values[name]
                    row.unknown[name] = code
                    row.errors[name] = column.widget.unknown_message % {"value": code}

    def _chunk(self, rows: list[ParsedRow]) -> tuple[list, list, set[str]]:
        self._resolve_lookups(rows)
        key_names = set(self.resource.key_attnames())
        for row in rows:
            if not key_names & row.errors.keys():
                row.key = self.resource.key_of(row.values, self.present)
                self._check_duplicate(row)
        keyed = [row.key for row in rows if row.key is not None and not row.errors]
        stored = self.resource.existing(keyed, self.present)
        creates, updates, changed_fields = [], [], set()
        for row in rows:
            result, instance, changed = self._decide(row, stored)
            self.summary.counts[result.outcome] += 1
            self.on_row(result)
            if result.outcome is Outcome.NEW:
                creates.append(instance)
            elif result.outcome is Outcome.CHANGED:
                updates.append(instance)
                changed_fields.update(changed)
        return creates, updates, changed_fields

    def _check_duplicate(self, row: ParsedRow) -> None:
        # A hash per row, not the key itself, keeps the memory this costs small; two different
        # keys sharing a 64-bit hash would only refuse the file, never write a wrong row.
        fingerprint = hash(row.key)
        first = self.seen.setdefault(fingerprint, row.number)
        if first != row.number:
            row.errors[""] = _(
                "Duplicate key: row %(row)s already has %(key)s; a file may name each %(what)s only once."
            ) % {
                "row": first,
                "key": self._describe_key(row),
                "what": self.model._meta.verbose_name,
            }

    def _decide(self, row: ParsedRow, stored: dict) -> tuple[RowResult, Any, list[str]]:
        result = RowResult(number=row.number, outcome=Outcome.ERROR, describe=lambda: self._describe_key(row))
        if row.errors:
            result.errors = self._messages(self._in_column_order({**row.errors, **self._field_errors(row)}))
            return result, None, []
        existing = stored.get(row.key)
        if existing is AMBIGUOUS:
            result.errors = [
                _(
                    "Several stored %(what)s share this key, so the row cannot say which one to change; "
                    "fix them in the admin first."
                )
                % {"what": self.model._meta.verbose_name_plural}
            ]
            return result, None, []
        if existing is not None:
            stale = self._stale(row, existing)
            if stale:
                result.errors = [stale]
                return result, None, []
        tracked = self.tracked
        if existing is None:
            instance = self.model(**row.values)
            before = None
        else:
            instance = existing
            before = {name: getattr(instance, name) for name in tracked}
            for name, value in row.values.items():
                setattr(instance, name, value)
        try:
            self._validate(instance)
        except ValidationError as error:
            result.errors = self._messages(
                {name: " ".join(messages) for name, messages in error.message_dict.items()}, fields=True
            )
            if before:  # leave the stored instance as it was; it may be matched again
                for name, value in before.items():
                    setattr(instance, name, value)
            return result, None, []
        if before is None:
            result.outcome = Outcome.NEW
            result.changes = self.resource.new_row_details(instance)
            return result, instance, []
        changed = [name for name in tracked if getattr(instance, name) != before[name]]
        if not changed:
            result.outcome = Outcome.UNCHANGED
            return result, None, []
        result.outcome = Outcome.CHANGED
        result.changes = [
            (
                self.columns_by_attname[name].header,
                self._show(name, before[name]),
                self._show(name, getattr(instance, name)),
            )
            for name in changed
        ]
        return result, instance, changed

    def _stale(self, row: ParsedRow, existing) -> str:
        """Note the stored row a preview matched; in an apply, say how it changed since the
        preview, or "" when it did not."""
        if not self.summary.dry_run and self.expected is None:
            return ""  # an apply without a preview (the import_data command) has nothing to compare
        digest = row_digest(existing)
        if self.summary.dry_run:
            self.summary.matched[str(existing.pk)] = digest
        if self.expected is None:
            return ""
        previewed = self.expected.get(str(existing.pk))
        if previewed == digest:
            return ""
        if previewed is None:
            message = _(
                "This row was added after the preview%(change)s. Upload the file again for a new preview."
            )
        else:
            message = _(
                "This row was changed after the preview%(change)s. Upload the file again for a new preview."
            )
        change = self._last_change(existing) if len(self.stale) < STALE_ROWS_EXPLAINED else ""
        self.stale.append(
            _("row %(row)s (%(key)s)%(change)s")
            % {"row": row.number, "key": self._describe_key(row), "change": change}
        )
        return message % {"change": change}

    def _last_change(self, instance) -> str:
        """Who changed a stored row last, when, and from what to what, from its history."""
        record = instance.history.first()  # newest first
        if record is None:
            return ""
        parts = []
        previous = record.prev_record
        if previous is not None:
            for change in record.diff_against(previous).changes:
                attname = self.model._meta.get_field(change.field).attname
                column = self.columns_by_attname.get(attname)
                header = (
                    column.header if column else str(self.model._meta.get_field(change.field).verbose_name)
                )
                show = (lambda value, name=attname: self._show(name, value)) if column else str
                parts.append(f"{header} {show(change.old)} → {show(change.new)}")
        by = str(record.history_user) if record.history_user else _("unknown")
        when = date_format(timezone.localtime(record.history_date), "Y-m-d H:i")
        details = ", ".join([*parts, _("by %(user)s at %(time)s") % {"user": by, "time": when}])
        return f" ({details})"

    def _field_errors(self, row: ParsedRow) -> dict[str, str]:
        """The model's field rules on the cells of a refused row that could be read, so that one
        look at the preview shows all that is wrong with it (a year out of range next to an
        unreadable amount). Only field rules: the model's clean() compares fields, and some of
        them are missing; it runs once the cells are fixed."""
        checked = {
            self.columns_by_attname[name].attribute for name in row.values if name in self.columns_by_attname
        } - set(self.lookups)
        if not checked:
            return {}
        instance = self.model(**row.values)
        exclude = [field.name for field in self.model._meta.concrete_fields if field.name not in checked]
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as error:
            attnames = {column.attribute: column.attname for column in self.columns_by_attname.values()}
            return {
                attnames.get(name, name): " ".join(messages) for name, messages in error.message_dict.items()
            }
        return {}

    def _in_column_order(self, errors: dict[str, str]) -> dict[str, str]:
        """Messages in the order of the sheet's columns; those about the row as a whole last."""
        position = {column.attname: index for index, column in self.mapping.items()}
        return dict(sorted(errors.items(), key=lambda item: position.get(item[0], float("inf"))))

    def _validate(self, instance) -> None:
        """full_clean, less the per-row queries: related rows were found by code for the whole
        chunk, keys were matched to stored rows and checked across the file, and every check
        constraint of these models has a field validator or clean() rule saying the same."""
        self.resource.validate(instance, exclude=self.lookups)

    def _write(self, creates: list, updates: list, changed_fields: set[str]) -> None:
        # One import is one moment in the history: every record it writes carries the same time.
        history = {
            "default_user": self.user,
            "default_change_reason": self.reason,
            "default_date": self.started,
        }
        if self.resource.save_rows(creates, updates, user=self.user, reason=self.reason):
            return
        also = self.resource.before_write(creates, updates, user=self.user, at=self.started)
        batch = settings.IMPORT_WRITE_BATCH
        if creates:
            bulk_create_with_history(creates, self.model, batch_size=batch, **history)
        if updates:
            names = sorted({self.model._meta.get_field(name).name for name in changed_fields} | set(also))
            if any(field.name == VERSION_FIELD for field in self.model._meta.concrete_fields):
                # A bulk update skips save(): move each row's version on here, so an admin form
                # opened before the import is refused instead of writing the old values back.
                for obj in updates:
                    setattr(obj, VERSION_FIELD, getattr(obj, VERSION_FIELD) + 1)
                names.append(VERSION_FIELD)
            bulk_update_with_history(updates, self.model, names, batch_size=batch, **history)
        bump_after_commit()  # bulk writes send no signals: the API must not serve older answers

    # --- messages --------------------------------------------------------------------------

    def _messages(self, errors: dict[str, str], *, fields: bool = False) -> list[str]:
        by_field = {column.attribute: column for column in self.columns_by_attname.values()}
        messages = []
        for name, message in errors.items():
            column = self.columns_by_attname.get(name) or (by_field.get(name) if fields else None)
            if name in ("", NON_FIELD_ERRORS) or column is None:
                messages.append(message)
            else:
                messages.append(f"{column.header}: {message}")
        return messages

    def _describe_key(self, row: ParsedRow) -> str:
        parts = []
        for name in self.resource.described_attnames():
            if name in row.values:
                parts.append(self._show(name, row.values[name]))
            elif name in row.unknown:
                parts.append(row.unknown[name])
        return " · ".join(part for part in parts if part)

    def _show(self, name: str, value: Any) -> str:
        column = self.columns_by_attname[name]
        if value is None or value == "":
            return ""
        if column.is_lookup:
            return column.widget.code_for(value)
        rendered = column.widget.render(value)
        if isinstance(rendered, int) and not isinstance(rendered, bool) and name == "amount":
            return f"{rendered:,}"
        if hasattr(rendered, "isoformat"):
            return rendered.isoformat()
        return str(rendered)
