"""REST API: the feed under /api/v1/, its OpenAPI schema at /api/schema/ and docs at /api/docs/
(Swagger UI and Redoc served from this app's static files, no CDN)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api import report_runs, views
from api.errors import not_found

app_name = "api"

v1 = [
    path("v1/programs/", views.ProgramListView.as_view(), name="programs"),
    path("v1/programs/<slug:code>/", views.ProgramDetailView.as_view(), name="program"),
    path("v1/milestones/", views.MilestoneListView.as_view(), name="milestones"),
    path("v1/indicators/", views.IndicatorListView.as_view(), name="indicators"),
    path("v1/briefing/", views.BriefingView.as_view(), name="briefing"),
    path("v1/reports/", report_runs.ReportListView.as_view(), name="reports"),
    path("v1/reports/<int:pk>/", report_runs.ReportDetailView.as_view(), name="report"),
    path("v1/reports/<int:pk>/download/", report_runs.ReportDownloadView.as_view(), name="report-download"),
]

urlpatterns = [
    *v1,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    re_path(r"^[\s\S]*$", not_found),  # unknown API paths answer JSON too
]
