"""Request handling shared by the site: Korean first, the health check, and database outages.

Korean first: the office's pages are Korean unless the user chose English.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show English
admin pages on an English-language browser. For pages, only an explicit choice counts: the
language cookie that Django's set_language view (/i18n/setlang/) writes. API clients keep the
usual negotiation, since a program asks for its language with Accept-Language.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

NEGOTIATED_PATHS = ("/api/",)

logger = logging.getLogger(__name__)


class KoreanFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path.startswith(NEGOTIATED_PATHS):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()


class HealthCheckMiddleware:
    """Answers /healthz before anything looks at the Host header.

    A container's health check and a load balancer call the server by its address
    (http://127.0.0.1:8000/healthz), which is not one of ALLOWED_HOSTS: Django's host check would
    answer 400 and the container would never be healthy. The answer tells nothing but up or down.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            from config.health import healthz

            return healthz(request)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """While the database is down, say so with 503 and Retry-After instead of a 500 error page.

    A lost or refused database connection (OperationalError, InterfaceError) is an outage that
    passes, not a bug: clients and load balancers should come back later. The API answers in its
    usual error shape; pages get a plain Korean (or English) page. The driver's text, which names
    the host, port and role, goes only to the log.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable while serving %s", request.path, exc_info=exception)
        message = _("The database is not answering at the moment. Please try again in a minute.")
        if request.path.startswith(NEGOTIATED_PATHS):
            body = {
                "type": "server_error",
                "errors": [{"code": "database_unavailable", "detail": str(message), "attr": None}],
            }
            response = JsonResponse(body, status=503)
        else:
            title = _("Service temporarily unavailable")
            response = HttpResponse(
                format_html(
                    '<!doctype html><html lang="{}"><head><meta charset="utf-8"><title>{}</title></head>'
                    "<body><h1>{}</h1><p>{}</p></body></html>",
                    translation.get_language() or settings.LANGUAGE_CODE,
                    title,
                    title,
                    message,
                ),
                status=503,
            )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
