"""Celery task for large imports: a thin wrapper that takes the run's id."""

from celery import shared_task

from imports import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import(run_id: int) -> None:
    """Preview or apply one ImportRun. Late acknowledgement: a worker that dies mid-import
    leaves the message to be delivered again, and the redelivery may retake the run."""
    redelivered = bool((run_import.request.delivery_info or {}).get("redelivered"))
    services.execute_run(run_id, redelivered=redelivered)
