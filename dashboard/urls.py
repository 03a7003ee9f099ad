"""Managers' dashboard (filled by the dashboard issue)."""

app_name = "dashboard"
urlpatterns: list = []
