"""URLs for bench/api_throughput.py: the site's URLs plus /bench/trivial/, a plain Django
JsonResponse that sets the floor the feed is compared with. Not in the production URLconf."""

from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as site


def trivial(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/trivial/", trivial), *site]
