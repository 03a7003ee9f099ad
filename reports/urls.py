"""The report center and report file downloads (permission-checked); the REST endpoints live in
the API app."""

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.center, name="center"),
    path("progress/", views.progress, name="progress"),
    path("<int:pk>/download/", views.download, name="download"),
]
