"""How other apps add to the domain's admin without the domain importing them.

The portfolio admin knows nothing of spreadsheet imports or reports: those apps extend it from
their AppConfig.ready(), which Django runs after the admin has registered every model admin
(django.contrib.admin comes first in INSTALLED_APPS). Data flows one way, and the domain can be
loaded, tested and reasoned about without its surfaces.
"""

from django.contrib import admin
from django.db import models


def extend_model_admin(model: type[models.Model], mixin: type, *, site: admin.AdminSite = admin.site) -> None:
    """Re-register `model` with its current admin class extended by `mixin` (placed first, so the
    mixin's views and actions wrap the admin's own). Calling it twice changes nothing."""
    current = type(site.get_model_admin(model))
    if issubclass(current, mixin):
        return
    extended = type(current.__name__, (mixin, current), {"__module__": current.__module__})
    site.unregister(model)
    site.register(model, extended)
