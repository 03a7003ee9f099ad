"""Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user from one
address, that pair is locked out for AXES_COOLOFF_TIME, and the login page says so in Korean.

Unlocking early is the office administrator's: `python manage.py axes_reset_username NAME`
(see README, "Concurrent edits and logins").
"""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.admin import site
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

LOCKED_OUT_STATUS = 429


class LoginAttemptBackend(AxesStandaloneBackend):
    """Counts and refuses logins from a web request. A call without a request (the shell, a
    test client's login()) has no address to lock, so it is left to the next backend as before
    instead of raising."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed logins: this account is locked on this computer for %(minutes)s minutes. "
        "Try again later, or ask the office's administrator to unlock it."
    ) % {"minutes": minutes}


class LockedOutForm(AdminAuthenticationForm):
    """The login form as the user left it (the name, never the password), refused with the message."""

    def clean(self) -> dict[str, Any]:
        raise ValidationError(lockout_message(), code="locked_out")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The login page the user was on, with the lockout message in place of the usual error."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LockedOutForm(request, data={"username": username, "password": "-"})
    form.is_valid()
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.path.startswith("/admin/"):
        context = {
            **site.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": username,
            "form": form,
            "next": next_url,
        }
        template = "admin/login.html"
    else:
        context = {"form": form, "next": next_url}
        template = "dashboard/login.html"
    return TemplateResponse(request, template, context, status=LOCKED_OUT_STATUS).render()
