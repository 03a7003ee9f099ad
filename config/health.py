"""Database and broker checks, shared by /healthz and `manage.py healthcheck`."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

BROKER_TIMEOUT_SECONDS = 1.0

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


def service_status() -> dict:
    database, broker = check_database(), check_broker()
    status = "ok" if database["ok"] and broker["ok"] else "degraded"
    if not database["ok"]:
        status = "down"
    return {"status": status, "database": database, "broker": broker}


def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (a broker outage is "degraded", not down); else 503."""
    body = service_status()
    return JsonResponse(body, status=503 if body["status"] == "down" else 200)
