"""One error shape everywhere under /api/: drf-standardized-errors formats the views' errors
as {"type", "errors": [{"code", "detail", "attr"}]}; this gives unknown paths and bodies over
the size limit the same."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import status
from rest_framework.exceptions import APIException


def error_body(code: str, detail: str, *, kind: str = "client_error", attr: str | None = None) -> dict:
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return JsonResponse(
        error_body("not_found", _("There is no API endpoint at this address.")),
        status=404,
        json_dumps_params={"ensure_ascii": False},  # UTF-8, as DRF's answers, not \uXXXX escapes
    )


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class FeedExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler (DRF_STANDARDIZED_ERRORS["EXCEPTION_HANDLER_CLASS"]), with
    Django's refusal of an oversized body, which DRF leaves unhandled (a 500), made a 413, and a
    database outage left to config.middleware.DatabaseUnavailableMiddleware (503, Retry-After)."""

    def should_not_handle(self, exc: Exception) -> bool:
        return isinstance(exc, OperationalError | InterfaceError) or super().should_not_handle(exc)

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, RequestDataTooBig):
            message = _("The request body is larger than the limit of %(limit)s bytes.")
            return RequestTooLarge(message % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
        return super().convert_known_exceptions(exc)
