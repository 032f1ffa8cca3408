"""The web login log in the admin (Users › Web logins): every sign-in to this server and those
imported from Tautulli, read-only, newest first; never the stored JWT."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from core.admin_kit.mixins import ReadOnlyAdminMixin

from .logins import os_and_browser
from .models import UserLogin


@admin.register(UserLogin)
class UserLoginAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = (
        "timestamp",
        "user",
        "user_group",
        "ip_address",
        "host",
        "os_column",
        "browser_column",
        "success",
    )
    list_filter = ("success", "user_group")
    date_hierarchy = "timestamp"
    search_fields = ("user", "ip_address")
    ordering = ("-timestamp",)
    list_per_page = 50
    fields = (
        "timestamp",
        "user_id",
        "user",
        "user_group",
        "ip_address",
        "host",
        "user_agent",
        "os_column",
        "browser_column",
        "success",
        "expiry",
    )
    readonly_fields = fields

    @display(description=_("Operating system"))
    def os_column(self, obj: UserLogin) -> str:
        return os_and_browser(obj.user_agent)[0] or "–"

    @display(description=_("Browser"))
    def browser_column(self, obj: UserLogin) -> str:
        return os_and_browser(obj.user_agent)[1] or "–"
