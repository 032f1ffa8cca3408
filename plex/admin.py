"""Admin for Plex Media Servers (write-only token, "Test connection") and live sessions."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action

from core.admin_utils import ReadOnlyAdminMixin, WriteOnlySecretsFormMixin
from core.timeutils import from_epoch

from . import connection
from .models import Server, Session, SessionContinued


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
    list_display = ("name", "url", "version", "platform", "machine_identifier", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "url", "machine_identifier")
    actions = ("test_connection", "refresh_users", "refresh_libraries")
    actions_submit_line = ("save_and_test_connection",)
    fieldsets = (
        (None, {"fields": ("name", "url", "token", "is_active")}),
        (
            _("Reported by the server"),
            {
                "fields": ("machine_identifier", "version", "platform", "plexpass", "created_at"),
                "description": _("Filled in by “Test connection”."),
            },
        ),
    )
    readonly_fields = ("machine_identifier", "version", "platform", "plexpass", "created_at")

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
