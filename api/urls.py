"""REST API under /api/ (filled by the API issue)."""

app_name = "api"
urlpatterns: list = []
