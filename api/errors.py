"""One error shape everywhere under /api/: drf-standardized-errors formats the views' errors
as {"type", "errors": [{"code", "detail", "attr"}]}; this gives unknown paths the same."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _


def error_body(code: str, detail: str, *, kind: str = "client_error", attr: str | None = None) -> dict:
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return JsonResponse(error_body("not_found", _("There is no API endpoint at this address.")), status=404)
