"""Top-level URL map: admin, API, dashboard, reports, evidence files and the health check."""

from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("api.urls")),
    path("reports/", include("reports.urls")),
    path("evidence/", include("portfolio.urls")),
    path("", include("dashboard.urls")),
]
