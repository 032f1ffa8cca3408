"""Admin for Plex users: Tautulli's per-user switches. ``user_token`` and ``server_token`` are not
part of any form, list or detail page.

The list shows each user's avatar as a signed image link (:func:`core.image_links.image_url`):
plex.tv avatars are fetched through a watched server's image proxy, as Tautulli does.

The statistics app registers :class:`UserAdmin` again with the users' plays, last seen and
statistics (:class:`stats.admin.UserStatisticsAdmin`).
"""

from django.contrib import admin
from django.db import models
from django.db.models import Subquery
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminTextInputWidget

from core.image_links import image_url
from servers.models import Server

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


# Pixels asked of PMS for an avatar shown at 32 × 32: twice the size, for sharp screens.
AVATAR_SIZE = 64


def avatar_img(user: User, server_id: int | None):
    """The user's avatar (custom avatar, else plex.tv thumb; the placeholder without one) as a
    lazily loaded 32 × 32 ``<img>``, fetched through server ``server_id``."""
    url = image_url(server_id, user.user_thumb, AVATAR_SIZE, AVATAR_SIZE, fallback="user")
    return format_html(
        '<img class="poster-avatar" src="{}" loading="lazy" decoding="async" width="32" '
        'height="32" alt="">',
        url,
    )


@admin.register(User)
class UserAdmin(ModelAdmin):
    list_display = (
        "avatar",
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
    list_before_template = "admin/posters/styles.html"

    def get_queryset(self, request):
        """The users, each with ``avatar_server_id``: the server whose image proxy fetches the
        avatars (the first one; an uncorrelated subquery the database runs once)."""
        first_server = Server.objects.order_by("pk").values("pk")[:1]
        return super().get_queryset(request).annotate(avatar_server_id=Subquery(first_server))

    @admin.display(description=_("avatar"))
    def avatar(self, obj: User):
        return avatar_img(obj, getattr(obj, "avatar_server_id", None))

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
