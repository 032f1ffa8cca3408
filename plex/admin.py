"""Admin for Plex Media Servers (write-only token, "Test connection", connection state), live
sessions, the Activity page (:mod:`plex.admin_activity`), the libraries' "Refresh inventory"
action and the library items' admin that the Tautulli sync extends."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action

from core.admin_kit.mixins import ReadOnlyAdminMixin
from core.admin_kit.secrets import WriteOnlySecretsFormMixin
from core.admin_kit.site import AdminPage
from core.timeutils import from_epoch
from libraries.models import Library
from servers.models import Server, Session, SessionContinued
from stats.admin import LibraryStatisticsAdmin

from . import admin_activity, connection
from .admin_activity import ERROR_SHOWN, badge, connection_badge, redacted_error, short_time
from .demo import is_demo
from .env_server import join_existing


def _http_by_default(db_field, **kwargs):
    """Form fields as the model makes them; a URL typed without a scheme is taken as http://."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "http")  # PMS is usually plain http on the LAN
    return db_field.formfield(**kwargs)


class ServerForm(WriteOnlySecretsFormMixin, forms.ModelForm):
    """The token is write-only: never rendered; blank keeps the stored one."""

    write_only_fields = ("token",)

    class Meta:
        model = Server
        fields = ("name", "url", "token", "is_active")
        formfield_callback = _http_by_default


@admin.register(Server)
class ServerAdmin(ModelAdmin):
    form = ServerForm
    list_display = (
        "name_and_kind",
        "url",
        "connection_status",
        "websocket_connected",
        "last_contact",
        "error",
        "version",
        "is_active",
    )
    list_filter = ("is_active", "connected", "websocket_connected")
    search_fields = ("name", "url", "machine_identifier")
    actions = ("test_connection", "refresh_users", "refresh_libraries")
    actions_submit_line = ("save_and_test_connection",)
    actions_list = ("add_with_plex",)
    fieldsets = (
        (None, {"fields": ("name", "url", "token", "is_active")}),
        (
            _("Connection"),
            {
                "fields": (
                    "connection_status",
                    "websocket_connected",
                    "last_contact",
                    "full_error",
                    "down_notified",
                ),
                "description": _(
                    "As the monitor (manage.py monitor) and the minute poll last saw the server."
                ),
            },
        ),
        (
            _("Remote access"),
            {
                "fields": (
                    "remote_access_up",
                    "remote_access_mapping_state",
                    "remote_access_reason",
                    "remote_access_changed_at",
                    "remote_access_down_notified",
                ),
                "description": _(
                    "As the server last reported it (checked every minute while it publishes "
                    "itself on plex.tv)."
                ),
            },
        ),
        (
            _("Reported by the server"),
            {
                "fields": ("machine_identifier", "version", "platform", "plexpass", "created_at"),
                "description": _("Filled in by “Test connection”."),
            },
        ),
    )
    readonly_fields = (
        "connection_status",
        "websocket_connected",
        "last_contact",
        "full_error",
        "down_notified",
        "remote_access_up",
        "remote_access_mapping_state",
        "remote_access_reason",
        "remote_access_changed_at",
        "remote_access_down_notified",
        "machine_identifier",
        "version",
        "platform",
        "plexpass",
        "created_at",
    )

    # --- connection state (written by the monitor; the token is never shown) ------------------

    @admin.display(description=_("name"), ordering="name")
    def name_and_kind(self, obj: Server):
        if is_demo(obj):
            return format_html(
                "{} {}",
                obj.name,
                badge(
                    _("Demo"),
                    "primary",
                    _("The built-in demo: scripted viewers, not a real server."),
                ),
            )
        return obj.name

    @admin.display(description=_("connection"), ordering="connected")
    def connection_status(self, obj: Server):
        """Up / Down (since …) / Unknown / Not monitored."""
        return connection_badge(obj)

    @admin.display(description=_("last contact"), ordering="last_contact_at")
    def last_contact(self, obj: Server) -> str:
        return short_time(obj.last_contact_at) if obj.last_contact_at else "–"

    @admin.display(description=_("last error"))
    def error(self, obj: Server):
        text = redacted_error(obj)
        if not text:
            return "–"
        return format_html('<span title="{}">{}</span>', text, Truncator(text).chars(ERROR_SHOWN))

    @admin.display(description=_("last error"))
    def full_error(self, obj: Server) -> str:
        return redacted_error(obj) or "–"

    def get_fieldsets(self, request, obj=None):
        """No connection state before the server exists; the demo's change page says what it
        is."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return tuple(fs for fs in fieldsets if fs[0] != _("Connection"))
        if not is_demo(obj):
            return fieldsets
        first_name, first = fieldsets[0]
        note = _(
            "The built-in demo: a fake Plex Media Server with scripted viewers, started by "
            "scripts/run (manage.py demo_pms) while no real server is configured. Add your own "
            "server rather than editing this one: at the next start of scripts/run the demo "
            "and its scripted plays are removed."
        )
        return ((first_name, {**first, "description": note}), *fieldsets[1:])

    # --- one row per PMS: adding a server joins the imported row of the same PMS ----------------

    def save_model(self, request, obj: Server, form, change):
        """On add, ask PMS who it is first (:func:`plex.env_server.join_existing`): a server
        already known by that machine identifier (imported from Tautulli, without a URL) gets
        the URL and token instead of a second row being created."""
        if not change:
            joined, result = join_existing(obj, rename=True)  # the name just typed
            if joined is not None:
                obj.pk = joined.pk
                obj.refresh_from_db()
                request._server_joined = joined  # for response_add
                return
            if not result.ok and Server.objects.filter(url="").exists():
                self.message_user(
                    request,
                    _(
                        "%(error)s Its machine identifier could not be read, so it was added as "
                        "a new server. If it is the server a Tautulli import came from, enter "
                        "this URL and token on that server instead and delete this one: two rows "
                        "for one Plex server split its history."
                    )
                    % {"error": result.error},
                    messages.WARNING,
                )
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        joined = getattr(request, "_server_joined", None)
        if joined is None:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            _(
                "This Plex server (machine identifier %(identifier)s) is already here as "
                "“%(server)s”, with its imported history: its URL and token were set there; no "
                "second server was created."
            )
            % {"identifier": joined.machine_identifier, "server": joined},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:plex_server_change", args=[joined.pk]))

    def _prompt_for_url(self, request, servers) -> None:
        for server in servers:
            self.message_user(
                request,
                format_html(
                    "{} {}",
                    _(
                        "“%(server)s” has no URL, so it is not monitored and cannot answer API "
                        "commands."
                    )
                    % {"server": server},
                    _(
                        "Open it and enter its URL (e.g. http://192.168.1.10:32400) and token; "
                        "or add the server: one reporting the same machine identifier joins it."
                    ),
                ),
                messages.WARNING,
            )

    def changelist_view(self, request, extra_context=None):
        """The list prompts for the URL and token of every server that has none (imported)."""
        if request.method == "GET":
            self._prompt_for_url(request, Server.objects.filter(url=""))
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and str(object_id).isdigit():
            self._prompt_for_url(request, Server.objects.filter(pk=object_id, url=""))
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "http"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _report(self, request, server: Server, result: connection.ConnectionResult) -> None:
        if result.ok:
            self.message_user(
                request,
                _("%(server)s: connected — %(summary)s")
                % {"server": server, "summary": result.summary()},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("%(server)s: %(error)s") % {"server": server, "error": result.error},
                messages.ERROR,
            )

    @admin.action(description=_("Test connection"))
    def test_connection(self, request, queryset):
        """Connect to each selected server with its token; on success store its identity."""
        for server in queryset:
            self._report(request, server, connection.test_connection(server))

    @action(description=_("Add a server with Plex"), icon="add", url_path="add-with-plex")
    def add_with_plex(self, request):
        """Sign in to plex.tv and pick one of the account's servers (:mod:`plex.views_signin`)."""
        return HttpResponseRedirect(reverse("plex_setup"))

    @action(description=_("Save and test connection"))
    def save_and_test_connection(self, request, obj: Server):
        self._report(request, obj, connection.test_connection(obj))

    def _report_sync(self, request, what: str, result) -> None:
        level = messages.SUCCESS if result.ok else messages.ERROR
        text = _("%(what)s: %(synced)d refreshed, %(deactivated)d no longer present.") % {
            "what": what,
            "synced": result.synced,
            "deactivated": result.deactivated,
        }
        self.message_user(request, " ".join([str(text), *result.errors]), level)

    @admin.action(description=_("Refresh users from plex.tv"))
    def refresh_users(self, request, queryset):
        """Re-read users from plex.tv with every active server's token (the whole list, so the
        selection does not matter: users of unselected servers must not look gone)."""
        from .sync import sync_users

        self._report_sync(request, _("Users"), sync_users())

    @admin.action(description=_("Refresh libraries"))
    def refresh_libraries(self, request, queryset):
        """Re-read the library sections (with counts) of the selected servers."""
        from .sync import sync_libraries

        self._report_sync(request, _("Libraries"), sync_libraries(servers=queryset))


admin.site.unregister(Library)


@admin.register(Library)
class LibraryInventoryAdmin(LibraryStatisticsAdmin):
    """The libraries' admin (with statistics, :mod:`stats.admin`) and the on-demand inventory
    refresh, which needs Plex and so lives here."""

    actions = (*(LibraryStatisticsAdmin.actions or ()), "refresh_inventory")

    @admin.action(description=_("Refresh inventory"), permissions=["change"])
    def refresh_inventory(self, request, queryset):
        """Re-read the items of each selected library from its server now (incrementally, see
        :func:`plex.inventory.refresh_inventory`); one message per library."""
        from .client import PlexUnavailable
        from .inventory import refresh_inventory

        for library in queryset.select_related("server"):
            try:
                counts = refresh_inventory(library.server, library)
            except PlexUnavailable as exc:
                self.message_user(request, f"{library}: {exc}", messages.ERROR)
                continue
            text = _(
                "%(library)s: %(items)d items, %(written)d written, %(removed)d marked removed, "
                "%(relinked)d re-added items linked."
            ) % {"library": library, **counts}
            self.message_user(request, text, messages.SUCCESS)


def _epoch_display(description: str, attribute: str):
    @admin.display(description=description, ordering=attribute)
    def show(self, obj):
        return from_epoch(getattr(obj, attribute))

    return show


@admin.register(Session)
class SessionAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Streams playing now (the activity monitor's state): read-only."""

    list_display = (
        "server",
        "session_key",
        "friendly_name",
        "full_title",
        "state",
        "started_at",
        "player",
        "transcode_decision",
    )
    list_select_related = ("server",)
    list_filter = ("server", "state", "media_type")
    exclude = ("raw_stream_info",)

    started_at = _epoch_display(_("started"), "started")


@admin.register(SessionContinued)
class SessionContinuedAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Last stop per (user, player, media type): decides whether a new stream continues a play."""

    list_display = ("user_id", "machine_id", "media_type", "stopped_at")

    stopped_at = _epoch_display(_("stopped"), "stopped")


# --- the Activity page: /admin/activity/, listed first in the Plex group ------------------------

_sessions = admin.site.get_model_admin(Session)
admin.site.register_page(
    AdminPage(
        title=_("Activity"),
        app_label="plex",
        urls=(
            path(
                "activity/",
                partial(admin_activity.activity_page, _sessions),
                name="plex_activity",
            ),
            path(
                "activity/fragment/",
                partial(admin_activity.activity_fragment, _sessions),
                name="plex_activity_fragment",
            ),
            path(
                "activity/terminate/<int:pk>/",
                partial(admin_activity.terminate_page, _sessions),
                name="plex_activity_terminate",
            ),
        ),
        # Staff with the view permission on sessions (the views check it again); terminating
        # also needs plex.change_session (admin_activity.TERMINATE_PERMISSION).
        permission=_sessions.has_view_permission,
    )
)
