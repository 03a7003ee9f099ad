"""`python manage.py bump_data_version`: make the API forget every cached answer, after the
database changed behind the app's back (a restored dump, a write made with psql)."""

from django.core.management.base import BaseCommand

from api import caching


class Command(BaseCommand):
    help = "Move the API's data version on, so no answer cached before is served again (run after a restore)."

    def handle(self, *args, **options) -> None:
        caching.bump()
        version = caching.current_version()
        if version is None:
            self.stderr.write("The cache did not answer; the data version could not be moved on.")
            raise SystemExit(1)
        self.stdout.write(f"Data version: {version.number}")
