"""Print database, broker and worker status (the same JSON as /healthz); the exit code says if
it is up."""

import json

from django.core.management.base import BaseCommand

from config.health import service_status


class Command(BaseCommand):
    help = (
        "Check the database, Redis and the Celery workers. Exit 1 when the database (or, with "
        "--broker, Redis; with --workers, every worker on the queue) is down."
    )

    def add_arguments(self, parser):
        parser.add_argument("--broker", action="store_true", help="fail when Redis does not answer")
        parser.add_argument("--workers", action="store_true", help="fail when no worker consumes the queue")

    def handle(self, *args, broker, workers, **options):
        status = service_status()
        self.stdout.write(json.dumps(status, ensure_ascii=False))
        broker_up = status["broker"]["ok"] and status["broker"]["mode"] == "celery"
        workers_up = broker_up and status.get("workers", {}).get("ok", False)
        if not status["database"]["ok"] or (broker and not broker_up) or (workers and not workers_up):
            raise SystemExit(1)
