"""Database, broker and worker checks, shared by /healthz and `manage.py healthcheck`."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

BROKER_TIMEOUT_SECONDS = 1.0
# How long to wait for workers to answer a control broadcast; a live worker answers in milliseconds.
WORKER_TIMEOUT_SECONDS = 1.0

logger = logging.getLogger(__name__)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception:  # any driver error means "down"
        # The driver's text names the host, port and role: it goes to the log, not to whoever
        # calls /healthz.
        logger.exception("Health check: the database does not answer")
        return {"ok": False, "vendor": connection.vendor}


def redis_answers(url: str, timeout: float = BROKER_TIMEOUT_SECONDS) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        return bool(client.ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def check_broker() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "in-process", "detail": "REDIS_URL is empty"}
    ok = redis_answers(settings.REDIS_URL)
    return {"ok": ok, "mode": "celery"} | ({} if ok else {"error": "Redis does not answer"})


def check_workers(timeout: float = WORKER_TIMEOUT_SECONDS) -> dict:
    """Which Celery workers consume this installation's queue, asked over the broker (a control
    broadcast): with Redis up but no worker, reports and large imports wait for ever in the queue."""
    from config.celery import app

    queue = app.conf.task_default_queue
    try:
        replies = app.control.inspect(timeout=timeout).active_queues() or {}
    except Exception as exc:  # kombu/redis raise several kinds; any failure means "unknown"
        return {"ok": False, "queue": queue, "workers": [], "error": str(exc)}
    names = sorted(
        name for name, queues in replies.items() if any(q.get("name") == queue for q in queues or [])
    )
    answer = {"ok": bool(names), "queue": queue, "workers": names}
    return answer | ({} if names else {"error": "No worker consumes the queue"})


def service_status() -> dict:
    database, broker = check_database(), check_broker()
    workers = check_workers() if broker["ok"] and broker["mode"] == "celery" else None
    healthy = database["ok"] and broker["ok"] and (workers is None or workers["ok"])
    status = "ok" if healthy else "degraded"
    if not database["ok"]:
        status = "down"
    return {"status": status, "database": database, "broker": broker} | (
        {"workers": workers} if workers else {}
    )


def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (a broker outage is "degraded", not down); else 503."""
    body = service_status()
    return JsonResponse(body, status=503 if body["status"] == "down" else 200)
