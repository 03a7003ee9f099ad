"""Celery task for large imports: a thin wrapper that takes the run's id."""

from celery import shared_task

from imports import services
from jobs.services import new_claim


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import(self, run_id: int, claim: str | None = None) -> str:
    """Preview or apply one ImportRun. Late acknowledgement: a worker that dies mid-import leaves
    the message to be delivered again, and the redelivery takes the run over once its claim's
    process is gone (or its heartbeat stale); an apply's rows and its APPLIED mark commit
    together, so nothing was half-done."""
    return services.execute_run(run_id, claim=claim or new_claim(), task_id=self.request.id or "")
