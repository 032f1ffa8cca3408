"""Admin for Plex users: Tautulli's per-user switches, plays and last seen.

Plays (grouped, as Tautulli counts them) and last seen come in the same query as the page of
users (correlated subqueries on the per-user play totals and the ``(user_id, -started)`` index),
never one query per row. ``user_token`` and
``server_token`` are not part of any form, list or detail page.

A user's page shows their statistics above the settings (:func:`stats.dashboard.user_statistics`:
watch time, players, top items and graphs, with the dashboard's time-range and server selector).
"""

from django.contrib import admin
from django.db import models
from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminTextInputWidget

from core.admin_utils import ReadOnlyAdminMixin
from history.grouping import sync_groups
from history.models import History, HistoryGroupUserTotal
from stats.dashboard import user_statistics

from .models import User, UserLogin


def plays_subquery() -> Subquery:
    """Plays of the outer user as Tautulli counts them: grouped plays (distinct reference_id,
    reference 3.6), read from the per-user totals :mod:`history.grouping` keeps (one primary-key
    lookup per row of the page). The caller syncs the groups first."""
    return Subquery(
        HistoryGroupUserTotal.objects.filter(user_id=OuterRef("user_id")).values("groups")[:1],
        output_field=IntegerField(),
    )


def last_seen_subquery() -> Subquery:
    """Start (aware UTC datetime) of the outer user's latest play: one seek on (user_id, -started)."""
    return Subquery(
        History.objects.filter(user_id=OuterRef("user_id"), started__isnull=False)
        .order_by("-started")
        .values("started")[:1]
    )


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
        "plays",
        "last_seen",
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
    change_form_outer_before_template = "admin/users/user/statistics.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The change page, with the user's statistics (``user_stats``) above the form."""
        if obj is not None and not add:
            context["user_stats"] = user_statistics(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_queryset(self, request):
        sync_groups()  # plays come from the per-play totals: bring them up to date first
        return (
            super()
            .get_queryset(request)
            .annotate(
                plays_count=Coalesce(plays_subquery(), Value(0)),
                last_seen_at=last_seen_subquery(),
            )
        )

    def has_add_permission(self, request):
        """Users come from plex.tv (and imports), not from the admin."""
        return False

    def has_delete_permission(self, request, obj=None):
        """Their history refers to them (PROTECT): Tautulli marks users deleted instead."""
        return False

    @admin.display(description=_("friendly name"), ordering="friendly_name")
    def display_name_column(self, obj: User) -> str:
        return obj.display_name

    @admin.display(description=_("plays"), ordering="plays_count")
    def plays(self, obj: User) -> int:
        return obj.plays_count

    @admin.display(description=_("last seen"), ordering="last_seen_at")
    def last_seen(self, obj: User):
        return obj.last_seen_at


@admin.register(UserLogin)
class UserLoginAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Tautulli's web login log (imported): read-only, without the stored JWT."""

    list_display = ("timestamp", "user", "user_group", "ip_address", "host", "success")
    list_filter = ("success", "user_group")
    search_fields = ("user", "ip_address")
    ordering = ("-timestamp",)
    fields = (
        "timestamp",
        "user_id",
        "user",
        "user_group",
        "ip_address",
        "host",
        "user_agent",
        "success",
        "expiry",
    )
    readonly_fields = fields
