"""Korean first: the office's pages are Korean unless the user chose English.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show English
admin pages on an English-language browser. For pages, only an explicit choice counts: the
language cookie that Django's set_language view (/i18n/setlang/) writes. API clients keep the
usual negotiation, since a program asks for its language with Accept-Language.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

NEGOTIATED_PATHS = ("/api/",)


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
