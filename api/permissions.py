"""Who may read what: the view permission of every model an endpoint shows.

Office staff, managers and the briefing feed group all hold view permissions; a write needs
the add/change/delete permission first (a feed token gets 403) and then meets a read-only
endpoint (405 for staff who could write in the admin).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

_WRITE_ACTIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


def codenames(models, action: str) -> list[str]:
    return [f"{model._meta.app_label}.{action}_{model._meta.model_name}" for model in models]


class ModelPermissions(BasePermission):
    message = _("You do not have permission to read this data.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        models = getattr(view, "models", ())
        if not models:
            # A view that names no models has said nothing about who may use it: refuse,
            # rather than let every logged-in user (a feed token included) through.
            return False
        if request.method in SAFE_METHODS:
            return may(request, models, "view")
        self.message = _("This feed is read-only.")
        return may(request, models, _WRITE_ACTIONS.get(request.method, "change"))


def may(request, models, action: str) -> bool:
    """Whether the request's user holds the `action` permission on every one of `models`. A
    token's user comes with its permissions read (api.authentication): no query then."""
    return request.user.has_perms(codenames(models, action))
