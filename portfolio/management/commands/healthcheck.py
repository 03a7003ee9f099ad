"""Print database and broker status (the same JSON as /healthz); the exit code says if it is up."""

import json

from django.core.management.base import BaseCommand

from config.health import service_status


class Command(BaseCommand):
    help = "Check the database and Redis. Exit 1 when the database (or, with --broker, Redis) is down."

    def add_arguments(self, parser):
        parser.add_argument("--broker", action="store_true", help="fail when Redis does not answer")

    def handle(self, *args, broker, **options):
        status = service_status()
        self.stdout.write(json.dumps(status, ensure_ascii=False))
        broker_up = status["broker"]["ok"] and status["broker"]["mode"] == "celery"
        if not status["database"]["ok"] or (broker and not broker_up):
            raise SystemExit(1)
