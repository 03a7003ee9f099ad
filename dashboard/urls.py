"""Managers' dashboard, mounted at the site root: `/` leads to `/dashboard/`."""

from django.urls import path
from django.views.generic import RedirectView

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:home"), name="root"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("dashboard/", views.DashboardView.as_view(), name="home"),
    path("dashboard/programs/<slug:code>/", views.DashboardView.as_view(), name="program"),
]
