"""`python manage.py import_data KIND FILE [--dry-run] [--user NAME]`: the admin's import from
the command line. Prints every row's outcome and exits non-zero, having written nothing,
when the file or any row is refused."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from imports.engine import Importer
from imports.resources import RESOURCES
from imports.results import Outcome, RowResult


class Command(BaseCommand):
    help = "Import budget lines, executions, milestones, indicator readings or firms from .xlsx or .csv."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(RESOURCES))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check and show every row; write nothing")
        parser.add_argument("--user", help="username the change history names (default: none)")

    def handle(self, *args, kind, file, dry_run, user, verbosity, **options):
        translation.activate(settings.LANGUAGE_CODE)
        history_user = None
        if user:
            history_user = get_user_model().objects.filter(username=user).first()
            if history_user is None:
                raise CommandError(_("There is no user named %(name)s.") % {"name": user})
        self.verbosity = verbosity
        importer = Importer(
            kind,
            user=history_user,
            reason=_("import_data command: %(name)s") % {"name": file},
            on_row=self.print_row,
        )
        summary = importer.run(file, dry_run=dry_run)
        if summary.ignored_columns:
            self.stdout.write(
                _("Ignored columns: %(columns)s") % {"columns": ", ".join(summary.ignored_columns)}
            )
        counts = ", ".join(f"{outcome.label} {summary.counts[outcome]:,}" for outcome in Outcome)
        if summary.file_error:
            raise CommandError(summary.file_error)
        if summary.failed:
            raise CommandError(_("%(counts)s. Nothing was written.") % {"counts": counts})
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(_("Dry run: %(counts)s. Nothing was written.") % {"counts": counts})
            )
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported: %(counts)s.") % {"counts": counts}))

    def print_row(self, result: RowResult) -> None:
        if result.outcome is not Outcome.ERROR and self.verbosity < 1:
            return
        line = f"{result.number:>7}  {result.outcome.label:<6}  {result.key}"
        details = [f"{column}: {old} → {new}" for column, old, new in result.changes] + result.errors
        if details:
            line += "  | " + "; ".join(details)
        style = self.style.ERROR if result.outcome is Outcome.ERROR else (lambda text: text)
        self.stdout.write(style(line))
