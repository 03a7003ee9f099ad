"""Evidence file downloads (the only way to reach a stored evidence file)."""

from django.urls import path

from portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("<int:pk>/download/", views.download_evidence, name="evidence-download"),
]
