"""The Health and Logs pages, listed in the admin's Settings group (staff only)."""

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin_kit.site import AdminPage

from . import views

admin.site.register_page(
    AdminPage(
        title=_("Health"),
        app_label="core",
        urls=(path("health/", views.health_page, name="operations_health"),),
        permission=views.is_staff,
    )
)
admin.site.register_page(
    AdminPage(
        title=_("Logs"),
        app_label="core",
        urls=(path("logs/", views.logs_page, name="operations_logs"),),
        permission=views.is_staff,
    )
)
