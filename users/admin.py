"""Admin for Plex users: Tautulli's per-user switches. ``user_token`` and ``server_token`` are not
part of any form, list or detail page.

The statistics app registers :class:`UserAdmin` again with the users' plays, last seen and
statistics (:class:`stats.admin.UserStatisticsAdmin`).
"""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminTextInputWidget

from .models import User

# What plex.tv (or an import) sets: shown, never edited here.
PLEX_ACCOUNT_FIELDS = (
    "user_id",
    "username",
    "title",
    "email",
    "thumb",
    "custom_avatar_url",
    "is_active",
    "is_admin",
    "is_home_user",
    "is_allow_sync",
    "is_restricted",
    "deleted_user",
    "placeholder",
    "shared_libraries",
)
CONTENT_FILTER_FIELDS = (
    "filter_all",
    "filter_movies",
    "filter_tv",
    "filter_music",
    "filter_photos",
)


@admin.register(User)
class UserAdmin(ModelAdmin):
    list_display = (
        "display_name_column",
        "username",
        "is_active",
        "is_home_user",
        "keep_history",
        "do_notify",
    )
    list_display_links = ("display_name_column", "username")
    list_filter = ("is_active", "deleted_user", "is_home_user")
    search_fields = ("username", "friendly_name", "email")
    ordering = ("username",)
    list_per_page = 50
    formfield_overrides = {models.TextField: {"widget": UnfoldAdminTextInputWidget}}
    help_texts = {
        "allow_guest": _(
            "May sign in with Plex and see their own history, statistics and streams, when "
            "guest access is on (Settings › Monitoring settings). Off: access ends at their next "
            "request."
        ),
    }
    fieldsets = (
        (
            _("Tautulli settings"),
            {"fields": ("friendly_name", "keep_history", "do_notify", "allow_guest")},
        ),
        (
            _("Plex account"),
            {"fields": PLEX_ACCOUNT_FIELDS},
        ),
        (
            _("Content filters"),
            {"fields": CONTENT_FILTER_FIELDS, "classes": ["collapse"]},
        ),
    )
    readonly_fields = PLEX_ACCOUNT_FIELDS + CONTENT_FILTER_FIELDS

    def get_form(self, request, obj=None, **kwargs):
        """The form with :attr:`help_texts` (the model's fields carry none)."""
        return super().get_form(request, obj, help_texts=self.help_texts, **kwargs)

    def has_add_permission(self, request):
        """Users come from plex.tv (and imports), not from the admin."""
        return False

    def has_delete_permission(self, request, obj=None):
        """Their history refers to them (PROTECT): Tautulli marks users deleted instead."""
        return False

    @admin.display(description=_("friendly name"), ordering="friendly_name")
    def display_name_column(self, obj: User) -> str:
        return obj.display_name


# The web login log's list lives with the log (users.logins).
from .admin_logins import UserLoginAdmin  # noqa: E402, F401
