"""Admin of the imported Tautulli databases (read-only), of the Tautulli connections synced
through ``/api/v2`` (write-only API key, "Sync now", "Test connection"), and the connections'
"last synced" line on the inventory pages (library items, an item's page, Storage)."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action

from core.admin_kit.mixins import ReadOnlyAdminMixin
from core.admin_kit.secrets import WriteOnlySecretsFormMixin
from libraries.models import LibraryMedia
from stats.admin_inventory import LibraryItemsAdmin

from .models import TautulliConnection, TautulliImport
from .remote.client import TautulliAPIError


@admin.register(TautulliImport)
class TautulliImportAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Imported Tautulli databases (``manage.py import_tautulli``): read-only."""

    list_display = ("__str__", "server", "source_path", "last_imported_at")
    list_select_related = ("server",)


def _http_by_default(db_field, **kwargs):
    """Form fields as the model makes them; a URL typed without a scheme is taken as http://
    (Tautulli is usually plain http on the LAN)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "http")
    return db_field.formfield(**kwargs)


class TautulliConnectionForm(WriteOnlySecretsFormMixin, forms.ModelForm):
    """The API key is write-only: never rendered; blank keeps the stored one."""

    write_only_fields = ("api_key",)

    class Meta:
        model = TautulliConnection
        fields = ("name", "url", "api_key", "active")
        formfield_callback = _http_by_default


@admin.register(TautulliConnection)
class TautulliConnectionAdmin(ModelAdmin):
    """Running Tautulli instances synced every 12 hours (``manage.py sync_tautulli``)."""

    form = TautulliConnectionForm
    list_display = (
        "name",
        "url",
        "active",
        "server",
        "last_sync_at",
        "last_success_at",
        "rows_added",
        "last_history_id",
        "last_error",
    )
    list_select_related = ("server",)
    actions = ("sync_now", "test_connection")
    readonly_fields = (
        "server",
        "last_sync_at",
        "last_success_at",
        "rows_added",
        "last_error",
        "last_history_id",
        "history_position",
    )
    fieldsets = (
        (None, {"fields": ("name", "url", "api_key", "active")}),
        (_("Last sync"), {"fields": readonly_fields}),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "http"  # Tautulli is usually plain http on the LAN
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("rows added (last sync)"))
    def rows_added(self, obj: TautulliConnection):
        counts = {name: n for name, n in (obj.last_counts or {}).items() if n}
        return ", ".join(f"{name}: {n}" for name, n in counts.items()) or "–"

    @action(description=_("Sync now"))
    def sync_now(self, request, queryset):
        from .remote.sync import sync_connection

        for conn in queryset:
            result = sync_connection(conn)
            if result.error:
                self.message_user(request, f"{conn.name}: {result.error}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{conn.name}: {result.added} rows added", messages.SUCCESS
                )

    @action(description=_("Test connection"))
    def test_connection(self, request, queryset):
        from .remote.sync import check_connection

        for conn in queryset:
            try:
                line = check_connection(conn)
            except TautulliAPIError as exc:
                self.message_user(request, f"{conn.name}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{conn.name}: {line}", messages.SUCCESS)


def last_synced_line(conn: TautulliConnection) -> str:
    """One line about a connection's last sync, e.g. ``Last synced from Tautulli “Home”:
    2026-12-07 06:00 (3 hours ago), 512 rows added; error: HTTP 500 from …`` (local time)."""
    if conn.last_sync_at is None:
        return _("Tautulli “%(name)s”: never synced yet.") % {"name": conn.name}
    when = timezone.localtime(conn.last_sync_at)
    added = sum(n for n in (conn.last_counts or {}).values() if isinstance(n, int))
    line = _(
        "Last synced from Tautulli “%(name)s”: %(when)s (%(ago)s ago), %(added)d rows added"
    ) % {
        "name": conn.name,
        "when": date_format(when, "Y-m-d H:i"),
        "ago": timesince(when),
        "added": added,
    }
    if conn.last_error:
        line += _("; error: %(error)s") % {"error": conn.last_error}
    if not conn.active:
        line += _(" (not synced by the schedule)")
    return line + "."


admin.site.unregister(LibraryMedia)


@admin.register(LibraryMedia)
class LibraryItemsSyncAdmin(LibraryItemsAdmin):
    """The library items (:mod:`stats.admin_inventory`, posters as signed image links) with
    the Tautulli connections' "last synced" lines (one query; none without a connection)."""

    def sync_status(self, request) -> list[str]:
        return [
            *super().sync_status(request),
            *(last_synced_line(conn) for conn in TautulliConnection.objects.order_by("name")),
        ]
