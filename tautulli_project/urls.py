from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from core.tautulli_api.dispatcher import legacy_api
from core.views import health
from plex.image_links import image_view

from .api import rest_urls, tautulli_v2

urlpatterns = [
    # The admin is the interface: / leads there.
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path("admin/", admin.site.urls),
    re_path(r"^api/v2/?$", tautulli_v2),
    path("api", legacy_api),
    path("api/", rest_urls()),
    path("health", health),
    path("image/<str:token>", image_view, name="plex_image"),
    path("", include("operations.urls")),
    path("newsletter/", include("newsletters.urls")),
    path("", include("plex.urls")),
    path("oidc/", include("core.oidc_urls")),
    path("me/", include("guests.urls")),
]
