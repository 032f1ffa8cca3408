"""URLs of the Plex sign-in and of adding a server from it (:mod:`plex.views_signin`)."""

from django.urls import path

from . import views_signin

urlpatterns = [
    path("signin/plex/", views_signin.signin, name="plex_signin"),
    path("signin/plex/done/", views_signin.signin_done, name="plex_signin_done"),
    path("setup/plex/", views_signin.setup, name="plex_setup"),
]
