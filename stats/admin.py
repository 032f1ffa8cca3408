"""The users' and libraries' admin pages with their statistics.

The users and libraries apps register plain admins (settings and Plex fields); this app, which
owns the statistics, registers them again (Django's documented way to extend another app's
admin): the users list gains plays and last seen (in the page's own query: correlated subqueries
on the per-user play totals and the ``(user_id, -started)`` index, never one query per row), and
a user's or a library's page shows its statistics above the settings (:mod:`stats.dashboard.pages`:
watch time, players or users, top items and graphs, with the dashboard's time-range selector).
"""

from django.contrib import admin
from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from history.models import History, HistoryGroupUserTotal
from libraries.admin import LibraryAdmin
from libraries.models import Library
from users.admin import UserAdmin
from users.models import User

from .dashboard.pages import library_statistics, user_statistics


def plays_subquery() -> Subquery:
    """Plays of the outer user as Tautulli counts them: grouped plays (distinct reference_id,
    reference 3.6), read from the per-user totals :mod:`history.grouping` keeps (one primary-key
    lookup per row of the page), brought up to date when the subquery is made (their manager
    syncs the groups)."""
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


admin.site.unregister(User)


@admin.register(User)
class UserStatisticsAdmin(UserAdmin):
    list_display = (
        "avatar",
        "display_name_column",
        "username",
        "plays",
        "last_seen",
        "is_active",
        "is_home_user",
        "keep_history",
        "do_notify",
    )
    change_form_outer_before_template = "admin/users/user/statistics.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The change page, with the user's statistics (``user_stats``) above the form."""
        if obj is not None and not add:
            context["user_stats"] = user_statistics(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_queryset(self, request):
        """The users with ``plays_count`` (grouped plays) and ``last_seen_at`` (aware UTC start
        of the latest play), both subqueries of the page's own query."""
        return (
            super()
            .get_queryset(request)
            .annotate(
                plays_count=Coalesce(plays_subquery(), Value(0)),
                last_seen_at=last_seen_subquery(),
            )
        )

    @admin.display(description=_("plays"), ordering="plays_count")
    def plays(self, obj: User) -> int:
        return obj.plays_count

    @admin.display(description=_("last seen"), ordering="last_seen_at")
    def last_seen(self, obj: User):
        return obj.last_seen_at


admin.site.unregister(Library)


@admin.register(Library)
class LibraryStatisticsAdmin(LibraryAdmin):
    change_form_outer_before_template = "admin/libraries/library/statistics.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The change page, with the library's statistics (``library_stats``) above the form."""
        if obj is not None and not add:
            context["library_stats"] = library_statistics(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)


# Library items, an item's page, Storage and Recently added (registered when imported).
from . import admin_inventory, admin_recently_added  # noqa: E402, F401
