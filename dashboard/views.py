"""Views of the managers' dashboard: the portfolio page, a program's page, login and logout."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from dashboard.access import DashboardAccessMixin
from dashboard.forms import AsOfForm, LoginForm
from dashboard.pages import dashboard_page
from portfolio.models import Program


class DashboardView(DashboardAccessMixin, TemplateView):
    """The city's portfolio, or with `code` one program and everything under it."""

    template_name = "dashboard/dashboard.html"

    def get(self, request, code: str | None = None):
        form = AsOfForm(request.GET or None)
        valid = form.is_valid() if form.is_bound else True
        # A bad as-of day or fiscal year is said plainly beside the field; the page shows today's
        # figures.
        as_of = form.cleaned_data["as_of"] if form.is_bound and valid else None
        fiscal_year = form.cleaned_data["fiscal_year"] if form.is_bound and valid else None
        try:
            page = dashboard_page(as_of=as_of, code=code, fiscal_year=fiscal_year)
        except Program.DoesNotExist:
            context = {"code": code, "as_of": as_of}
            return render(request, "dashboard/not_found.html", context, status=404)
        as_of = {"as_of": page.as_of.isoformat()} if page.as_of else {}
        # Links into the tree keep the day and the fiscal year asked for.
        shown = as_of | ({"fiscal_year": str(fiscal_year)} if fiscal_year else {})
        as_of_query = f"?{urlencode(shown)}" if shown else ""
        # A program's page offers its report, of the day shown, in the report center's form.
        report_query = f"?{urlencode({'root': page.root.code} | as_of)}" if page.root else ""
        user = request.user
        context = self.get_context_data(
            page=page,
            form=form,
            nav="dashboard",
            as_of_query=as_of_query,
            report_query=report_query,
            # Staff and approvers act on readings awaiting approval; managers see approved figures only.
            show_pending=user.has_perm("portfolio.change_indicatorreading")
            or user.has_perm("portfolio.approve_indicatorreading"),
            can_approve=user.has_perm("portfolio.approve_indicatorreading"),
        )
        return self.render_to_response(context, status=200 if valid else 400)


class LoginView(auth_views.LoginView):
    template_name = "dashboard/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Added after the session is flushed, so it survives into the login page.
        messages.success(request, _("You have logged out."))
        return response
