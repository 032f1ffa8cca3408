"""The guest pages, under ``/me/`` (``tautulli_project/urls.py``). No URL carries a user id:
each page shows the signed-in guest's own user (:mod:`guests.access`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="guest_home"),
    path("history/", views.history, name="guest_history"),
    path("logout/", views.logout_view, name="guest_logout"),
]
