"""Who may see the dashboard: whoever may view programs in the admin (office staff, managers,
superusers). Anonymous visitors are sent to the login page; others get a Korean 403 page."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render

VIEW_PERMISSION = "portfolio.view_program"


def can_view_dashboard(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(VIEW_PERMISSION)


class DashboardAccessMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_view_dashboard(request.user):
            return render(request, "dashboard/forbidden.html", status=403)
        return super().dispatch(request, *args, **kwargs)
