"""Media services (Radarr, Sonarr, Overseerr, Jellyseerr) in the admin: the API key is
write-only (never rendered, in the list or the form); the list shows the last sync and the free
space the service reports."""

from __future__ import annotations

from django.contrib import admin
from django.template.defaultfilters import filesizeformat, truncatechars
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from ..forms import MediaServiceForm
from ..models import MediaService


@admin.register(MediaService)
class MediaServiceAdmin(ModelAdmin):
    form = MediaServiceForm
    list_display = ("name", "kind", "url", "is_active", "synced_at", "sync_error_short", "disk")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "url")
    readonly_fields = ("synced_at", "sync_error", "disk")
    filter_horizontal = ("servers",)
    fieldsets = (
        (
            None,
            {"fields": ("name", "kind", "url", "api_key", "verify_ssl", "is_active", "servers")},
        ),
        (_("Last sync"), {"fields": ("synced_at", "sync_error", "disk")}),
    )

    @admin.display(description=_("sync error"))
    def sync_error_short(self, obj: MediaService) -> str:
        return truncatechars(obj.sync_error, 80)

    @admin.display(description=_("disk free"))
    def disk(self, obj: MediaService) -> str:
        """``"120.0 GB of 4.0 TB (3%)"``; "–" when the service reported no disk."""
        if obj.disk_free is None:
            return "–"
        if not obj.disk_total:
            return filesizeformat(obj.disk_free)
        share = round(obj.disk_free / obj.disk_total * 100)
        return _("%(free)s of %(total)s (%(share)d%%)") % {
            "free": filesizeformat(obj.disk_free),
            "total": filesizeformat(obj.disk_total),
            "share": share,
        }
