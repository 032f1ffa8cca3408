from django.contrib import admin
from django.urls import path, re_path

from core.tautulli_api.dispatcher import legacy_api
from core.views import health

from .api import rest, tautulli_v2

urlpatterns = [
    path("admin/", admin.site.urls),
    re_path(r"^api/v2/?$", tautulli_v2),
    path("api", legacy_api),
    path("api/", rest.urls),
    path("health", health),
]
